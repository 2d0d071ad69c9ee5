#include "gateway_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "reflection/descriptor_index.h"
#include "reflection/reflection_service.h"
#include "service/ndes_connector_service.h"

namespace ndes {
namespace {

// "127.0.0.1:0" with port 43123 -> "127.0.0.1:43123"; unix: as given.
std::string DialAddress(const std::string& listen, int port) {
  if (absl::StartsWith(listen, "unix:")) return listen;
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return listen;
  std::string host = listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return absl::StrCat(host, ":", port);
}

}  // namespace

struct GatewayServer::Services {
  explicit Services(store::ConnectorStore& store)
      : connectors(store),
        reflection_v1(reflection::DescriptorIndex::Embedded(),
                      ServedServiceNames()),
        reflection_v1alpha(reflection::DescriptorIndex::Embedded(),
                           ServedServiceNames()) {}

  static std::vector<std::string> ServedServiceNames() {
    return {kServiceName, "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"};
  }

  service::NdesConnectorServiceImpl connectors;
  reflection::ReflectionServiceV1 reflection_v1;
  reflection::ReflectionServiceV1Alpha reflection_v1alpha;
};

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayServerOptions& options, store::ConnectorStore& store) {
  // Must be set before the builder is created; idempotent.
  grpc::EnableDefaultHealthCheckService(true);

  auto services = std::make_unique<Services>(store);
  grpc::ServerBuilder builder;
  int port = 0;
  // gRPC sets SO_REUSEPORT by default, which would let a second gateway bind
  // the same port and silently share its traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&services->connectors);
  builder.RegisterService(&services->reflection_v1);
  builder.RegisterService(&services->reflection_v1alpha);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const bool is_unix = absl::StartsWith(options.listen_address, "unix:");
  if (server == nullptr || (!is_unix && port == 0)) {
    if (server != nullptr) server->Shutdown();
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot listen on \"", options.listen_address,
        "\": the address is in use, not local, or not of the form host:port "
        "or unix:/path"));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kServiceName, true);

  std::string address = DialAddress(options.listen_address, port);
  return std::unique_ptr<GatewayServer>(new GatewayServer(
      std::move(services), std::move(server), port, std::move(address)));
}

GatewayServer::GatewayServer(std::unique_ptr<Services> services,
                             std::unique_ptr<grpc::Server> server, int port,
                             std::string address)
    : services_(std::move(services)),
      server_(std::move(server)),
      port_(port),
      address_(std::move(address)) {}

GatewayServer::~GatewayServer() { Shutdown(absl::ZeroDuration()); }

void GatewayServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  // NOT_SERVING first, so that load balancers and probes stop sending new
  // calls while the ones in flight finish.
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace ndes
