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

std::optional<google::rpc::RetryInfo> RetryInfoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);  // absl::optional
  if (!payload.has_value()) return std::nullopt;
  google::rpc::RetryInfo retry_info;
  if (!retry_info.ParseFromString(std::string(*payload))) return std::nullopt;
  return retry_info;
}

}  // namespace ndes::client
