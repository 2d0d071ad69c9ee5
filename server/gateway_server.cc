#include "gateway_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_builder.h"
#include "health/health_service.h"
#include "listen_address.h"
#include "logging/log.h"
#include "reflection/descriptor_index.h"
#include "reflection/reflection_service.h"
#include "service/grpc_status.h"
#include "service/ndes_connector_service.h"

namespace ndes {
namespace {

std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const TlsOptions& tls) {
  const unsigned int reload_seconds = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(tls.reload_interval)));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key_file, tls.cert_file, tls.client_ca_file, reload_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX));
}

void ApplyCommonArguments(grpc::ServerBuilder& builder) {
  // gRPC sets SO_REUSEPORT by default, which would let a second gateway bind
  // the same port and silently share its traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

absl::Status ListenError(const std::string& address) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot listen on \"", address,
      "\": the address is in use, not local, or not of the form host:port "
      "or unix:/path"));
}

}  // namespace

struct GatewayServer::Services {
  Services(store::ConnectorStore& store, const GatewayServerOptions& options)
      : stats(options.metrics != nullptr ? *options.metrics : own_metrics),
        connectors(store, stats, options.authorizer),
        reflection_v1(reflection::DescriptorIndex::Embedded(),
                      ServedServiceNames(), Admission(options.authorizer)),
        reflection_v1alpha(reflection::DescriptorIndex::Embedded(),
                           ServedServiceNames(),
                           Admission(options.authorizer)) {}

  static std::vector<std::string> ServedServiceNames() {
    return {kServiceName, "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"};
  }

  // With inbound auth, reflection needs a valid credential.
  static reflection::AdmissionCheck Admission(
      const service::Authorizer* authorizer) {
    if (authorizer == nullptr) return nullptr;
    return [authorizer](const grpc::CallbackServerContext& context) {
      const auto& metadata = context.client_metadata();
      auto it = metadata.find("authorization");
      const absl::string_view authorization =
          it == metadata.end()
              ? absl::string_view()
              : absl::string_view(it->second.data(), it->second.size());
      absl::StatusOr<service::Caller> caller =
          authorizer->Authorize(authorization, service::Access::kAuthenticated);
      return service::ToGrpcStatus(caller.status());
    };
  }

  // Where the service's metrics go when the options name no registry.
  observability::MetricsRegistry own_metrics;
  service::ServiceStats stats;
  service::NdesConnectorServiceImpl connectors;
  health::ProbeHealthService probe_health{{kServiceName}, kLivenessService};
  reflection::ReflectionServiceV1 reflection_v1;
  reflection::ReflectionServiceV1Alpha reflection_v1alpha;
};

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayServerOptions& options, store::ConnectorStore& store) {
  const std::string& listen = options.listen_address;
  const bool is_unix = IsUnixAddress(listen);
  if (!options.tls.enabled() && !is_unix && !options.allow_plaintext &&
      !IsLoopbackHost(HostOf(listen))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve plaintext on \"", listen,
        "\", which is not a loopback address: give --tls_cert_file and "
        "--tls_key_file, listen on 127.0.0.1 or a unix: socket, or set "
        "--allow_plaintext when something else (a service mesh) encrypts "
        "the traffic"));
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (options.tls.enabled()) {
    if (absl::Status files = tls::CheckTlsFiles(options.tls); !files.ok()) {
      return files;
    }
    credentials = TlsCredentials(options.tls);
  }
  std::string socket_path;
  if (is_unix) {
    socket_path = UnixSocketPath(listen);
    if (absl::Status prepared = PrepareSocketPath(socket_path);
        !prepared.ok()) {
      return prepared;
    }
  }

  // Must be set before the builders are created; idempotent.
  grpc::EnableDefaultHealthCheckService(true);

  std::unique_ptr<GatewayServer> gateway(new GatewayServer());
  gateway->store_ = &store;
  gateway->services_ = std::make_unique<Services>(store, options);

  grpc::ServerBuilder builder;
  ApplyCommonArguments(builder);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Milliseconds(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Milliseconds(options.keepalive_timeout));
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Milliseconds(options.keepalive_min_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // Clients may keep idle connections alive, within the interval above.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  int port = 0;
  builder.AddListeningPort(listen, credentials, &port);
  builder.RegisterService(&gateway->services_->connectors);
  if (options.reflection) {
    builder.RegisterService(&gateway->services_->reflection_v1);
    builder.RegisterService(&gateway->services_->reflection_v1alpha);
  }
  // The socket file gets mode 0660: the gateway's user and group (in
  // Kubernetes, the Pod's fsGroup) may connect, nobody else.
  const mode_t previous_umask = is_unix ? umask(0117) : 0;
  gateway->server_ = builder.BuildAndStart();
  if (is_unix) umask(previous_umask);
  if (gateway->server_ == nullptr || (!is_unix && port == 0)) {
    if (gateway->server_ != nullptr) gateway->server_->Shutdown();
    gateway->server_.reset();
    return ListenError(listen);
  }
  gateway->port_ = port;
  gateway->address_ = DialAddress(listen, port);
  gateway->socket_path_ = socket_path;

  if (!options.health_listen_address.empty()) {
    grpc::ServerBuilder health_builder;
    ApplyCommonArguments(health_builder);
    // Not gRPC's built-in health service: see health/health_service.h.
    health_builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    health_builder.RegisterService(&gateway->services_->probe_health);
    int health_port = 0;
    health_builder.AddListeningPort(options.health_listen_address,
                                    grpc::InsecureServerCredentials(),
                                    &health_port);
    gateway->health_server_ = health_builder.BuildAndStart();
    if (gateway->health_server_ == nullptr ||
        (!IsUnixAddress(options.health_listen_address) && health_port == 0)) {
      if (gateway->health_server_ != nullptr) {
        gateway->health_server_->Shutdown();
      }
      gateway->health_server_.reset();
      gateway->Shutdown(absl::ZeroDuration());
      return ListenError(options.health_listen_address);
    }
    gateway->health_address_ =
        DialAddress(options.health_listen_address, health_port);
  }

  gateway->server_->GetHealthCheckService()->SetServingStatus(kLivenessService,
                                                              true);
  gateway->SetServing(store.Available());
  gateway->poller_ = std::thread(
      [gateway = gateway.get(), interval = options.availability_poll_interval] {
        gateway->PollAvailability(interval);
      });
  return gateway;
}

GatewayServer::~GatewayServer() { Shutdown(absl::ZeroDuration()); }

void GatewayServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  // By name: SetServingStatus(bool) would also change "liveness".
  health->SetServingStatus("", serving);
  health->SetServingStatus(kServiceName, serving);
  services_->probe_health.SetServing(serving);
}

void GatewayServer::PollAvailability(absl::Duration interval) {
  bool serving = store_->Available();
  while (!stop_polling_.WaitForNotificationWithTimeout(interval)) {
    const bool available = store_->Available();
    if (available == serving) continue;
    serving = available;
    SetServing(serving);
    logging::LogEvent(
        serving ? logging::LogSeverity::kInfo : logging::LogSeverity::kError,
        serving ? "the store is available again; health SERVING"
                : "the store is unavailable; health NOT_SERVING until it "
                  "is back");
  }
}

void GatewayServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (poller_.joinable()) {
    stop_polling_.Notify();
    poller_.join();
  }
  if (server_ == nullptr) return;
  // NOT_SERVING first, on both listeners, so that probes and load balancers
  // stop sending new calls while the ones in flight finish.
  server_->GetHealthCheckService()->Shutdown();
  services_->probe_health.Shutdown();
  // gRPC cancels what is still running when the grace ends, but a call
  // waiting on its store (a slow upstream) would still hold the shutdown:
  // such calls are finished with UNAVAILABLE then.
  absl::Notification drained;
  std::thread abandoner([this, &drained, grace] {
    if (drained.WaitForNotificationWithTimeout(grace)) return;
    const int abandoned = services_->connectors.AbandonCallsInFlight();
    if (abandoned > 0) {
      logging::LogEvent(
          logging::LogSeverity::kWarning,
          absl::StrCat("drain time over: ", abandoned,
                       " call(s) still waiting for the store were ended "
                       "with UNAVAILABLE"));
    }
  });
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  drained.Notify();
  abandoner.join();
  // The probe listener goes last: until the API has drained, probes see
  // NOT_SERVING rather than a refused connection.
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server_->Wait();
  }
  if (!socket_path_.empty()) {
    struct stat info;
    if (lstat(socket_path_.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
      unlink(socket_path_.c_str());
    }
  }
}

}  // namespace ndes
