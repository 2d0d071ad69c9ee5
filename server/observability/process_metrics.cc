#include "observability/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#ifndef NDES_GATEWAY_VERSION
#define NDES_GATEWAY_VERSION "unknown"
#endif

namespace ndes::observability {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The fields of /proc/self/stat after the command name, which may itself
// hold spaces and parentheses: fields[0] is field 3 (state) of proc(5).
std::optional<std::vector<std::string>> StatFields() {
  std::optional<std::string> stat = ReadFile("/proc/self/stat");
  if (!stat.has_value()) return std::nullopt;
  const std::size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> fields =
      absl::StrSplit(stat->substr(close + 1), ' ', absl::SkipEmpty());
  if (fields.size() < 22) return std::nullopt;
  return fields;
}

// Field n of proc(5) (1-based) as a number.
std::optional<double> StatField(const std::vector<std::string>& fields, int n) {
  double value = 0;
  if (!absl::SimpleAtod(fields[n - 3], &value)) return std::nullopt;
  return value;
}

std::optional<double> CpuSeconds() {
  const auto fields = StatFields();
  if (!fields.has_value()) return std::nullopt;
  const auto user = StatField(*fields, 14);
  const auto system = StatField(*fields, 15);
  if (!user || !system) return std::nullopt;
  return (*user + *system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<double> ResidentBytes() {
  const auto fields = StatFields();
  if (!fields.has_value()) return std::nullopt;
  const auto pages = StatField(*fields, 24);
  if (!pages) return std::nullopt;
  return *pages * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> StartTimeSeconds() {
  const auto fields = StatFields();
  const std::optional<std::string> stat = ReadFile("/proc/stat");
  if (!fields.has_value() || !stat.has_value()) return std::nullopt;
  const auto start_ticks = StatField(*fields, 22);
  if (!start_ticks) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    double boot_time = 0;
    if (absl::ConsumePrefix(&line, "btime ") &&
        absl::SimpleAtod(line, &boot_time)) {
      return boot_time +
             *start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  // Less the descriptor that reads the directory.
  return count - 1;
}

}  // namespace

void AddBuildInfo(MetricsRegistry& registry) {
  registry
      .AddGauge("ndes_gateway_build_info",
                "The running gateway's version; always 1.", {"version"})
      .WithLabels({NDES_GATEWAY_VERSION})
      .Set(1);
}

void AddProcessMetrics(MetricsRegistry& registry) {
  registry.AddCallback("process_resident_memory_bytes",
                       "Resident memory size in bytes.", MetricType::kGauge,
                       ResidentBytes);
  registry.AddCallback("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.",
                       MetricType::kCounter, CpuSeconds);
  // Never changes: read once.
  const std::optional<double> start_time = StartTimeSeconds();
  registry.AddCallback("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.",
                       MetricType::kGauge, [start_time] { return start_time; });
  registry.AddCallback("process_open_fds", "Number of open file descriptors.",
                       MetricType::kGauge, OpenFds);
}

}  // namespace ndes::observability
