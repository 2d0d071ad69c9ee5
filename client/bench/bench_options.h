// The command line of ndes-bench, parsed into BenchOptions.
//
//   absl::StatusOr<BenchOptions> options =
//       ParseBenchOptions({"--target=127.0.0.1:50051", "--mode=get"});
//
// Flags are "--name=value" (a boolean may be given as "--name"); see
// kBenchUsage for the list. Anything else, an unknown mode, a non-positive
// count or a malformed duration is INVALID_ARGUMENT naming the flag.
// Pure functions, thread-safe.
#ifndef NDES_CLIENT_BENCH_BENCH_OPTIONS_H_
#define NDES_CLIENT_BENCH_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::bench {

// What one call of the load is.
enum class BenchMode {
  kHealth,        // grpc.health.v1.Health/Check: the floor every mode is
                  // compared with
  kGet,           // GetNdesConnector of one hot row
  kUpdate,        // UpdateNdesConnectors of one hot row, mask display_name
  kUpdateSpread,  // the same over `spread_rows` rows, round robin
  kList,          // ListNdesConnectors, first page of `page_size`
  kHttpGet,       // HTTP GET of the hot row straight from a Graph (fake)
};

absl::string_view BenchModeName(BenchMode mode);
absl::StatusOr<BenchMode> ParseBenchMode(absl::string_view name);

struct BenchOptions {
  // host:port or unix:path; for http_get, the Graph base URL
  // (http://127.0.0.1:PORT/beta).
  std::string target;
  BenchMode mode = BenchMode::kHealth;
  int concurrency = 16;  // calls in flight, over all channels
  int channels = 1;      // distinct channels, one connection each
  absl::Duration duration = absl::Seconds(10);
  // When > 0, exactly this many calls are measured instead of a duration.
  int64_t requests = 0;
  // Calls during the warm-up are made but not counted.
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration call_deadline = absl::Seconds(10);
  bool json = false;
  // --compare: these modes interleaved, `rounds` rounds of `round_duration`
  // each; empty for a single run of `mode`.
  std::vector<BenchMode> compare;
  int rounds = 5;
  absl::Duration round_duration = absl::Seconds(2);
  // Setup: the hot row's id, how many rows update_spread and list use, and
  // whether to create them at all.
  std::string id = "bench-hot";
  int spread_rows = 1000;
  int list_rows = 100;
  int page_size = 100;
  bool skip_setup = false;
  // Sent with every call, e.g. {"authorization", "Bearer x"} for a gateway
  // over Graph in passthrough mode.
  std::vector<std::pair<std::string, std::string>> metadata;
  bool help = false;
};

extern const char kBenchUsage[];

absl::StatusOr<BenchOptions> ParseBenchOptions(
    const std::vector<std::string>& args);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_BENCH_OPTIONS_H_
