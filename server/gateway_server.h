// The assembled gRPC server: NdesConnectorService over a store, gRPC's
// built-in grpc.health.v1 service and server reflection, on one listener.
//
// Usage:
//   absl::StatusOr<std::unique_ptr<GatewayServer>> server =
//       GatewayServer::Start({.listen_address = "127.0.0.1:0"}, *store);
//   ... (*server)->port() ...
//   (*server)->Shutdown(absl::Seconds(25));
//
// Health: "" (the whole server) and "ndes.v1.NdesConnectorService" report
// SERVING from Start until Shutdown begins.
//
// Thread-safe. The store is not owned and must outlive the server.
#ifndef NDES_SERVER_GATEWAY_SERVER_H_
#define NDES_SERVER_GATEWAY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "store/connector_store.h"

namespace ndes {

inline constexpr char kServiceName[] = "ndes.v1.NdesConnectorService";

struct GatewayServerOptions {
  // "host:port" (port 0 picks a free port) or "unix:/path".
  std::string listen_address = "127.0.0.1:50051";
};

class GatewayServer {
 public:
  // Builds the server and starts serving. FAILED_PRECONDITION naming the
  // address when it cannot listen there (in use, bad address).
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayServerOptions& options, store::ConnectorStore& store);

  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;
  // Shuts down (with no grace) if Shutdown was not called.
  ~GatewayServer();

  // The port bound for a "host:port" listener (the chosen one for port 0).
  int port() const { return port_; }
  // The address clients dial, with the chosen port: "127.0.0.1:43123".
  const std::string& address() const { return address_; }

  // Health turns NOT_SERVING at once and no new call is accepted; calls in
  // flight get up to `grace` to finish, then are cancelled. Returns when the
  // server has stopped. Later calls do nothing.
  void Shutdown(absl::Duration grace);

 private:
  // The services the server dispatches to (defined in the .cc).
  struct Services;

  GatewayServer(std::unique_ptr<Services> services,
                std::unique_ptr<grpc::Server> server, int port,
                std::string address);

  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
  std::string address_;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace ndes

#endif  // NDES_SERVER_GATEWAY_SERVER_H_
