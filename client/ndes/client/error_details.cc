#include "ndes/client/error_details.h"

#include <string>

#include "absl/strings/cord.h"
#include "ndes/client/internal/google_rpc_wire.h"

namespace ndes::client {

std::optional<BadRequest> BadRequestOf(const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);  // absl::optional
  if (!payload.has_value()) return std::nullopt;
  return internal::DecodeBadRequest(std::string(*payload));
}

}  // namespace ndes::client
