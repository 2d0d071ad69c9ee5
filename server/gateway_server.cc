#include "gateway_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

absl::Status ListenError(const std::string& address,
                         const absl::Status& reason) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot listen on \"", address,
      "\": the address is in use, not local, or not of the form host:port "
      "or unix:/path (",
      reason.message(), ")"));
}

// Shutdown: how often the drain looks at the calls in flight, how long no
// call may have arrived before it ends, and the longest it waits for that
// once the last call has ended.
constexpr absl::Duration kDrainPollInterval = absl::Milliseconds(5);
constexpr absl::Duration kDrainQuietPeriod = absl::Milliseconds(100);
constexpr absl::Duration kDrainMaxQuietWait = absl::Milliseconds(700);
// Once the grace is over, the longest the answers already given may take
// to be sent before the connections close.
constexpr absl::Duration kAnswersSentMaxWait = absl::Seconds(1);

// What a connection may make the gateway hold (listener/flood_guard.h).
listener::FloodLimits FloodLimitsFor(const GatewayServerOptions& options) {
  listener::FloodLimits limits;
  // A client that keeps within max_concurrent_streams has at most that many
  // calls in flight, plus the ones it cancelled whose work still runs.
  limits.max_calls_per_connection = 4 * options.max_concurrent_streams;
  // A request's headers and its message arrive before its call starts, and
  // one over max_message_bytes is refused before any call starts: room for
  // two of them and their headers.
  limits.max_bytes_without_call =
      2 * static_cast<std::uint64_t>(options.max_message_bytes) + (1 << 20);
  limits.memory_soft_limit_bytes = options.memory_soft_limit_bytes;
  return limits;
}

// Installs `guard`'s call counter in `builder`.
void InstallFloodGuard(listener::FloodGuard& guard,
                       grpc::ServerBuilder& builder) {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      creators;
  creators.push_back(guard.NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));
}

}  // namespace

struct GatewayServer::Services {
  Services(store::ConnectorStore& store, const GatewayServerOptions& options)
      : stats(options.metrics != nullptr ? *options.metrics : own_metrics),
        connectors(store, stats, options.authorizer,
                   static_cast<std::size_t>(options.max_message_bytes)),
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
  gateway->flood_guard_ = std::make_unique<listener::FloodGuard>(
      gateway->connections_, FloodLimitsFor(options));

  grpc::ServerBuilder builder;
  InstallFloodGuard(*gateway->flood_guard_, builder);
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
  absl::StatusOr<std::unique_ptr<listener::GrpcListener>> api_listener =
      listener::GrpcListener::Open(listen, credentials, builder,
                                   &gateway->connections_);
  if (!api_listener.ok()) return ListenError(listen, api_listener.status());
  gateway->listener_ = *std::move(api_listener);
  builder.RegisterService(&gateway->services_->connectors);
  if (options.reflection) {
    builder.RegisterService(&gateway->services_->reflection_v1);
    builder.RegisterService(&gateway->services_->reflection_v1alpha);
  }
  gateway->server_ = builder.BuildAndStart();
  if (gateway->server_ == nullptr) {
    return ListenError(listen, absl::InternalError("gRPC did not start"));
  }
  gateway->listener_->Start();
  gateway->port_ = gateway->listener_->port();
  gateway->address_ = DialAddress(listen, gateway->port_);
  gateway->socket_path_ = socket_path;

  if (!options.health_listen_address.empty()) {
    grpc::ServerBuilder health_builder;
    InstallFloodGuard(*gateway->flood_guard_, health_builder);
    // Not gRPC's built-in health service: see health/health_service.h.
    health_builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    health_builder.RegisterService(&gateway->services_->probe_health);
    absl::StatusOr<std::unique_ptr<listener::GrpcListener>> health_listener =
        listener::GrpcListener::Open(options.health_listen_address,
                                     grpc::InsecureServerCredentials(),
                                     health_builder, &gateway->connections_);
    if (health_listener.ok()) {
      gateway->health_listener_ = *std::move(health_listener);
      gateway->health_server_ = health_builder.BuildAndStart();
    }
    if (gateway->health_server_ == nullptr) {
      gateway->Shutdown(absl::ZeroDuration());
      return ListenError(options.health_listen_address,
                         health_listener.ok()
                             ? absl::InternalError("gRPC did not start")
                             : health_listener.status());
    }
    gateway->health_listener_->Start();
    gateway->health_address_ = DialAddress(options.health_listen_address,
                                           gateway->health_listener_->port());
  }

  gateway->server_->GetHealthCheckService()->SetServingStatus(kLivenessService,
                                                              true);
  gateway->SetServing(gateway->Ready());
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

bool GatewayServer::Ready() const {
  return store_->Available() && listener_->accepting();
}

void GatewayServer::PollAvailability(absl::Duration interval) {
  bool store_available = store_->Available();
  bool accepting = listener_->accepting();
  while (!stop_polling_.WaitForNotificationWithTimeout(interval)) {
    const bool now_available = store_->Available();
    const bool now_accepting = listener_->accepting();
    if (now_available == store_available && now_accepting == accepting) {
      continue;
    }
    const bool was_serving = store_available && accepting;
    store_available = now_available;
    accepting = now_accepting;
    const bool serving = store_available && accepting;
    if (serving != was_serving) SetServing(serving);
    std::string state =
        serving ? "health SERVING"
                : absl::StrCat("health NOT_SERVING until ",
                               store_available ? "the API listener accepts "
                                                 "connections again"
                                               : "it is back");
    logging::LogEvent(
        serving ? logging::LogSeverity::kInfo : logging::LogSeverity::kError,
        absl::StrCat(store_available ? "the store is available"
                                     : "the store is unavailable",
                     accepting ? ""
                               : " and the API listener cannot accept "
                                 "connections",
                     "; ", state));
  }
}

void GatewayServer::DrainCalls(absl::Duration grace) {
  service::NdesConnectorServiceImpl& connectors = services_->connectors;
  connectors.StartDraining();
  const absl::Time started = absl::Now();
  const absl::Time deadline = started + grace;
  // Set once no call admitted before the drain is left: from then on every
  // call is refused on arrival.
  absl::Time idle_since = absl::InfiniteFuture();
  while (true) {
    const absl::Time now = absl::Now();
    if (idle_since == absl::InfiniteFuture() &&
        connectors.CallsInFlight() == 0) {
      idle_since = now;
    }
    // Calls a client sent before it heard of the shutdown may still be on
    // their way: wait until they stop arriving (they are refused and
    // logged), but not long.
    // The drain's start counts as an arrival: health watchers get the
    // NOT_SERVING that went out as it started before their connections
    // close, even when no call had arrived at all.
    const absl::Time last_arrival =
        std::max(connectors.LastArrival(), started);
    if (idle_since != absl::InfiniteFuture() &&
        (now - last_arrival >= kDrainQuietPeriod ||
         now - idle_since >= kDrainMaxQuietWait)) {
      break;
    }
    if (now >= deadline) {
      // A call waiting on its store (a slow upstream) would hold the
      // shutdown: it is finished with UNAVAILABLE.
      const int abandoned = connectors.AbandonCallsInFlight();
      if (abandoned > 0) {
        logging::LogEvent(
            logging::LogSeverity::kWarning,
            absl::StrCat("drain time over: ", abandoned,
                         " call(s) still waiting for the store were ended "
                         "with UNAVAILABLE"));
      }
      break;
    }
    absl::SleepFor(kDrainPollInterval);
  }
  // An answer given (refusals included) is logged at once, but sent a
  // moment later: closing its connection in between would cut it off. No
  // answer starts from here on, so that every answer given is sent before
  // the connections close, and none is being given while they do.
  connectors.StopAnswering();
  if (!connectors.AwaitAnswersSent(
          std::max(deadline, absl::Now() + kAnswersSentMaxWait))) {
    logging::LogEvent(
        logging::LogSeverity::kWarning,
        absl::StrCat(connectors.AnswersUnsent(),
                     " answer(s) not sent yet when the connections closed "
                     "(clients that do not read them)"));
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
  if (server_ == nullptr) {
    if (listener_ != nullptr) listener_->Stop();
    if (health_listener_ != nullptr) health_listener_->Stop();
    return;
  }
  // NOT_SERVING first, on both listeners, so that probes and load balancers
  // stop sending new calls while the ones in flight finish.
  server_->GetHealthCheckService()->Shutdown();
  services_->probe_health.Shutdown();
  // New connections are refused from now on (and none reaches a server
  // that is shutting down).
  listener_->Stop();
  DrainCalls(grace);
  // Nothing of the API is in flight any more and every answer it gave has
  // been sent: gRPC cancels what is left (health watches, reflection
  // streams) and closes every connection at once. (Given a later deadline,
  // it would wait for each connection's GOAWAY handshake, up to 20 s for a
  // client that does not answer.)
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  server_->Wait();
  if (const int held = services_->connectors.CallsHeld(); held > 0) {
    logging::LogEvent(
        logging::LogSeverity::kInfo,
        absl::StrCat(held,
                     " call(s) arrived as the connections closed and were "
                     "not answered; their clients get an error from their "
                     "own gRPC library (not applied, safe to retry)"));
  }
  // The probe listener goes last: until the API has drained, probes see
  // NOT_SERVING rather than a refused connection.
  if (health_server_ != nullptr) {
    health_listener_->Stop();
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
