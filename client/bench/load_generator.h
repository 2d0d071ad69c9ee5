// A closed-loop load generator: keeps `concurrency` asynchronous calls in
// flight, each slot starting its next call from the completion of the
// previous one, for a warm-up and then a measured period (or a measured
// number of calls).
//
//   RunResult result = RunLoad(issuer, shape);
//   // result.ok, result.errors, result.latency (ok calls only), result.qps()
//
// A call that fails is an error: it never counts as throughput and its
// latency is not recorded. The caller's CallIssuer decides what success is.
//
// RunLoad blocks until every call it started has completed. Completions may
// run on any thread; each slot is sequential, so it records into its own
// histogram without a lock, and the slots are merged at the end.
#ifndef NDES_CLIENT_BENCH_LOAD_GENERATOR_H_
#define NDES_CLIENT_BENCH_LOAD_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "latency_histogram.h"

namespace ndes::bench {

// Starts calls of one kind.
class CallIssuer {
 public:
  virtual ~CallIssuer() = default;
  // Starts one asynchronous call on channel `channel` (0 <= channel <
  // the shape's channels) and returns at once; `done` is called exactly
  // once, on any thread, with the call's outcome. Must not block.
  virtual void Start(int channel, std::function<void(absl::Status)> done) = 0;
};

struct LoadShape {
  int concurrency = 1;
  int channels = 1;
  absl::Duration warmup = absl::ZeroDuration();
  absl::Duration duration = absl::Seconds(1);
  // When > 0, exactly this many measured calls instead of `duration`.
  int64_t requests = 0;
};

struct RunResult {
  int64_t ok = 0;
  int64_t errors = 0;
  // Errors by status code name ("NOT_FOUND": 3).
  std::map<std::string, int64_t> errors_by_code;
  // The first error seen (by completion time), "" if none.
  std::string first_error;
  // From the start of the measured period to the last completion.
  absl::Duration elapsed = absl::ZeroDuration();
  // Latencies of the successful measured calls, in nanoseconds.
  LatencyHistogram latency;

  // Successful calls per second of the measured period.
  double qps() const;
};

RunResult RunLoad(CallIssuer& issuer, const LoadShape& shape);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_LOAD_GENERATOR_H_
