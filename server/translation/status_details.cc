#include "translation/status_details.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "google/protobuf/duration.pb.h"
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

absl::Status ResourceExhaustedWithRetryInfo(absl::string_view message,
                                            absl::Duration retry_delay) {
  const absl::Duration delay = absl::Ceil(
      std::max(retry_delay, absl::ZeroDuration()), absl::Milliseconds(1));
  google::rpc::RetryInfo retry_info;
  google::protobuf::Duration* proto = retry_info.mutable_retry_delay();
  const std::int64_t nanos = absl::ToInt64Nanoseconds(delay);
  proto->set_seconds(nanos / 1000000000);
  proto->set_nanos(static_cast<std::int32_t>(nanos % 1000000000));
  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryInfoTypeUrl,
                    absl::Cord(retry_info.SerializeAsString()));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::RetryInfo retry_info;
  if (!retry_info.ParseFromString(std::string(*payload))) return std::nullopt;
  return absl::Seconds(retry_info.retry_delay().seconds()) +
         absl::Nanoseconds(retry_info.retry_delay().nanos());
}

}  // namespace ndes::translation
