// A GatewayServer on 127.0.0.1:0 inside the test process, over a store of
// the test's choice, with a typed stub: the fastest way to call the real
// service over real gRPC.
#ifndef NDES_TESTS_SUPPORT_IN_PROCESS_GATEWAY_H_
#define NDES_TESTS_SUPPORT_IN_PROCESS_GATEWAY_H_

#include <memory>

#include "gateway_server.h"
#include "grpcpp/channel.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "observability/metrics_registry.h"
#include "store/connector_store.h"

namespace ndes::testing {

class InProcessGateway {
 public:
  // Starts serving `store` and waits for health SERVING; fails the current
  // test (ADD_FAILURE) if it cannot. The service records its metrics into
  // `metrics` when given (it must outlive the gateway).
  explicit InProcessGateway(std::unique_ptr<store::ConnectorStore> store,
                            observability::MetricsRegistry* metrics = nullptr);
  ~InProcessGateway();

  ndes::v1::NdesConnectorService::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  GatewayServer& server() { return *server_; }
  store::ConnectorStore& store() { return *store_; }

 private:
  std::unique_ptr<store::ConnectorStore> store_;
  std::unique_ptr<GatewayServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ndes::v1::NdesConnectorService::Stub> stub_;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_IN_PROCESS_GATEWAY_H_
