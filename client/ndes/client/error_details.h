// Rich error details of the gateway's errors.
//
// NdesConnectorClient returns the gateway's google.rpc.Status details as
// payloads of the absl::Status, one per detail, keyed by the detail's type
// URL. INVALID_ARGUMENT errors carry a google.rpc.BadRequest that names each
// wrong field; RESOURCE_EXHAUSTED errors of a gateway that paces its
// requests to Graph carry a google.rpc.RetryInfo saying when to come back:
//
//   auto connector = client.UpdateNdesConnectors(update);
//   if (auto bad_request = ndes::client::BadRequestOf(connector.status())) {
//     for (const auto& violation : bad_request->field_violations()) {
//       std::cerr << violation.field() << ": " << violation.description();
//     }
//   }
//   if (auto retry = ndes::client::RetryInfoOf(connector.status())) {
//     std::cerr << "retry in " << retry->retry_delay().seconds() << " s";
//   }
//
// Thread-safe: pure functions.
#ifndef NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_
#define NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace ndes::client {

// The payload key of a google.rpc.BadRequest detail.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// The payload key of a google.rpc.RetryInfo detail.
inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// The google.rpc.BadRequest that `status` carries, or nullopt when it has
// none (or the payload does not parse).
std::optional<google::rpc::BadRequest> BadRequestOf(const absl::Status& status);

// The google.rpc.RetryInfo that `status` carries, or nullopt when it has
// none (or the payload does not parse).
std::optional<google::rpc::RetryInfo> RetryInfoOf(const absl::Status& status);

}  // namespace ndes::client

#endif  // NDES_CLIENT_NDES_CLIENT_ERROR_DETAILS_H_
