#include "service/service_stats.h"

#include <array>
#include <memory>
#include <string>

namespace ndes::service {
namespace {

// The grpc_type of every RPC of the service.
constexpr absl::string_view kUnary = "unary";

constexpr std::array<absl::string_view, 5> kServiceMethods = {
    "GetNdesConnector", "ListNdesConnectors", "CreateNdesConnector",
    "UpdateNdesConnectors", "DeleteNdesConnector"};

}  // namespace

RpcStats::RpcStats(observability::CounterFamily& started,
                   observability::CounterFamily& handled,
                   observability::HistogramFamily& handling,
                   observability::GaugeFamily& in_flight,
                   absl::string_view method)
    : method_(method),
      started_(started.WithLabels({kMeteredService, method, kUnary})),
      handling_(handling.WithLabels({kMeteredService, method, kUnary})),
      in_flight_(in_flight.WithLabels({method})),
      handled_(&handled,
               {std::string(kMeteredService), std::string(method),
                std::string(kUnary)},
               observability::GrpcCodeLabel) {
  // Exposed at zero from the start, so that a rate of successful calls is
  // defined before the first one.
  handled_.For(static_cast<int>(absl::StatusCode::kOk));
}

ServiceStats::ServiceStats(observability::MetricsRegistry& registry)
    : started_(registry.AddCounter(
          "grpc_server_started_total", "RPCs started on the server.",
          {"grpc_service", "grpc_method", "grpc_type"})),
      handled_(registry.AddCounter(
          "grpc_server_handled_total",
          "RPCs completed on the server, regardless of success or failure.",
          {"grpc_service", "grpc_method", "grpc_type", "grpc_code"})),
      handling_(registry.AddHistogram(
          "grpc_server_handling_seconds",
          "Time from an RPC's arrival to its answer on the server.",
          observability::LatencyBuckets(),
          {"grpc_service", "grpc_method", "grpc_type"})),
      in_flight_(registry.AddGauge(
          "ndes_gateway_calls_in_flight",
          "gRPC calls started and not yet answered, by RPC.", {"method"})),
      refused_unauthenticated_(
          registry
              .AddCounter("ndes_gateway_auth_refusals_total",
                          "Calls refused by the gateway's authorization "
                          "check, by reason.",
                          {"reason"})
              .WithLabels({"unauthenticated"})),
      refused_permission_denied_(
          registry
              .AddCounter("ndes_gateway_auth_refusals_total",
                          "Calls refused by the gateway's authorization "
                          "check, by reason.",
                          {"reason"})
              .WithLabels({"permission_denied"})) {
  for (absl::string_view method : kServiceMethods) {
    known_rpcs_.push_back(std::make_unique<RpcStats>(
        started_, handled_, handling_, in_flight_, method));
  }
}

RpcStats& ServiceStats::Rpc(absl::string_view method) {
  for (const std::unique_ptr<RpcStats>& rpc : known_rpcs_) {
    if (rpc->method() == method) return *rpc;
  }
  absl::MutexLock lock(&mu_);
  auto it = other_rpcs_.find(method);
  if (it == other_rpcs_.end()) {
    it = other_rpcs_
             .emplace(std::string(method),
                      std::make_unique<RpcStats>(started_, handled_, handling_,
                                                 in_flight_, method))
             .first;
  }
  return *it->second;
}

CallToken ServiceStats::CallStarted(absl::string_view method) {
  RpcStats& rpc = Rpc(method);
  rpc.started_.Increment();
  rpc.in_flight_.Increment();
  return CallToken(&rpc);
}

void ServiceStats::CallFinished(const CallToken& call, absl::StatusCode code,
                                absl::Duration latency) {
  if (call.rpc_ == nullptr) return;  // a default-constructed token
  RpcStats& rpc = *call.rpc_;
  rpc.handled_.For(static_cast<int>(code)).Increment();
  rpc.handling_.Observe(latency);
  rpc.in_flight_.Decrement();
}

void ServiceStats::AuthRefused(AuthRefusal reason) {
  (reason == AuthRefusal::kUnauthenticated ? refused_unauthenticated_
                                           : refused_permission_denied_)
      .Increment();
}

}  // namespace ndes::service
