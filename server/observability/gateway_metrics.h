// GatewayMetrics: the gateway's metrics, one process-wide instance
// (Metrics()), exposed by MetricsHttpServer on --metrics_listen. The metric
// names and labels below are a contract: dashboards and alerts use them.
//
//   ndes_gateway_build_info{version}                       gauge, 1
//   ndes_gateway_calls_total{method,code}                  counter
//   ndes_gateway_call_duration_seconds{method}             histogram
//   ndes_gateway_calls_in_flight{method}                   gauge
//   ndes_gateway_auth_refusals_total{reason}               counter
//   ndes_gateway_store_operations_total{backend,operation,code}  counter
//   ndes_gateway_store_operation_duration_seconds{backend,operation}
//                                                          histogram
//   ndes_gateway_sqlite_commit_batch_size                  histogram
//   process_resident_memory_bytes, process_cpu_seconds_total,
//   process_start_time_seconds, process_open_fds          (read from /proc)
//
// Label values: method = the RPC's short name (UpdateNdesConnectors);
// code = the gRPC code name (OK, NOT_FOUND, ...); backend = memory, sqlite,
// graph or postgresql; operation = get, list, create, update or delete;
// reason = unauthenticated or permission_denied. The Graph backend's own
// series (ndes_gateway_graph_*) are registered on this registry by
// graph/graph_stats.h when --store=graph.
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

// Counters of one family, one per status code, behind a fixed set of other
// label values (e.g. method=Get): the counter of a code is looked up once,
// then reached without a lock.
class CodeCounters {
 public:
  // `label_prefix`: the family's label values before its last label, which
  // is the code.
  CodeCounters(CounterFamily* family, std::vector<std::string> label_prefix);
  Counter& For(int code);

 private:
  static constexpr int kCodes = 17;
  CounterFamily* const family_;
  const std::vector<std::string> label_prefix_;
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
  Histogram& duration_;
  Gauge& in_flight_;
  CodeCounters calls_;
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

  // A call of `method` (the RPC's short name) starts: counts it in flight.
  // The five RPCs of ndes.v1.NdesConnectorService are found without a lock.
  CallToken CallStarted(absl::string_view method);
  // The call ended with `code` (grpc::StatusCode or an int): counts it,
  // observes its latency since CallStarted, and ends its in-flight count.
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

  // --- Families (for tests and readers) ------------------------------------

  GaugeFamily& build_info() { return build_info_; }
  CounterFamily& calls_total() { return calls_total_; }
  HistogramFamily& call_duration_seconds() { return call_duration_seconds_; }
  GaugeFamily& calls_in_flight() { return calls_in_flight_; }
  CounterFamily& auth_refusals_total() { return auth_refusals_total_; }
  CounterFamily& store_operations_total() { return store_operations_total_; }
  HistogramFamily& store_operation_duration_seconds() {
    return store_operation_duration_seconds_;
  }
  HistogramFamily& sqlite_commit_batch_size() {
    return sqlite_commit_batch_size_;
  }

 private:
  MetricsRegistry registry_;
  GaugeFamily& build_info_;
  CounterFamily& calls_total_;
  HistogramFamily& call_duration_seconds_;
  GaugeFamily& calls_in_flight_;
  CounterFamily& auth_refusals_total_;
  CounterFamily& store_operations_total_;
  HistogramFamily& store_operation_duration_seconds_;
  HistogramFamily& sqlite_commit_batch_size_;

  // Resolved once, so that the hot paths skip the families' locks.
  Histogram& sqlite_batch_;
  Counter& refused_unauthenticated_;
  Counter& refused_permission_denied_;

  // The service's five RPCs, found by a scan without a lock.
  std::vector<std::unique_ptr<RpcMetrics>> known_rpcs_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<RpcMetrics>, std::less<>> other_rpcs_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<StoreOperationMetrics>, std::less<>>
      store_operations_ ABSL_GUARDED_BY(mu_);
};

// The process-wide instance.
GatewayMetrics& Metrics();

// Adds process_resident_memory_bytes, process_cpu_seconds_total,
// process_start_time_seconds and process_open_fds, read from /proc/self at
// each exposition (left out where /proc cannot be read).
void AddProcessMetrics(MetricsRegistry& registry);

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
