// Rich error details for absl::Status.
//
// INVALID_ARGUMENT errors produced by the translation layer carry a
// google.rpc.BadRequest (one FieldViolation per wrong field) as an absl::Status
// payload under kBadRequestTypeUrl; RESOURCE_EXHAUSTED errors that know when
// the caller may come back carry a google.rpc.RetryInfo under
// kRetryInfoTypeUrl. The gRPC edge (service/grpc_status.h) turns every
// payload into a google.protobuf.Any in google.rpc.Status.details, so callers
// such as grpcurl see them.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_
#define NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::translation {

inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// One wrong field of a request: `field` is its path in the request
// ("update_mask.paths[1]", "ndes_connector.state"), `description` says why.
struct FieldViolation {
  std::string field;
  std::string description;
};

// An INVALID_ARGUMENT status with `message` and a google.rpc.BadRequest
// payload holding `violations`.
absl::Status InvalidArgumentWithViolations(
    absl::string_view message, std::vector<FieldViolation> violations);

// The field violations carried by `status` (empty when it has none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// A RESOURCE_EXHAUSTED status with `message` and a google.rpc.RetryInfo
// payload saying to retry after `retry_delay` (negative is taken as zero;
// rounded up to whole milliseconds).
absl::Status ResourceExhaustedWithRetryInfo(absl::string_view message,
                                            absl::Duration retry_delay);

// The retry delay carried by `status`, if it has a RetryInfo payload.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_
