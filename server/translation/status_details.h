// Rich error details for absl::Status.
//
// INVALID_ARGUMENT errors produced by the translation layer carry a
// google.rpc.BadRequest (one FieldViolation per wrong field) as an absl::Status
// payload under kBadRequestTypeUrl. The gRPC edge (service/grpc_status.h)
// turns every payload into a google.protobuf.Any in google.rpc.Status.details,
// so callers such as grpcurl see the violations.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_
#define NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::translation {

inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

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

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_STATUS_DETAILS_H_
