#include "listener/grpc_listener.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

namespace ndes::listener {

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Open(
    const std::string& address,
    std::shared_ptr<grpc::ServerCredentials> credentials,
    grpc::ServerBuilder& builder, ConnectionTable* table) {
  absl::StatusOr<ListenSockets> sockets = ListenSockets::Open(address);
  if (!sockets.ok()) return sockets.status();
  std::unique_ptr<GrpcListener> listener(
      new GrpcListener(*std::move(sockets), address));
  listener->table_ = table;
  listener->acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      std::move(credentials));
  return listener;
}

GrpcListener::GrpcListener(ListenSockets sockets, std::string name)
    : sockets_(std::move(sockets)), name_(std::move(name)) {}

GrpcListener::~GrpcListener() { Stop(); }

void GrpcListener::Start() {
  const int listen_fd = sockets_.fds().front();
  loop_ = std::make_unique<AcceptLoop>(
      sockets_.fds(), name_, [this, listen_fd](int fd) {
        if (table_ != nullptr) table_->Add(fd);
        grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters
            connection;
        connection.listener_fd = listen_fd;
        connection.fd = fd;
        acceptor_->HandleNewConnection(&connection);
      });
  loop_->Start();
}

void GrpcListener::Stop() {
  if (loop_ != nullptr) loop_->Stop();
  sockets_.Close();
}

bool GrpcListener::accepting() const {
  return loop_ == nullptr || loop_->accepting();
}

}  // namespace ndes::listener
