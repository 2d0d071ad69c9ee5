#include "bench_options.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ndes::bench {
namespace {

constexpr std::pair<BenchMode, absl::string_view> kModeNames[] = {
    {BenchMode::kHealth, "health"},
    {BenchMode::kGet, "get"},
    {BenchMode::kUpdate, "update"},
    {BenchMode::kUpdateSpread, "update_spread"},
    {BenchMode::kList, "list"},
    {BenchMode::kHttpGet, "http_get"},
};

absl::Status FlagError(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

absl::Status ParsePositive(absl::string_view flag, absl::string_view value,
                           int64_t max, int64_t* out) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed <= 0 || parsed > max) {
    return FlagError(flag, absl::StrCat("expected a whole number from 1 to ",
                                        max, ", got \"", value, "\""));
  }
  *out = parsed;
  return absl::OkStatus();
}

absl::Status ParsePositiveInt(absl::string_view flag, absl::string_view value,
                              int* out) {
  int64_t parsed = 0;
  absl::Status status = ParsePositive(flag, value, 1 << 20, &parsed);
  if (status.ok()) *out = static_cast<int>(parsed);
  return status;
}

// "2s", "500ms", "1m"; a bare number is seconds. `allow_zero` for --warmup.
absl::Status ParseDurationFlag(absl::string_view flag, absl::string_view value,
                               bool allow_zero, absl::Duration* out) {
  absl::Duration parsed;
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds)) {
    parsed = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(value, &parsed)) {
    return FlagError(flag, absl::StrCat("expected a duration such as 2s or "
                                        "500ms, got \"",
                                        value, "\""));
  }
  if (parsed < absl::ZeroDuration() ||
      (!allow_zero && parsed == absl::ZeroDuration()) ||
      parsed == absl::InfiniteDuration()) {
    return FlagError(flag, absl::StrCat("out of range: \"", value, "\""));
  }
  *out = parsed;
  return absl::OkStatus();
}

absl::Status ParseBool(absl::string_view flag, absl::string_view value,
                       bool* out) {
  if (value == "true" || value == "1") {
    *out = true;
  } else if (value == "false" || value == "0") {
    *out = false;
  } else {
    return FlagError(flag, absl::StrCat("expected true or false, got \"",
                                        value, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

const char kBenchUsage[] =
    "ndes-bench: load generator for ndes-gateway (gRPC callback API).\n"
    "\n"
    "Usage: ndes-bench --target=HOST:PORT|unix:PATH [flags]\n"
    "  --mode=health|get|update|update_spread|list|http_get  (default "
    "health)\n"
    "      http_get: --target=http://HOST:PORT/beta, a Graph (fake) called\n"
    "      directly over HTTP, for comparison with --store=graph\n"
    "  --concurrency=N     calls in flight (default 16)\n"
    "  --channels=N        distinct channels, each its own connection "
    "(default 1)\n"
    "  --duration=D        measured time (default 10s), or\n"
    "  --requests=N        exactly N measured calls\n"
    "  --warmup=D          calls not counted before measuring (default 1s)\n"
    "  --deadline=D        per call (default 10s)\n"
    "  --compare=M,M,...   modes interleaved in rounds, medians and ratios "
    "to health\n"
    "  --rounds=N          rounds of --compare (default 5)\n"
    "  --round_duration=D  per mode and round (default 2s)\n"
    "  --id=ID             the hot row (default bench-hot)\n"
    "  --spread_rows=N     rows of update_spread (default 1000)\n"
    "  --list_rows=N       rows created for list (default 100)\n"
    "  --page_size=N       list page size (default 100)\n"
    "  --skip_setup        create nothing before measuring\n"
    "  --metadata=KEY=VALUE  sent with every call (repeatable)\n"
    "  --json              one JSON line instead of a table\n"
    "Exit code: 0 if every call succeeded, 1 if any failed, 2 on a usage or "
    "setup error.\n";

absl::string_view BenchModeName(BenchMode mode) {
  for (const auto& [m, name] : kModeNames) {
    if (m == mode) return name;
  }
  return "unknown";
}

absl::StatusOr<BenchMode> ParseBenchMode(absl::string_view name) {
  for (const auto& [mode, mode_name] : kModeNames) {
    if (mode_name == name) return mode;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode \"", name,
                   "\"; expected health, get, update, update_spread, list "
                   "or http_get"));
}

absl::StatusOr<BenchOptions> ParseBenchOptions(
    const std::vector<std::string>& args) {
  BenchOptions options;
  bool has_duration = false;
  for (const std::string& arg : args) {
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::pair<std::string, std::string> split =
        absl::StrSplit(absl::string_view(arg).substr(2), absl::MaxSplits('=', 1));
    const std::string& name = split.first;
    const bool has_value = arg.find('=') != std::string::npos;
    const std::string value = has_value ? split.second : "true";
    absl::Status status;
    if (name == "target") {
      options.target = value;
    } else if (name == "mode") {
      absl::StatusOr<BenchMode> mode = ParseBenchMode(value);
      if (!mode.ok()) return FlagError(name, mode.status().message());
      options.mode = *mode;
    } else if (name == "concurrency") {
      status = ParsePositiveInt(name, value, &options.concurrency);
    } else if (name == "channels") {
      status = ParsePositiveInt(name, value, &options.channels);
    } else if (name == "duration") {
      has_duration = true;
      status = ParseDurationFlag(name, value, false, &options.duration);
    } else if (name == "requests") {
      status = ParsePositive(name, value, int64_t{1} << 40, &options.requests);
    } else if (name == "warmup") {
      status = ParseDurationFlag(name, value, true, &options.warmup);
    } else if (name == "deadline") {
      status = ParseDurationFlag(name, value, false, &options.call_deadline);
    } else if (name == "json") {
      status = ParseBool(name, value, &options.json);
    } else if (name == "skip_setup") {
      status = ParseBool(name, value, &options.skip_setup);
    } else if (name == "help") {
      options.help = true;
    } else if (name == "compare") {
      for (absl::string_view part :
           absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        absl::StatusOr<BenchMode> mode =
            ParseBenchMode(absl::StripAsciiWhitespace(part));
        if (!mode.ok()) return FlagError(name, mode.status().message());
        options.compare.push_back(*mode);
      }
      if (options.compare.empty()) status = FlagError(name, "no mode given");
    } else if (name == "rounds") {
      status = ParsePositiveInt(name, value, &options.rounds);
    } else if (name == "round_duration") {
      status = ParseDurationFlag(name, value, false, &options.round_duration);
    } else if (name == "id") {
      if (value.empty()) status = FlagError(name, "must not be empty");
      options.id = value;
    } else if (name == "spread_rows") {
      status = ParsePositiveInt(name, value, &options.spread_rows);
    } else if (name == "list_rows") {
      status = ParsePositiveInt(name, value, &options.list_rows);
    } else if (name == "page_size") {
      status = ParsePositiveInt(name, value, &options.page_size);
    } else if (name == "metadata") {
      std::pair<std::string, std::string> entry =
          absl::StrSplit(value, absl::MaxSplits('=', 1));
      if (entry.first.empty() || value.find('=') == std::string::npos) {
        status = FlagError(name, "expected KEY=VALUE");
      }
      // gRPC metadata keys are lower case.
      entry.first = absl::AsciiStrToLower(entry.first);
      options.metadata.push_back(std::move(entry));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; see ndes-bench --help"));
    }
    if (!status.ok()) return status;
  }
  if (options.help) return options;
  if (options.target.empty()) {
    return FlagError("target", "required (host:port, unix:path or, for "
                               "http_get, http://host:port/beta)");
  }
  if (options.requests > 0 && has_duration) {
    return FlagError("requests", "give either --requests or --duration");
  }
  if (options.channels > options.concurrency) {
    return FlagError("channels", "more channels than calls in flight");
  }
  const bool http_target = absl::StartsWith(options.target, "http://") ||
                           absl::StartsWith(options.target, "https://");
  bool wants_http = options.mode == BenchMode::kHttpGet;
  for (BenchMode mode : options.compare) {
    if (mode == BenchMode::kHttpGet) {
      return FlagError("compare", "http_get cannot be compared with gRPC "
                                  "modes of the same target");
    }
  }
  if (!options.compare.empty()) wants_http = false;
  if (wants_http != http_target) {
    return FlagError("target", wants_http
                                   ? "http_get needs an http:// URL"
                                   : "gRPC modes need host:port or unix:path");
  }
  return options;
}

}  // namespace ndes::bench
