#include "bench_runner.h"

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc_calls.h"
#include "http_calls.h"
#include "load_generator.h"
#include "report.h"

namespace ndes::bench {
namespace {

LoadShape ShapeOf(const BenchOptions& options) {
  LoadShape shape;
  shape.concurrency = options.concurrency;
  shape.channels = options.channels;
  shape.warmup = options.warmup;
  shape.duration = options.duration;
  shape.requests = options.requests;
  return shape;
}

int RunOne(const BenchOptions& options, std::ostream& out, std::ostream& err) {
  std::unique_ptr<GrpcTarget> grpc_target;
  std::unique_ptr<CallIssuer> issuer;
  if (options.mode == BenchMode::kHttpGet) {
    absl::StatusOr<std::unique_ptr<CallIssuer>> http =
        MakeHttpGetIssuer(options);
    if (!http.ok()) {
      err << "ndes-bench: " << http.status().message() << "\n";
      return 2;
    }
    issuer = *std::move(http);
  } else {
    grpc_target = std::make_unique<GrpcTarget>(options);
    if (!options.skip_setup) {
      absl::Status ready = PrepareRows(*grpc_target, options.mode);
      if (!ready.ok()) {
        err << "ndes-bench: " << ready.message() << "\n";
        return 2;
      }
    }
    issuer = MakeGrpcIssuer(*grpc_target, options.mode);
  }
  RunResult result = RunLoad(*issuer, ShapeOf(options));
  out << (options.json ? FormatRunJson(options, options.mode, result)
                       : FormatRunTable(options, options.mode, result));
  if (result.errors > 0) {
    err << "ndes-bench: " << result.errors << " of "
        << result.ok + result.errors
        << " calls failed; first error: " << result.first_error << "\n";
    return 1;
  }
  return 0;
}

int RunCompare(const BenchOptions& options, std::ostream& out,
               std::ostream& err) {
  GrpcTarget target(options);
  std::vector<std::unique_ptr<CallIssuer>> issuers;
  for (BenchMode mode : options.compare) {
    if (!options.skip_setup) {
      absl::Status ready = PrepareRows(target, mode);
      if (!ready.ok()) {
        err << "ndes-bench: " << ready.message() << "\n";
        return 2;
      }
    }
    issuers.push_back(MakeGrpcIssuer(target, mode));
  }
  const size_t modes = options.compare.size();
  // Warm every mode once, then measure in rounds; each round starts with a
  // different mode so that no mode always follows the same one.
  LoadShape shape = ShapeOf(options);
  shape.requests = 0;
  shape.duration = options.round_duration;
  for (size_t m = 0; m < modes; ++m) {
    LoadShape warm = shape;
    warm.duration = options.warmup > absl::ZeroDuration()
                        ? options.warmup
                        : absl::Milliseconds(1);
    warm.warmup = absl::ZeroDuration();
    RunLoad(*issuers[m], warm);
  }
  shape.warmup = absl::ZeroDuration();
  std::vector<std::vector<RunResult>> results(modes);
  for (int round = 0; round < options.rounds; ++round) {
    for (size_t i = 0; i < modes; ++i) {
      const size_t m = (i + static_cast<size_t>(round)) % modes;
      results[m].push_back(RunLoad(*issuers[m], shape));
    }
  }
  std::vector<ModeSummary> summaries;
  int64_t errors = 0;
  for (size_t m = 0; m < modes; ++m) {
    summaries.push_back(Summarize(options.compare[m], results[m]));
    errors += summaries.back().errors;
  }
  out << (options.json ? FormatCompareJson(options, summaries)
                       : FormatCompareTable(options, summaries));
  if (errors > 0) {
    err << "ndes-bench: " << errors << " calls failed\n";
    return 1;
  }
  return 0;
}

}  // namespace

int RunBench(const BenchOptions& options, std::ostream& out,
             std::ostream& err) {
  return options.compare.empty() ? RunOne(options, out, err)
                                 : RunCompare(options, out, err);
}

}  // namespace ndes::bench
