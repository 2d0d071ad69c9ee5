#include "report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace ndes::bench {
namespace {

double Ms(int64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1e6; }

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                : (values[mid - 1] + values[mid]) / 2;
}

const ModeSummary* FindHealth(const std::vector<ModeSummary>& modes) {
  for (const ModeSummary& mode : modes) {
    if (mode.mode == BenchMode::kHealth) return &mode;
  }
  return nullptr;
}

double Ratio(double value, double base) { return base > 0 ? value / base : 0; }

}  // namespace

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string FormatRunTable(const BenchOptions& options, BenchMode mode,
                           const RunResult& result) {
  const LatencyHistogram& h = result.latency;
  std::string out = absl::StrFormat(
      "mode %s, target %s, concurrency %d, channels %d, %.2f s measured\n",
      BenchModeName(mode), options.target, options.concurrency,
      options.channels, absl::ToDoubleSeconds(result.elapsed));
  absl::StrAppendFormat(&out, "%12s %9s %9s %9s %9s %9s %9s\n", "QPS",
                        "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "ok",
                        "errors");
  absl::StrAppendFormat(&out, "%12.0f %9.3f %9.3f %9.3f %9.3f %9d %9d\n",
                        result.qps(), Ms(h.ValueAtPercentile(50)),
                        Ms(h.ValueAtPercentile(90)), Ms(h.ValueAtPercentile(99)),
                        Ms(h.ValueAtPercentile(99.9)), result.ok,
                        result.errors);
  if (result.errors > 0) {
    std::vector<std::string> codes;
    for (const auto& [code, count] : result.errors_by_code) {
      codes.push_back(absl::StrCat(code, " ", count));
    }
    absl::StrAppend(&out, "errors: ", absl::StrJoin(codes, ", "),
                    "; first: ", result.first_error, "\n");
  }
  return out;
}

std::string FormatRunJson(const BenchOptions& options, BenchMode mode,
                          const RunResult& result) {
  const LatencyHistogram& h = result.latency;
  std::vector<std::string> codes;
  for (const auto& [code, count] : result.errors_by_code) {
    codes.push_back(absl::StrCat(JsonQuote(code), ":", count));
  }
  return absl::StrFormat(
      "{\"mode\":%s,\"target\":%s,\"concurrency\":%d,\"channels\":%d,"
      "\"requests\":%d,\"ok\":%d,\"errors\":%d,\"errors_by_code\":{%s},"
      "\"first_error\":%s,\"duration_s\":%.6f,\"qps\":%.1f,\"p50_ms\":%.4f,"
      "\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f,"
      "\"mean_ms\":%.4f}\n",
      JsonQuote(BenchModeName(mode)), JsonQuote(options.target),
      options.concurrency, options.channels, result.ok + result.errors,
      result.ok, result.errors, absl::StrJoin(codes, ","),
      JsonQuote(result.first_error), absl::ToDoubleSeconds(result.elapsed),
      result.qps(), Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(90)),
      Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)), Ms(h.max()),
      h.mean() / 1e6);
}

ModeSummary Summarize(BenchMode mode, const std::vector<RunResult>& rounds) {
  ModeSummary summary;
  summary.mode = mode;
  std::vector<double> qps, p50, p99;
  for (const RunResult& round : rounds) {
    qps.push_back(round.qps());
    p50.push_back(Ms(round.latency.ValueAtPercentile(50)));
    p99.push_back(Ms(round.latency.ValueAtPercentile(99)));
    summary.errors += round.errors;
    if (summary.first_error.empty()) summary.first_error = round.first_error;
  }
  summary.qps = Median(qps);
  summary.p50_ms = Median(p50);
  summary.p99_ms = Median(p99);
  return summary;
}

std::string FormatCompareTable(const BenchOptions& options,
                               const std::vector<ModeSummary>& modes) {
  const ModeSummary* health = FindHealth(modes);
  std::string out = absl::StrFormat(
      "target %s, concurrency %d, channels %d, %d rounds x %.1f s per mode; "
      "medians over rounds\n",
      options.target, options.concurrency, options.channels, options.rounds,
      absl::ToDoubleSeconds(options.round_duration));
  absl::StrAppendFormat(&out, "%-14s %10s %9s %9s %10s %10s %8s\n", "mode",
                        "QPS", "p50 ms", "p99 ms", "QPS/health",
                        "p99/health", "errors");
  for (const ModeSummary& mode : modes) {
    std::string qps_ratio = "-", p99_ratio = "-";
    if (health != nullptr) {
      qps_ratio = absl::StrFormat("%.2f", Ratio(mode.qps, health->qps));
      p99_ratio = absl::StrFormat("%.2f", Ratio(mode.p99_ms, health->p99_ms));
    }
    absl::StrAppendFormat(&out, "%-14s %10.0f %9.3f %9.3f %10s %10s %8d\n",
                          BenchModeName(mode.mode), mode.qps, mode.p50_ms,
                          mode.p99_ms, qps_ratio, p99_ratio, mode.errors);
  }
  for (const ModeSummary& mode : modes) {
    if (mode.errors > 0) {
      absl::StrAppend(&out, BenchModeName(mode.mode),
                      " first error: ", mode.first_error, "\n");
    }
  }
  return out;
}

std::string FormatCompareJson(const BenchOptions& options,
                              const std::vector<ModeSummary>& modes) {
  const ModeSummary* health = FindHealth(modes);
  std::vector<std::string> entries;
  for (const ModeSummary& mode : modes) {
    std::string qps_ratio = "null", p99_ratio = "null";
    if (health != nullptr) {
      qps_ratio = absl::StrFormat("%.4f", Ratio(mode.qps, health->qps));
      p99_ratio = absl::StrFormat("%.4f", Ratio(mode.p99_ms, health->p99_ms));
    }
    entries.push_back(absl::StrFormat(
        "{\"mode\":%s,\"qps\":%.1f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
        "\"qps_ratio\":%s,\"p99_ratio\":%s,\"errors\":%d,\"first_error\":%s}",
        JsonQuote(BenchModeName(mode.mode)), mode.qps, mode.p50_ms,
        mode.p99_ms, qps_ratio, p99_ratio, mode.errors,
        JsonQuote(mode.first_error)));
  }
  return absl::StrFormat(
      "{\"target\":%s,\"concurrency\":%d,\"channels\":%d,\"rounds\":%d,"
      "\"round_duration_s\":%.3f,\"modes\":[%s]}\n",
      JsonQuote(options.target), options.concurrency, options.channels,
      options.rounds, absl::ToDoubleSeconds(options.round_duration),
      absl::StrJoin(entries, ","));
}

}  // namespace ndes::bench
