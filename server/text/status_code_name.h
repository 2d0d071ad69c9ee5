// The name of a status code as logs, metrics and messages write it: "OK",
// "NOT_FOUND", "INVALID_ARGUMENT", ... (absl's and gRPC's codes are the same
// numbers and the same names).
//
// Thread-safe: pure function.
#ifndef NDES_SERVER_TEXT_STATUS_CODE_NAME_H_
#define NDES_SERVER_TEXT_STATUS_CODE_NAME_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::text {

// "UNKNOWN" for a number outside 0..16. Never allocates.
absl::string_view StatusCodeName(int code);
inline absl::string_view StatusCodeName(absl::StatusCode code) {
  return StatusCodeName(static_cast<int>(code));
}

}  // namespace ndes::text

#endif  // NDES_SERVER_TEXT_STATUS_CODE_NAME_H_
