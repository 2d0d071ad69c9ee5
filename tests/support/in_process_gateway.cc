#include "support/in_process_gateway.h"

#include <utility>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "support/health_probe.h"

namespace ndes::testing {

InProcessGateway::InProcessGateway(std::unique_ptr<store::ConnectorStore> store,
                                   observability::MetricsRegistry* metrics)
    : store_(std::move(store)) {
  GatewayServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.metrics = metrics;
  absl::StatusOr<std::unique_ptr<GatewayServer>> server =
      GatewayServer::Start(options, *store_);
  if (!server.ok()) {
    ADD_FAILURE() << "gateway did not start: " << server.status();
    return;
  }
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(server_->address(),
                                 grpc::InsecureChannelCredentials());
  stub_ = ndes::v1::NdesConnectorService::NewStub(channel_);
  absl::Status serving = WaitForServing(channel_);
  if (!serving.ok()) ADD_FAILURE() << serving;
}

InProcessGateway::~InProcessGateway() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
  server_.reset();
  store_.reset();
}

}  // namespace ndes::testing
