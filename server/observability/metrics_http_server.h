// MetricsHttpServer: serves a MetricsRegistry over HTTP for Prometheus
// (--metrics_listen=host:port), on the project's HttpServer.
//
//   GET /metrics   200, the registry's text exposition, Content-Type
//                  text/plain; version=0.0.4; charset=utf-8
//   HEAD /metrics  the same without the body
//   other paths    404
//   /metrics with another method   405 (Allow: GET, HEAD)
//
//   absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
//       MetricsHttpServer::Start("0.0.0.0:9464");
//   if (!server.ok()) ... // names the address
//   LOG "metrics on " << (*server)->url();
//
// Limits (see http_server/http_server_options.h for what each means):
// headers 8 KiB (431), a body 1 KiB (413), 16 connections of which 8 from
// one IP address, 15 s idle, 30 s to deliver a request or take an answer.
// A scrape is rendered on the server's one thread, so concurrent scrapes
// are answered one after the other.
//
// Thread-safe. The scrape renders the registry without blocking metric
// updates.
#ifndef NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_
#define NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "observability/metrics_registry.h"

namespace ndes::http_server {
class HttpServer;
}  // namespace ndes::http_server

namespace ndes::observability {

class MetricsHttpServer {
 public:
  // Listens on `host_port` ("127.0.0.1:9464", "0.0.0.0:0", "[::1]:9464",
  // "localhost:9464"; port 0 picks a free port) and serves `registry`,
  // which must outlive the server.
  // Errors: INVALID_ARGUMENT for a host_port that is not host:port;
  // UNAVAILABLE "cannot serve metrics on <address>: <why>" when it cannot be
  // listened on (in use, not an address of this host).
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view host_port, const MetricsRegistry& registry);

  // Stops.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Stops listening (the port is free on return), lets a scrape being sent
  // finish for up to a second, and closes every connection. Idempotent.
  void Stop();

  // host:port as listened on, with the chosen port ("127.0.0.1:39211";
  // an IPv6 host in brackets).
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // http://address()/metrics
  std::string url() const;

 private:
  explicit MetricsHttpServer(std::unique_ptr<http_server::HttpServer> server);

  const std::unique_ptr<http_server::HttpServer> server_;
  const std::string address_;
  const int port_;
};

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_
