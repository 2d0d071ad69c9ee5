// GatewayMetrics: the gateway's metrics, one process-wide instance
// (Metrics()), exposed by MetricsHttpServer on --metrics_listen. The metric
// names and labels below are a contract: dashboards and alerts use them.
// The call metrics are named and labelled as gRPC servers conventionally
// expose them (go-grpc-prometheus, grpc-ecosystem's middleware), so that
// existing gRPC dashboards work unchanged:
//
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}  counter
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//                                                          counter
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//                                                          histogram
//   ndes_gateway_build_info{version}                       gauge, 1
//   ndes_gateway_calls_in_flight{method}                   gauge
//   ndes_gateway_auth_refusals_total{reason}               counter
//   ndes_gateway_store_operations_total{backend,operation,code}  counter
//   ndes_gateway_store_operation_duration_seconds{backend,operation}
//                                                          histogram
//   ndes_gateway_sqlite_commit_batch_size                  histogram
//   ndes_gateway_graph_requests_total{method,status}       counter
//   ndes_gateway_graph_retries_total                       counter
//   ndes_gateway_graph_throttled_total                     counter
//   ndes_gateway_graph_throttle_wait_seconds_total         counter
//   ndes_gateway_graph_token_requests_total{result}        counter
//   process_resident_memory_bytes, process_cpu_seconds_total,
//   process_start_time_seconds, process_open_fds          (read from /proc)
//
// Label values: grpc_service = ndes.v1.NdesConnectorService; grpc_method
// and method = the RPC's short name (UpdateNdesConnectors); grpc_type =
// unary; grpc_code = the code as those libraries name it (OK, NotFound,
// InvalidArgument, ...: GrpcCodeLabel); code = the gRPC code name (OK,
// NOT_FOUND, ...: CodeName); backend = memory, sqlite,
// graph or postgresql; operation = get, list, create, update or delete;
// Graph's method = the HTTP method, status = the HTTP status as text, or
// "error" when no response arrived; result = success or failure; reason =
// unauthenticated or permission_denied.
//
// The service does one cheap call at the start of an RPC and one at its
// end:
//
//   CallToken call = Metrics().CallStarted("UpdateNdesConnectors");
//   ...
//   Metrics().CallFinished(call, status.error_code());  // grpc::StatusCode
//
// Every recording method is lock-free and allocation-free once the series
// it touches exists (the first use of a new label combination takes a
// lock). Thread-safe.
#ifndef NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
#define NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "observability/metrics_registry.h"

namespace ndes::observability {

class GatewayMetrics;

// The version in ndes_gateway_build_info (the CMake project version).
absl::string_view GatewayVersion();

// The gRPC code name of `code` ("OK", "NOT_FOUND", ...); UNKNOWN for a
// number outside 0..16. gRPC's and absl's codes are the same numbers.
absl::string_view CodeName(int code);

// The grpc_code label value of `code` as go-grpc-prometheus writes it (Go's
// codes.Code names: "OK", "Canceled", "InvalidArgument", "NotFound", ...);
// "Unknown" for a number outside 0..16.
absl::string_view GrpcCodeLabel(int code);

// The service whose calls the call metrics count.
inline constexpr absl::string_view kMeteredService =
    "ndes.v1.NdesConnectorService";

// Counters of one family, one per status code, behind a fixed set of other
// label values (e.g. method=Get): the counter of a code is looked up once,
// then reached without a lock.
class CodeCounters {
 public:
  // `label_prefix`: the family's label values before its last label, which
  // is the code, written as `code_label` names it.
  CodeCounters(CounterFamily* family, std::vector<std::string> label_prefix,
               absl::string_view (*code_label)(int) = CodeName);
  Counter& For(int code);

 private:
  static constexpr int kCodes = 17;
  CounterFamily* const family_;
  const std::vector<std::string> label_prefix_;
  absl::string_view (*const code_label_)(int);
  std::array<std::atomic<Counter*>, kCodes> counters_{};
};

// The series of one RPC method. Obtained from GatewayMetrics; lives as long
// as it.
class RpcMetrics {
 public:
  RpcMetrics(GatewayMetrics& metrics, absl::string_view method);
  const std::string& method() const { return method_; }

 private:
  friend class GatewayMetrics;
  const std::string method_;
  Counter& started_;
  Histogram& handling_;
  Gauge& in_flight_;
  CodeCounters handled_;
};

// What CallStarted hands out and CallFinished takes back: the method's
// series and the start time. Copyable; finish each call exactly once.
class CallToken {
 public:
  CallToken() = default;
  // The time since CallStarted.
  absl::Duration Elapsed() const {
    return absl::FromChrono(std::chrono::steady_clock::now() - start_);
  }

 private:
  friend class GatewayMetrics;
  CallToken(RpcMetrics* rpc, std::chrono::steady_clock::time_point start)
      : rpc_(rpc), start_(start) {}
  RpcMetrics* rpc_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

enum class StoreOperation { kGet, kList, kCreate, kUpdate, kDelete };
// "get", "list", ...
absl::string_view StoreOperationName(StoreOperation operation);

// The series of one store operation of one backend.
class StoreOperationMetrics {
 public:
  StoreOperationMetrics(GatewayMetrics& metrics, absl::string_view backend,
                        StoreOperation operation);
  // One finished operation: its status code and how long it took.
  void Record(absl::StatusCode code, absl::Duration latency);

 private:
  Histogram& duration_;
  CodeCounters operations_;
};

enum class AuthRefusal { kUnauthenticated, kPermissionDenied };

class GatewayMetrics {
 public:
  // Registers every family on its own registry, with the process metrics.
  GatewayMetrics();
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  MetricsRegistry& registry() { return registry_; }

  // --- The gRPC service ----------------------------------------------------

  // A call of `method` (the short name of an RPC of kMeteredService)
  // starts: counts it started and in flight. The five RPCs of
  // ndes.v1.NdesConnectorService are found without a lock.
  CallToken CallStarted(absl::string_view method);
  // The call ended with `code` (grpc::StatusCode or an int): counts it
  // handled, observes its latency since CallStarted, and ends its in-flight
  // count.
  void CallFinished(const CallToken& call, int code);
  void CallFinished(const CallToken& call, absl::StatusCode code) {
    CallFinished(call, static_cast<int>(code));
  }
  // The same with a latency the caller measured itself.
  void CallFinished(const CallToken& call, int code, absl::Duration latency);

  // A call was refused by the authorization check.
  void AuthRefused(AuthRefusal reason);

  // The series of `method`, for callers that keep it.
  RpcMetrics& Rpc(absl::string_view method);

  // --- Stores --------------------------------------------------------------

  // The series of `operation` on `backend` (memory, sqlite, graph,
  // postgresql). Takes a lock: callers keep the reference.
  StoreOperationMetrics& StoreOperationSeries(absl::string_view backend,
                                              StoreOperation operation);
  // One durable SQLite commit of `writes` queued writes.
  void SqliteCommitted(std::size_t writes);

  // --- The Graph upstream --------------------------------------------------

  // Graph answered a request of HTTP `method` with `http_status`.
  void GraphAnswered(absl::string_view method, int http_status);
  // A Graph request of `method` ended without a response (status "error").
  void GraphFailed(absl::string_view method);
  // A request is sent again after a retryable answer (429, 503, 504).
  void GraphRetried();
  // Graph answered 429 or 503 with Retry-After.
  void GraphThrottled();
  // The gateway waits `wait` before retrying a throttled request.
  void GraphThrottleWait(absl::Duration wait);
  // A token request to the identity platform ended.
  void GraphTokenRequested(bool success);

  // --- Families (for tests and readers) ------------------------------------

  GaugeFamily& build_info() { return build_info_; }
  CounterFamily& server_started_total() { return server_started_total_; }
  CounterFamily& server_handled_total() { return server_handled_total_; }
  HistogramFamily& server_handling_seconds() {
    return server_handling_seconds_;
  }
  GaugeFamily& calls_in_flight() { return calls_in_flight_; }
  CounterFamily& auth_refusals_total() { return auth_refusals_total_; }
  CounterFamily& store_operations_total() { return store_operations_total_; }
  HistogramFamily& store_operation_duration_seconds() {
    return store_operation_duration_seconds_;
  }
  HistogramFamily& sqlite_commit_batch_size() {
    return sqlite_commit_batch_size_;
  }
  CounterFamily& graph_requests_total() { return graph_requests_total_; }
  CounterFamily& graph_retries_total() { return graph_retries_total_; }
  CounterFamily& graph_throttled_total() { return graph_throttled_total_; }
  CounterFamily& graph_throttle_wait_seconds_total() {
    return graph_throttle_wait_seconds_total_;
  }
  CounterFamily& graph_token_requests_total() {
    return graph_token_requests_total_;
  }

 private:
  // The Graph request counter of (method, status); status 0 is "error".
  Counter& GraphRequestCounter(absl::string_view method, int status);

  MetricsRegistry registry_;
  GaugeFamily& build_info_;
  CounterFamily& server_started_total_;
  CounterFamily& server_handled_total_;
  HistogramFamily& server_handling_seconds_;
  GaugeFamily& calls_in_flight_;
  CounterFamily& auth_refusals_total_;
  CounterFamily& store_operations_total_;
  HistogramFamily& store_operation_duration_seconds_;
  HistogramFamily& sqlite_commit_batch_size_;
  CounterFamily& graph_requests_total_;
  CounterFamily& graph_retries_total_;
  CounterFamily& graph_throttled_total_;
  CounterFamily& graph_throttle_wait_seconds_total_;
  CounterFamily& graph_token_requests_total_;

  // Resolved once, so that the hot paths skip the families' locks.
  Histogram& sqlite_batch_;
  Counter& graph_retries_;
  Counter& graph_throttled_;
  Counter& graph_throttle_wait_;
  Counter& token_success_;
  Counter& token_failure_;
  Counter& refused_unauthenticated_;
  Counter& refused_permission_denied_;

  // The service's five RPCs, found by a scan without a lock.
  std::vector<std::unique_ptr<RpcMetrics>> known_rpcs_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<RpcMetrics>, std::less<>> other_rpcs_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<StoreOperationMetrics>, std::less<>>
      store_operations_ ABSL_GUARDED_BY(mu_);

  // Graph request counters of GET, POST, PATCH, DELETE by status 100..599,
  // and [method][0] for "error"; other methods and statuses take the
  // family's lock.
  static constexpr int kGraphMethods = 4;
  static constexpr int kMaxStatus = 600;
  std::unique_ptr<std::atomic<Counter*>[]> graph_requests_;
};

// The process-wide instance.
GatewayMetrics& Metrics();

// Adds process_resident_memory_bytes, process_cpu_seconds_total,
// process_start_time_seconds and process_open_fds, read from /proc/self at
// each exposition (left out where /proc cannot be read).
void AddProcessMetrics(MetricsRegistry& registry);

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
