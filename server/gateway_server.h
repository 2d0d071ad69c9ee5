// The assembled gRPC server: NdesConnectorService over a store, the
// grpc.health.v1 service and server reflection on the API listener, and
// optionally a second listener that serves health only (for Kubernetes
// probes that dial the Pod IP).
//
// Usage:
//   GatewayServerOptions options;
//   options.listen_address = "unix:/var/run/ndes/gateway.sock";
//   options.health_listen_address = "0.0.0.0:50052";
//   absl::StatusOr<std::unique_ptr<GatewayServer>> server =
//       GatewayServer::Start(options, *store);
//   ...
//   (*server)->Shutdown(absl::Seconds(25));
//
// Health: "" (the whole server) and "ndes.v1.NdesConnectorService" report
// SERVING from Start until Shutdown begins, except while the store says it
// is unavailable (ConnectorStore::Available) or the API listener cannot
// accept connections for want of descriptors (both polled every
// `availability_poll_interval`). "liveness" (kLivenessService) reports
// SERVING from Start until Shutdown begins, whatever the store does. Both
// listeners report the same statuses.
//
// Connections: the gateway accepts them itself and hands them to gRPC
// (listener/grpc_listener.h), so that a listener survives running out of
// descriptors, and closes a TCP connection that floods it
// (listener/flood_guard.h: more calls in flight than four times
// max_concurrent_streams, or more than twice max_message_bytes + 1 MiB
// received without a call starting).
//
// Thread-safe. The store and the authorizer are not owned and must outlive
// the server.
#ifndef NDES_SERVER_GATEWAY_SERVER_H_
#define NDES_SERVER_GATEWAY_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "listener/connection_table.h"
#include "listener/flood_guard.h"
#include "listener/grpc_listener.h"
#include "observability/metrics_registry.h"
#include "service/authorizer.h"
#include "store/connector_store.h"
#include "tls/tls_files.h"

namespace ndes {

inline constexpr char kServiceName[] = "ndes.v1.NdesConnectorService";
// The health service name for liveness probes: SERVING from start until
// shutdown, even while the store is unavailable (a restart would not bring
// the database back). Readiness probes use "" instead.
inline constexpr char kLivenessService[] = "liveness";

// TLS on the API listener. The files are checked at start (a missing,
// unreadable or mismatched file refuses to start, naming it) and re-read
// when they change, so rotated certificates (Kubernetes Secrets,
// cert-manager) are picked up without a restart.
struct TlsOptions : tls::TlsFiles {
  // How often the files are checked for changes.
  absl::Duration reload_interval = absl::Seconds(60);
};

struct GatewayServerOptions {
  // The API: "host:port" (port 0 picks a free port) or "unix:/path" (the
  // socket file is created with mode 0660 and removed on shutdown).
  std::string listen_address = "127.0.0.1:50051";
  // When not empty, a second listener ("host:port") serving only
  // grpc.health.v1: no API, no reflection, no auth, no TLS.
  std::string health_listen_address;
  TlsOptions tls;
  // Without TLS, a listen address that is neither loopback nor a Unix
  // socket is refused unless this is set.
  bool allow_plaintext = false;
  // Inbound auth; null: none. Health never needs a credential.
  const service::Authorizer* authorizer = nullptr;
  // The registry the service records its metrics into
  // (service/service_stats.h); null: a registry of the server's own, which
  // nothing exposes. Must outlive the server.
  observability::MetricsRegistry* metrics = nullptr;
  // Serve grpc.reflection (v1 and v1alpha). With an authorizer, a
  // reflection stream needs a valid credential (no particular permission).
  bool reflection = true;

  // Limits.
  // Largest request or response message.
  int max_message_bytes = 4 * 1024 * 1024;
  // Calls in flight on one connection.
  int max_concurrent_streams = 256;
  // The server pings a connection idle this long, and closes it when the
  // ping is not answered within keepalive_timeout.
  absl::Duration keepalive_time = absl::Minutes(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // A client that pings more often than this (without calls in flight) is
  // disconnected with GOAWAY "too_many_pings" after two such pings.
  absl::Duration keepalive_min_ping_interval = absl::Seconds(10);

  // Resident memory above which the gateway sheds the connections that
  // hold unprocessed input (listener/flood_guard.h); 0: never.
  std::uint64_t memory_soft_limit_bytes = 0;

  absl::Duration availability_poll_interval = absl::Seconds(1);
};

class GatewayServer {
 public:
  // Builds the server and starts serving. FAILED_PRECONDITION naming the
  // address or file when it cannot listen there (in use, bad address,
  // plaintext off loopback, TLS files missing or invalid).
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayServerOptions& options, store::ConnectorStore& store);

  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;
  // Shuts down (with no grace) if Shutdown was not called.
  ~GatewayServer();

  // The API listener's bound port (the chosen one for port 0); 0 for unix.
  int port() const { return port_; }
  // The address clients dial, with the chosen port: "127.0.0.1:43123", or
  // "unix:/path".
  const std::string& address() const { return address_; }
  // The health listener's address to dial; empty without one.
  const std::string& health_address() const { return health_address_; }

  // Health turns NOT_SERVING at once (on both listeners), new connections
  // are refused and every new call is answered UNAVAILABLE (and logged);
  // calls in flight get up to `grace` to finish (a call still waiting for
  // its store then is answered UNAVAILABLE). As soon as none is left (and
  // calls sent before the clients heard of it have stopped arriving for
  // 0.1 s, counting from the call to Shutdown so that health watchers get
  // NOT_SERVING; at most 0.7 s more), the service stops answering: a call
  // arriving from then on is neither answered nor logged, and its client
  // gets an error from its own gRPC library when its connection closes.
  // Once every answer given (refusals included) has been sent (within the
  // grace, or at most 1 s more once it is over), every connection is
  // closed, idle or not, and the server stops. Returns when it has. Later
  // calls do nothing.
  void Shutdown(absl::Duration grace);

 private:
  struct Services;

  GatewayServer() = default;
  void SetServing(bool serving);
  void PollAvailability(absl::Duration interval);
  // Refuses new calls, waits for the calls in flight, then stops answering
  // and waits for the answers given to be sent (see Shutdown).
  void DrainCalls(absl::Duration grace);

  // Whether health may say SERVING: the store is available and the API
  // listener accepts.
  bool Ready() const;

  store::ConnectorStore* store_ = nullptr;
  // Declared before the servers and listeners, which use them.
  listener::ConnectionTable connections_;
  std::unique_ptr<listener::FloodGuard> flood_guard_;
  std::unique_ptr<listener::GrpcListener> listener_;
  std::unique_ptr<listener::GrpcListener> health_listener_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  int port_ = 0;
  std::string address_;
  std::string health_address_;
  // The Unix socket file this server created, removed on shutdown.
  std::string socket_path_;

  absl::Notification stop_polling_;
  std::thread poller_;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace ndes

#endif  // NDES_SERVER_GATEWAY_SERVER_H_
