#include "observability/metrics_http_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "http_server/http_server.h"

namespace ndes::observability {
namespace {

using http_server::HttpResponder;
using http_server::HttpServerRequest;
using http_server::HttpServerResponse;

http_server::HttpServerOptions MetricsServerOptions(
    absl::string_view host_port) {
  http_server::HttpServerOptions options;
  options.listen_address = std::string(host_port);
  options.name = "metrics";
  options.max_header_bytes = 8 * 1024;
  options.max_body_bytes = 1024;
  options.max_connections = 16;
  options.max_connections_per_ip = 8;
  options.idle_timeout = absl::Seconds(15);
  options.request_timeout = absl::Seconds(30);
  options.stop_grace = absl::Seconds(1);
  return options;
}

HttpServerResponse Answer(const MetricsRegistry& registry,
                          const HttpServerRequest& request) {
  if (request.path != "/metrics") {
    return HttpServerResponse::Text(
        404, "not found; metrics are served at /metrics\n");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpServerResponse response =
        HttpServerResponse::Text(405, "method not allowed; use GET\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  HttpServerResponse response;
  response.headers.emplace_back("Content-Type", kTextExpositionContentType);
  response.body = registry.TextExposition();
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view host_port, const MetricsRegistry& metrics) {
  const MetricsRegistry* registry = &metrics;
  absl::StatusOr<std::unique_ptr<http_server::HttpServer>> server =
      http_server::HttpServer::Start(
          MetricsServerOptions(host_port),
          [registry](HttpServerRequest request, HttpResponder responder) {
            std::move(responder).Answer(Answer(*registry, request));
          });
  if (!server.ok()) return server.status();
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(*std::move(server)));
}

MetricsHttpServer::MetricsHttpServer(
    std::unique_ptr<http_server::HttpServer> server)
    : server_(std::move(server)),
      address_(server_->address()),
      port_(server_->port()) {}

MetricsHttpServer::~MetricsHttpServer() = default;

void MetricsHttpServer::Stop() { server_->Stop(); }

std::string MetricsHttpServer::url() const {
  return absl::StrCat("http://", address_, "/metrics");
}

}  // namespace ndes::observability
