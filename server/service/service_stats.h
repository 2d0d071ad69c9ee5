// The metrics the gRPC service records, on the registry it is handed:
//
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}  counter
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//                                                                  counter
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//                                                                  histogram
//   ndes_gateway_calls_in_flight{method}                           gauge
//   ndes_gateway_auth_refusals_total{reason}                       counter
//
// The call metrics follow the names and labels gRPC servers conventionally
// expose (go-grpc-prometheus, grpc-ecosystem's middleware), so existing gRPC
// dashboards work unchanged: grpc_service = ndes.v1.NdesConnectorService,
// grpc_method = the RPC's short name, grpc_type = unary, grpc_code = Go's
// code names (OK, NotFound, InvalidArgument, ...). reason =
// unauthenticated or permission_denied.
//
//   ServiceStats stats(registry);
//   CallToken call = stats.CallStarted("UpdateNdesConnectors");
//   ...
//   stats.CallFinished(call, absl::StatusCode::kOk, latency);
//
// Thread-safe. Recording is lock-free and allocation-free for the service's
// five RPCs (their series are resolved at construction).
#ifndef NDES_SERVER_SERVICE_SERVICE_STATS_H_
#define NDES_SERVER_SERVICE_SERVICE_STATS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "observability/metric_series.h"
#include "observability/metrics_registry.h"

namespace ndes::service {

// The grpc_service label value.
inline constexpr absl::string_view kMeteredService =
    "ndes.v1.NdesConnectorService";

// The series of one RPC method.
class RpcStats {
 public:
  RpcStats(observability::CounterFamily& started,
           observability::CounterFamily& handled,
           observability::HistogramFamily& handling,
           observability::GaugeFamily& in_flight, absl::string_view method);
  const std::string& method() const { return method_; }

 private:
  friend class ServiceStats;
  const std::string method_;
  observability::Counter& started_;
  observability::Histogram& handling_;
  observability::Gauge& in_flight_;
  observability::CodeCounters handled_;
};

// What CallStarted hands out and CallFinished takes back. Copyable; finish
// each call exactly once.
class CallToken {
 public:
  CallToken() = default;

 private:
  friend class ServiceStats;
  explicit CallToken(RpcStats* rpc) : rpc_(rpc) {}
  RpcStats* rpc_ = nullptr;
};

enum class AuthRefusal { kUnauthenticated, kPermissionDenied };

class ServiceStats {
 public:
  // Adds the families above to `registry` (or finds them there), which must
  // outlive this object.
  explicit ServiceStats(observability::MetricsRegistry& registry);
  ServiceStats(const ServiceStats&) = delete;
  ServiceStats& operator=(const ServiceStats&) = delete;

  // A call of `method` (the RPC's short name) starts: counts it started and
  // in flight.
  CallToken CallStarted(absl::string_view method);
  // The call ended with `code` after `latency`: counts it handled, observes
  // its latency, and ends its in-flight count.
  void CallFinished(const CallToken& call, absl::StatusCode code,
                    absl::Duration latency);
  // A call was refused by the authorization check.
  void AuthRefused(AuthRefusal reason);

 private:
  RpcStats& Rpc(absl::string_view method);

  observability::CounterFamily& started_;
  observability::CounterFamily& handled_;
  observability::HistogramFamily& handling_;
  observability::GaugeFamily& in_flight_;
  observability::Counter& refused_unauthenticated_;
  observability::Counter& refused_permission_denied_;
  // The service's five RPCs, found by a scan without a lock.
  std::vector<std::unique_ptr<RpcStats>> known_rpcs_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<RpcStats>, std::less<>> other_rpcs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_SERVICE_STATS_H_
