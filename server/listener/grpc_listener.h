// A listener of the gateway's gRPC servers whose connections the gateway
// accepts itself (AcceptLoop) and hands to gRPC through the server
// builder's external connection acceptor, instead of gRPC's own listener.
// What that buys: the listener survives running out of descriptors
// (accept_loop.h) and each TCP connection is known by its socket, so that
// the FloodGuard can close one (flood_guard.h).
//
//   grpc::ServerBuilder builder;
//   absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
//       GrpcListener::Open("127.0.0.1:0", credentials, builder, &table);
//   ... register services ...
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   (*listener)->Start();
//   ...
//   (*listener)->Stop();   // before server->Shutdown()
//   server->Shutdown();
//
// Thread-safe after Start.
#ifndef NDES_SERVER_LISTENER_GRPC_LISTENER_H_
#define NDES_SERVER_LISTENER_GRPC_LISTENER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "listener/accept_loop.h"
#include "listener/connection_table.h"
#include "listener/listen_sockets.h"

namespace ndes::listener {

class GrpcListener {
 public:
  // Binds `address` (listen_sockets.h) and adds an acceptor with
  // `credentials` to `builder`. `table`, when not null, keeps the
  // listener's TCP connections (it must outlive the listener).
  // FAILED_PRECONDITION with the reason when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcListener>> Open(
      const std::string& address,
      std::shared_ptr<grpc::ServerCredentials> credentials,
      grpc::ServerBuilder& builder, ConnectionTable* table);

  GrpcListener(const GrpcListener&) = delete;
  GrpcListener& operator=(const GrpcListener&) = delete;
  ~GrpcListener();

  // Starts accepting; after the builder's server has started.
  void Start();
  // Stops accepting and closes the listening sockets: new connections are
  // refused. Must come before the server's Shutdown, since gRPC ignores
  // (and leaks) a connection handed to a server that is shutting down.
  // Idempotent.
  void Stop();

  // The bound port; 0 for a Unix socket.
  int port() const { return sockets_.port(); }
  // False while connections cannot be accepted for want of descriptors.
  bool accepting() const;

 private:
  GrpcListener(ListenSockets sockets, std::string name);

  ListenSockets sockets_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<AcceptLoop> loop_;
  ConnectionTable* table_ = nullptr;
  std::string name_;
};

}  // namespace ndes::listener

#endif  // NDES_SERVER_LISTENER_GRPC_LISTENER_H_
