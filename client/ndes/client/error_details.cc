#include "ndes/client/error_details.h"

#include <string>

#include "absl/strings/cord.h"

namespace ndes::client {

std::optional<google::rpc::BadRequest> BadRequestOf(
    const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);  // absl::optional
  if (!payload.has_value()) return std::nullopt;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return std::nullopt;
  return bad_request;
}

}  // namespace ndes::client
