#include "text/status_code_name.h"

#include <array>
#include <string>

#include "absl/status/status.h"

namespace ndes::text {

absl::string_view StatusCodeName(int code) {
  constexpr int kCodes =
      static_cast<int>(absl::StatusCode::kUnauthenticated) + 1;
  // absl's own names, computed once so that a name never allocates.
  static const auto* const kNames = [] {
    auto* names = new std::array<std::string, kCodes>;
    for (int i = 0; i < kCodes; ++i) {
      (*names)[i] = absl::StatusCodeToString(static_cast<absl::StatusCode>(i));
    }
    return names;
  }();
  if (code < 0 || code >= kCodes) return "UNKNOWN";
  return (*kNames)[code];
}

}  // namespace ndes::text
