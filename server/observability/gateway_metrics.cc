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

constexpr std::array<absl::string_view, 5> kServiceMethods = {
    "GetNdesConnector", "ListNdesConnectors", "CreateNdesConnector",
    "UpdateNdesConnectors", "DeleteNdesConnector"};

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
                           std::vector<std::string> label_prefix)
    : family_(family), label_prefix_(std::move(label_prefix)) {
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
    values.emplace_back(CodeName(code));
    counter = &family_->WithLabels(values);
    counters_[code].store(counter, std::memory_order_release);
  }
  return *counter;
}

// --- Per-method and per-operation series ------------------------------------

RpcMetrics::RpcMetrics(GatewayMetrics& metrics, absl::string_view method)
    : method_(method),
      duration_(metrics.call_duration_seconds().WithLabels({method})),
      in_flight_(metrics.calls_in_flight().WithLabels({method})),
      calls_(&metrics.calls_total(), {std::string(method)}) {
  // Exposed at zero from the start, so that a rate of successful calls is
  // defined before the first one.
  calls_.For(static_cast<int>(absl::StatusCode::kOk));
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
      calls_total_(registry_.AddCounter(
          "ndes_gateway_calls_total",
          "gRPC calls answered, by RPC and status code.", {"method", "code"})),
      call_duration_seconds_(registry_.AddHistogram(
          "ndes_gateway_call_duration_seconds",
          "Time from a call's arrival to its answer, by RPC.",
          LatencyBuckets(), {"method"})),
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
      sqlite_batch_(sqlite_commit_batch_size_.Get()),
      refused_unauthenticated_(
          auth_refusals_total_.WithLabels({"unauthenticated"})),
      refused_permission_denied_(
          auth_refusals_total_.WithLabels({"permission_denied"})) {
  build_info_.WithLabels({GatewayVersion()}).Set(1);
  for (absl::string_view method : kServiceMethods) {
    known_rpcs_.push_back(std::make_unique<RpcMetrics>(*this, method));
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
  rpc.calls_.For(code).Increment();
  rpc.duration_.Observe(latency);
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

GatewayMetrics& Metrics() {
  // Never destroyed: threads of stores and servers may still record while
  // the process exits.
  static GatewayMetrics* const metrics = new GatewayMetrics();
  return *metrics;
}

}  // namespace ndes::observability
