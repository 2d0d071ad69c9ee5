// How ndes-bench prints its figures: a table for people, one JSON line for
// scripts (--json).
//
// Single run, JSON keys: mode, target, concurrency, channels, requests (ok +
// errors), ok, errors, errors_by_code {CODE: n}, first_error, duration_s,
// qps, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms.
// Comparison, JSON: {"rounds": n, "modes": [{mode, qps, p50_ms, p99_ms,
// qps_ratio, p99_ratio, errors}, ...]} with medians over rounds and ratios
// to health (null when health was not among the modes).
// Pure functions.
#ifndef NDES_CLIENT_BENCH_REPORT_H_
#define NDES_CLIENT_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "bench_options.h"
#include "load_generator.h"

namespace ndes::bench {

std::string FormatRunTable(const BenchOptions& options, BenchMode mode,
                           const RunResult& result);
std::string FormatRunJson(const BenchOptions& options, BenchMode mode,
                          const RunResult& result);

// One mode's figures over the rounds of a comparison.
struct ModeSummary {
  BenchMode mode;
  double qps = 0;     // medians over rounds
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;  // sum over rounds
  std::string first_error;
};

// Summarizes one mode's rounds.
ModeSummary Summarize(BenchMode mode, const std::vector<RunResult>& rounds);

std::string FormatCompareTable(const BenchOptions& options,
                               const std::vector<ModeSummary>& modes);
std::string FormatCompareJson(const BenchOptions& options,
                              const std::vector<ModeSummary>& modes);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_REPORT_H_
