// Helpers that components share when they build their series on a
// MetricsRegistry: the latency buckets, status code label values, and
// counters with a code as their last label.
//
// Thread-safe.
#ifndef NDES_SERVER_OBSERVABILITY_METRIC_SERIES_H_
#define NDES_SERVER_OBSERVABILITY_METRIC_SERIES_H_

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "observability/metrics_registry.h"
#include "text/status_code_name.h"

namespace ndes::observability {

// Latency buckets from 50 µs (a memory-store call) to 10 s (a throttled
// Graph call at its deadline), about three per decade.
std::vector<double> LatencyBuckets();

// The grpc_code label value of `code` as go-grpc-prometheus writes it (Go's
// codes.Code names: "OK", "Canceled", "InvalidArgument", "NotFound", ...);
// "Unknown" for a number outside 0..16.
absl::string_view GrpcCodeLabel(int code);

// Counters of one family, one per status code, behind a fixed set of other
// label values (e.g. method=Get): the counter of a code is looked up once,
// then reached without a lock.
class CodeCounters {
 public:
  // `label_prefix`: the family's label values before its last label, which
  // is the code, written by `code_label` (by default text::StatusCodeName:
  // "OK", "NOT_FOUND", ...).
  CodeCounters(CounterFamily* family, std::vector<std::string> label_prefix,
               absl::string_view (*code_label)(int) = text::StatusCodeName);
  Counter& For(int code);

 private:
  static constexpr int kCodes = 17;
  CounterFamily* const family_;
  const std::vector<std::string> label_prefix_;
  absl::string_view (*const code_label_)(int);
  std::array<std::atomic<Counter*>, kCodes> counters_{};
};

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_METRIC_SERIES_H_
