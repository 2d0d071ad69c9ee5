#include "observability/metrics_http_server.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cpprest/http_listener.h"
#include "observability/gateway_metrics.h"

namespace ndes::observability {
namespace {

using web::http::http_request;
using web::http::methods;
using web::http::status_codes;

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

absl::StatusOr<HostPort> ParseHostPort(absl::string_view host_port) {
  const std::size_t colon = host_port.rfind(':');
  HostPort parsed;
  bool valid = colon != absl::string_view::npos && colon > 0 &&
               absl::SimpleAtoi(host_port.substr(colon + 1), &parsed.port) &&
               parsed.port >= 0 && parsed.port <= 65535;
  if (valid) {
    absl::string_view host = host_port.substr(0, colon);
    if (absl::ConsumePrefix(&host, "[")) {
      valid = absl::ConsumeSuffix(&host, "]");
    } else {
      valid = host.find(':') == absl::string_view::npos;
    }
    valid = valid && !host.empty();
    parsed.host = std::string(host);
  }
  if (!valid) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen=", host_port,
                     " is not host:port, e.g. 0.0.0.0:9464 or [::1]:9464"));
  }
  return parsed;
}

std::string FormatAddress(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

// A port that is free on `host` now: bound on port 0 and released.
absl::StatusOr<int> PickFreePort(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), "0", &hints, &addresses);
      rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", FormatAddress(host, 0), ": ",
                     gai_strerror(rc)));
  }
  std::string error = "no address";
  int port = -1;
  for (addrinfo* a = addresses; a != nullptr && port < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
      port = bound.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    } else {
      error = std::strerror(errno);
    }
    close(fd);
  }
  freeaddrinfo(addresses);
  if (port < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", FormatAddress(host, 0), ": ", error));
  }
  return port;
}

void Answer(const MetricsRegistry& registry, const http_request& request) {
  if (request.request_uri().path() != "/metrics") {
    request.reply(status_codes::NotFound,
                  "not found; metrics are served at /metrics\n");
    return;
  }
  if (request.method() != methods::GET) {
    web::http::http_response response(status_codes::MethodNotAllowed);
    response.headers().add("Allow", "GET");
    response.set_body("method not allowed; use GET\n");
    request.reply(response);
    return;
  }
  request.reply(status_codes::OK, registry.TextExposition(),
                kTextExpositionContentType);
}

}  // namespace

class MetricsHttpServer::Listener {
 public:
  explicit Listener(const std::string& url) : listener_(url) {}
  web::http::experimental::listener::http_listener& get() { return listener_; }

 private:
  web::http::experimental::listener::http_listener listener_;
};

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view host_port, const MetricsRegistry* registry) {
  if (registry == nullptr) registry = &Metrics().registry();
  absl::StatusOr<HostPort> parsed = ParseHostPort(host_port);
  if (!parsed.ok()) return parsed.status();
  int port = parsed->port;
  if (port == 0) {
    absl::StatusOr<int> free_port = PickFreePort(parsed->host);
    if (!free_port.ok()) return free_port.status();
    port = *free_port;
  }
  const std::string address = FormatAddress(parsed->host, port);
  try {
    auto listener = std::make_unique<Listener>(absl::StrCat("http://", address));
    listener->get().support([registry](http_request request) {
      try {
        Answer(*registry, request);
      } catch (const std::exception&) {
        // The client went away mid-answer: nothing to tell anyone.
      }
    });
    listener->get().open().wait();
    return std::unique_ptr<MetricsHttpServer>(
        new MetricsHttpServer(address, port, std::move(listener)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
}

MetricsHttpServer::MetricsHttpServer(std::string address, int port,
                                     std::unique_ptr<Listener> listener)
    : address_(std::move(address)), port_(port), listener_(std::move(listener)) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  std::unique_ptr<Listener> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = std::move(listener_);
  }
  if (listener == nullptr) return;
  try {
    listener->get().close().wait();
  } catch (const std::exception&) {
    // Closing failed half-way; the listener's destructor releases the rest.
  }
}

std::string MetricsHttpServer::url() const {
  return absl::StrCat("http://", address_, "/metrics");
}

}  // namespace ndes::observability
