#include "observability/gateway_metrics.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#ifndef NDES_GATEWAY_VERSION
#define NDES_GATEWAY_VERSION "unknown"
#endif

namespace ndes::observability {
namespace {

// 50 µs (a memory-store call) to 10 s (a throttled Graph call at its
// deadline), about three buckets per decade.
std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
          0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
          0.5,     1,      2.5,     5,      10};
}

// The grpc_type of every RPC of the service.
constexpr absl::string_view kUnary = "unary";

constexpr std::array<absl::string_view, 5> kServiceMethods = {
    "GetNdesConnector", "ListNdesConnectors", "CreateNdesConnector",
    "UpdateNdesConnectors", "DeleteNdesConnector"};

constexpr std::array<absl::string_view, 4> kGraphMethodNames = {
    "GET", "POST", "PATCH", "DELETE"};

int GraphMethodIndex(absl::string_view method) {
  for (std::size_t i = 0; i < kGraphMethodNames.size(); ++i) {
    if (method == kGraphMethodNames[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

absl::string_view GatewayVersion() { return NDES_GATEWAY_VERSION; }

absl::string_view CodeName(int code) {
  static constexpr std::array<absl::string_view, 17> kNames = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code < 0 || code >= static_cast<int>(kNames.size())) return "UNKNOWN";
  return kNames[code];
}

absl::string_view GrpcCodeLabel(int code) {
  static constexpr std::array<absl::string_view, 17> kLabels = {
      "OK",
      "Canceled",
      "Unknown",
      "InvalidArgument",
      "DeadlineExceeded",
      "NotFound",
      "AlreadyExists",
      "PermissionDenied",
      "ResourceExhausted",
      "FailedPrecondition",
      "Aborted",
      "OutOfRange",
      "Unimplemented",
      "Internal",
      "Unavailable",
      "DataLoss",
      "Unauthenticated"};
  if (code < 0 || code >= static_cast<int>(kLabels.size())) return "Unknown";
  return kLabels[code];
}

absl::string_view StoreOperationName(StoreOperation operation) {
  switch (operation) {
    case StoreOperation::kGet:
      return "get";
    case StoreOperation::kList:
      return "list";
    case StoreOperation::kCreate:
      return "create";
    case StoreOperation::kUpdate:
      return "update";
    case StoreOperation::kDelete:
      return "delete";
  }
  return "unknown";
}

// --- CodeCounters -----------------------------------------------------------

CodeCounters::CodeCounters(CounterFamily* family,
                           std::vector<std::string> label_prefix,
                           absl::string_view (*code_label)(int))
    : family_(family),
      label_prefix_(std::move(label_prefix)),
      code_label_(code_label) {
  for (std::atomic<Counter*>& counter : counters_) {
    counter.store(nullptr, std::memory_order_relaxed);
  }
}

Counter& CodeCounters::For(int code) {
  if (code < 0 || code >= kCodes) code = static_cast<int>(absl::StatusCode::kUnknown);
  Counter* counter = counters_[code].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // First use of this code: the family hands every racer the same series.
    std::vector<std::string> values = label_prefix_;
    values.emplace_back(code_label_(code));
    counter = &family_->WithLabels(values);
    counters_[code].store(counter, std::memory_order_release);
  }
  return *counter;
}

// --- Per-method and per-operation series ------------------------------------

RpcMetrics::RpcMetrics(GatewayMetrics& metrics, absl::string_view method)
    : method_(method),
      started_(metrics.server_started_total().WithLabels(
          {kMeteredService, method, kUnary})),
      handling_(metrics.server_handling_seconds().WithLabels(
          {kMeteredService, method, kUnary})),
      in_flight_(metrics.calls_in_flight().WithLabels({method})),
      handled_(&metrics.server_handled_total(),
               {std::string(kMeteredService), std::string(method),
                std::string(kUnary)},
               GrpcCodeLabel) {
  // Exposed at zero from the start, so that a rate of successful calls is
  // defined before the first one.
  handled_.For(static_cast<int>(absl::StatusCode::kOk));
}

StoreOperationMetrics::StoreOperationMetrics(GatewayMetrics& metrics,
                                             absl::string_view backend,
                                             StoreOperation operation)
    : duration_(metrics.store_operation_duration_seconds().WithLabels(
          {backend, StoreOperationName(operation)})),
      operations_(&metrics.store_operations_total(),
                  {std::string(backend),
                   std::string(StoreOperationName(operation))}) {}

void StoreOperationMetrics::Record(absl::StatusCode code,
                                   absl::Duration latency) {
  operations_.For(static_cast<int>(code)).Increment();
  duration_.Observe(latency);
}

// --- GatewayMetrics ---------------------------------------------------------

GatewayMetrics::GatewayMetrics()
    : build_info_(registry_.AddGauge(
          "ndes_gateway_build_info",
          "The running gateway's version; always 1.", {"version"})),
      server_started_total_(registry_.AddCounter(
          "grpc_server_started_total", "RPCs started on the server.",
          {"grpc_service", "grpc_method", "grpc_type"})),
      server_handled_total_(registry_.AddCounter(
          "grpc_server_handled_total",
          "RPCs completed on the server, regardless of success or failure.",
          {"grpc_service", "grpc_method", "grpc_type", "grpc_code"})),
      server_handling_seconds_(registry_.AddHistogram(
          "grpc_server_handling_seconds",
          "Time from an RPC's arrival to its answer on the server.",
          LatencyBuckets(), {"grpc_service", "grpc_method", "grpc_type"})),
      calls_in_flight_(registry_.AddGauge(
          "ndes_gateway_calls_in_flight",
          "gRPC calls started and not yet answered, by RPC.", {"method"})),
      auth_refusals_total_(registry_.AddCounter(
          "ndes_gateway_auth_refusals_total",
          "Calls refused by the gateway's authorization check, by reason.",
          {"reason"})),
      store_operations_total_(registry_.AddCounter(
          "ndes_gateway_store_operations_total",
          "Store operations answered, by backend, operation and status "
          "code.",
          {"backend", "operation", "code"})),
      store_operation_duration_seconds_(registry_.AddHistogram(
          "ndes_gateway_store_operation_duration_seconds",
          "Time a store takes to answer an operation, by backend and "
          "operation.",
          LatencyBuckets(), {"backend", "operation"})),
      sqlite_commit_batch_size_(registry_.AddHistogram(
          "ndes_gateway_sqlite_commit_batch_size",
          "Writes answered by one durable SQLite commit (group commit).",
          ExponentialBuckets(1, 2, 9))),
      graph_requests_total_(registry_.AddCounter(
          "ndes_gateway_graph_requests_total",
          "Requests sent to Microsoft Graph, by HTTP method and response "
          "status (error: no response).",
          {"method", "status"})),
      graph_retries_total_(registry_.AddCounter(
          "ndes_gateway_graph_retries_total",
          "Graph requests sent again after a 429, 503 or 504 answer.")),
      graph_throttled_total_(registry_.AddCounter(
          "ndes_gateway_graph_throttled_total",
          "Graph answers 429 or 503 with Retry-After.")),
      graph_throttle_wait_seconds_total_(registry_.AddCounter(
          "ndes_gateway_graph_throttle_wait_seconds_total",
          "Time waited before retrying throttled Graph requests.")),
      graph_token_requests_total_(registry_.AddCounter(
          "ndes_gateway_graph_token_requests_total",
          "Token requests to the identity platform, by result.",
          {"result"})),
      sqlite_batch_(sqlite_commit_batch_size_.Get()),
      graph_retries_(graph_retries_total_.Get()),
      graph_throttled_(graph_throttled_total_.Get()),
      graph_throttle_wait_(graph_throttle_wait_seconds_total_.Get()),
      token_success_(graph_token_requests_total_.WithLabels({"success"})),
      token_failure_(graph_token_requests_total_.WithLabels({"failure"})),
      refused_unauthenticated_(
          auth_refusals_total_.WithLabels({"unauthenticated"})),
      refused_permission_denied_(
          auth_refusals_total_.WithLabels({"permission_denied"})),
      graph_requests_(
          new std::atomic<Counter*>[kGraphMethods * kMaxStatus]) {
  build_info_.WithLabels({GatewayVersion()}).Set(1);
  for (absl::string_view method : kServiceMethods) {
    known_rpcs_.push_back(std::make_unique<RpcMetrics>(*this, method));
  }
  for (int i = 0; i < kGraphMethods * kMaxStatus; ++i) {
    graph_requests_[i].store(nullptr, std::memory_order_relaxed);
  }
  AddProcessMetrics(registry_);
}

RpcMetrics& GatewayMetrics::Rpc(absl::string_view method) {
  for (const std::unique_ptr<RpcMetrics>& rpc : known_rpcs_) {
    if (rpc->method() == method) return *rpc;
  }
  absl::MutexLock lock(&mu_);
  auto it = other_rpcs_.find(method);
  if (it == other_rpcs_.end()) {
    it = other_rpcs_
             .emplace(std::string(method),
                      std::make_unique<RpcMetrics>(*this, method))
             .first;
  }
  return *it->second;
}

CallToken GatewayMetrics::CallStarted(absl::string_view method) {
  RpcMetrics& rpc = Rpc(method);
  rpc.started_.Increment();
  rpc.in_flight_.Increment();
  return CallToken(&rpc, std::chrono::steady_clock::now());
}

void GatewayMetrics::CallFinished(const CallToken& call, int code) {
  CallFinished(call, code, call.Elapsed());
}

void GatewayMetrics::CallFinished(const CallToken& call, int code,
                                  absl::Duration latency) {
  if (call.rpc_ == nullptr) return;  // a default-constructed token
  RpcMetrics& rpc = *call.rpc_;
  rpc.handled_.For(code).Increment();
  rpc.handling_.Observe(latency);
  rpc.in_flight_.Decrement();
}

void GatewayMetrics::AuthRefused(AuthRefusal reason) {
  (reason == AuthRefusal::kUnauthenticated ? refused_unauthenticated_
                                           : refused_permission_denied_)
      .Increment();
}

StoreOperationMetrics& GatewayMetrics::StoreOperationSeries(
    absl::string_view backend, StoreOperation operation) {
  const std::string key =
      absl::StrCat(backend, "/", StoreOperationName(operation));
  absl::MutexLock lock(&mu_);
  std::unique_ptr<StoreOperationMetrics>& series = store_operations_[key];
  if (series == nullptr) {
    series = std::make_unique<StoreOperationMetrics>(*this, backend, operation);
  }
  return *series;
}

void GatewayMetrics::SqliteCommitted(std::size_t writes) {
  sqlite_batch_.Observe(static_cast<double>(writes));
}

Counter& GatewayMetrics::GraphRequestCounter(absl::string_view method,
                                             int status) {
  const int method_index = GraphMethodIndex(method);
  const bool cached = method_index >= 0 &&
                      (status == 0 || (status >= 100 && status < kMaxStatus));
  const std::string status_text =
      status == 0 ? std::string("error") : absl::StrCat(status);
  if (!cached) {
    return graph_requests_total_.WithLabels({method, status_text});
  }
  std::atomic<Counter*>& slot =
      graph_requests_[method_index * kMaxStatus + status];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &graph_requests_total_.WithLabels({method, status_text});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void GatewayMetrics::GraphAnswered(absl::string_view method, int http_status) {
  // 0 is this class's "error"; no HTTP response has status 0.
  if (http_status == 0) http_status = -1;
  GraphRequestCounter(method, http_status).Increment();
}

void GatewayMetrics::GraphFailed(absl::string_view method) {
  GraphRequestCounter(method, 0).Increment();
}

void GatewayMetrics::GraphRetried() { graph_retries_.Increment(); }

void GatewayMetrics::GraphThrottled() { graph_throttled_.Increment(); }

void GatewayMetrics::GraphThrottleWait(absl::Duration wait) {
  graph_throttle_wait_.Add(absl::ToDoubleSeconds(wait));
}

void GatewayMetrics::GraphTokenRequested(bool success) {
  (success ? token_success_ : token_failure_).Increment();
}

GatewayMetrics& Metrics() {
  // Never destroyed: threads of stores and servers may still record while
  // the process exits.
  static GatewayMetrics* const metrics = new GatewayMetrics();
  return *metrics;
}

}  // namespace ndes::observability
