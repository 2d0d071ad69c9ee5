// Rich error details of the gateway's errors.
//
// NdesConnectorClient returns the gateway's google.rpc.Status details as
// payloads of the absl::Status, one per detail, keyed by the detail's type
// URL. INVALID_ARGUMENT errors carry a google.rpc.BadRequest that names each
// wrong field; BadRequestOf decodes it:
//
//   auto connector = client.UpdateNdesConnectors(update);
//   if (auto bad_request = ndes::client::BadRequestOf(connector.status())) {
//     for (const auto& violation : bad_request->field_violations) {
//       std::cerr << violation.field << ": " << violation.description;
//     }
//   }
//
// The library decodes the details itself and links no generated google.rpc
// code, so a program may link googleapis' own (google-cloud-cpp, for one)
// beside it; such a program can also parse a payload with its
// google::rpc::BadRequest::ParseFromString.
//
// Thread-safe: pure functions.
#ifndef NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_
#define NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::client {

// The payload key of a google.rpc.BadRequest detail.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// One wrong field of a request (google.rpc.BadRequest.FieldViolation).
struct FieldViolation {
  // Its path in the request: "update_mask.paths[0]", "ndes_connector.state".
  std::string field;
  // Why it is wrong.
  std::string description;
};

// A google.rpc.BadRequest: every wrong field of one request.
struct BadRequest {
  std::vector<FieldViolation> field_violations;
};

// The google.rpc.BadRequest that `status` carries, or nullopt when it has
// none (or the payload does not parse).
std::optional<BadRequest> BadRequestOf(const absl::Status& status);

}  // namespace ndes::client

#endif  // NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_
