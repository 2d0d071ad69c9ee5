#include "support/process_status.h"

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ndes::testing {

std::int64_t ProcessStatusBytes(pid_t pid, absl::string_view name) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  const std::string prefix = absl::StrCat(name, ":");
  std::string text;
  while (std::getline(status, text)) {
    absl::string_view line = text;
    std::int64_t kilobytes = 0;
    if (absl::ConsumePrefix(&line, prefix) &&
        absl::SimpleAtoi(
            absl::StripSuffix(absl::StripAsciiWhitespace(line), " kB"),
            &kilobytes)) {
      return kilobytes * 1024;
    }
  }
  return -1;
}

bool ResetPeakResident(pid_t pid) {
  // "5" resets the peak resident set size (proc(5), clear_refs).
  std::ofstream clear_refs(absl::StrCat("/proc/", pid, "/clear_refs"));
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

}  // namespace ndes::testing
