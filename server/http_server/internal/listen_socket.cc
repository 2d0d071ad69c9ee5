#include "http_server/internal/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ndes::http_server::internal {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return -1;
  }
  return bound.ss_family == AF_INET6
             ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
             : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

}  // namespace

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
        absl::StrCat("\"", host_port,
                     "\" is not host:port, e.g. 0.0.0.0:9464 or [::1]:9464"));
  }
  return parsed;
}

std::string FormatHostPort(absl::string_view host, int port) {
  if (host.find(':') != absl::string_view::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

std::string FormatSocketAddress(const sockaddr* address) {
  if (address == nullptr) return "";
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return FormatHostPort(text, ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    return FormatHostPort(text, ntohs(v6->sin6_port));
  }
  return "";
}

absl::StatusOr<ListenSocket> ListenSocket::Open(absl::string_view host_port,
                                                absl::string_view name,
                                                int backlog) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(host_port);
  if (!parsed.ok()) return parsed.status();
  const std::string address = FormatHostPort(parsed->host, parsed->port);
  auto unavailable = [&](absl::string_view why) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve ", name, " on ", address, ": ", why));
  };

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* resolved = nullptr;
  const std::string port_text = std::to_string(parsed->port);
  if (const int rc = getaddrinfo(parsed->host.c_str(), port_text.c_str(),
                                 &hints, &resolved);
      rc != 0) {
    return unavailable(gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrinfoDeleter> addresses(resolved);
  // One socket only: a host name's first IPv4 address, else its first.
  const addrinfo* chosen = addresses.get();
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
  }

  const int fd = socket(chosen->ai_family,
                        chosen->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        chosen->ai_protocol);
  if (fd < 0) return unavailable(std::strerror(errno));
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (chosen->ai_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  int port = -1;
  if (bind(fd, chosen->ai_addr, chosen->ai_addrlen) != 0 ||
      listen(fd, backlog) != 0 || (port = BoundPort(fd)) < 0) {
    const int error = errno;
    close(fd);
    return unavailable(std::strerror(error));
  }
  return ListenSocket(fd, port, FormatHostPort(parsed->host, port));
}

ListenSocket::ListenSocket(ListenSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      port_(other.port_),
      address_(std::move(other.address_)) {}

ListenSocket& ListenSocket::operator=(ListenSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
    address_ = std::move(other.address_);
  }
  return *this;
}

ListenSocket::~ListenSocket() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace ndes::http_server::internal
