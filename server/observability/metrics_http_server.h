// MetricsHttpServer: serves a MetricsRegistry over HTTP for Prometheus
// (--metrics_listen=host:port), on cpprestsdk's http_listener.
//
//   GET /metrics   200, the registry's text exposition, Content-Type
//                  text/plain; version=0.0.4; charset=utf-8
//   other paths    404
//   /metrics with another method   405 (Allow: GET)
//
//   absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
//       MetricsHttpServer::Start("0.0.0.0:9464");
//   if (!server.ok()) ... // names the address
//   LOG "metrics on " << (*server)->address();
//
// Port 0 picks a free port: the server binds a plain socket on port 0 to
// learn one, closes it and listens there (http_listener needs an explicit
// port), so another process could take the port in between; Start then
// fails and may be called again.
//
// Thread-safe. Requests are answered on cpprestsdk's threads; the scrape
// renders the registry then, without blocking metric updates.
#ifndef NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_
#define NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "observability/metrics_registry.h"

namespace ndes::observability {

class MetricsHttpServer {
 public:
  // Listens on `host_port` ("127.0.0.1:9464", "0.0.0.0:0", "[::1]:9464",
  // "localhost:9464") and serves `registry` (the process-wide
  // Metrics().registry() when null), which must outlive the server.
  // Errors: INVALID_ARGUMENT for a host_port that is not host:port;
  // UNAVAILABLE naming the address when it cannot be listened on (in use,
  // not an address of this host).
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view host_port, const MetricsRegistry* registry = nullptr);

  // Stops.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Stops listening and closes open connections. Idempotent.
  void Stop();

  // host:port as listened on, with the chosen port ("127.0.0.1:39211";
  // an IPv6 host in brackets).
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // http://address()/metrics
  std::string url() const;

 private:
  class Listener;  // cpprestsdk's listener, kept out of this header
  MetricsHttpServer(std::string address, int port,
                    std::unique_ptr<Listener> listener);

  const std::string address_;
  const int port_;
  absl::Mutex mu_;
  std::unique_ptr<Listener> listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_METRICS_HTTP_SERVER_H_
