#include "translation/status_details.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"

namespace ndes::translation {

absl::Status InvalidArgumentWithViolations(
    absl::string_view message, std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  for (FieldViolation& violation : violations) {
    google::rpc::BadRequest::FieldViolation* out =
        bad_request.add_field_violations();
    out->set_field(std::move(violation.field));
    out->set_description(std::move(violation.description));
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return violations;
  google::rpc::BadRequest bad_request;
  // A payload that does not parse carries no violations we can trust.
  if (!bad_request.ParseFromString(std::string(*payload))) return violations;
  violations.reserve(bad_request.field_violations_size());
  for (const google::rpc::BadRequest::FieldViolation& violation :
       bad_request.field_violations()) {
    violations.push_back({violation.field(), violation.description()});
  }
  return violations;
}

}  // namespace ndes::translation
