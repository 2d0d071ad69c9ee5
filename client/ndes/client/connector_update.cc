#include "ndes/client/connector_update.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ndes::client {

absl::StatusOr<ConnectorField> ParseConnectorField(absl::string_view name) {
  if (std::optional<ConnectorField> field = ndes::v1::FieldByMaskPath(name)) {
    return *field;
  }
  if (std::optional<ConnectorField> field = ndes::v1::FieldByGraphName(name)) {
    return *field;
  }
  std::vector<absl::string_view> accepted;
  for (ConnectorField field : ndes::v1::WritableConnectorFields()) {
    accepted.push_back(ndes::v1::MaskPath(field));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name,
                   "\" is not a writable field of an NDES connector; "
                   "expected one of: ",
                   absl::StrJoin(accepted, ", "),
                   " (or the Graph name, such as displayName)"));
}

ConnectorUpdate::ConnectorUpdate(std::string id) {
  connector_.set_id(std::move(id));
}

ConnectorUpdate& ConnectorUpdate::Name(ConnectorField field) {
  if (std::find(fields_.begin(), fields_.end(), field) == fields_.end()) {
    fields_.push_back(field);
  }
  return *this;
}

ConnectorUpdate& ConnectorUpdate::SetDisplayName(std::string value) {
  connector_.set_display_name(std::move(value));
  return Name(ConnectorField::kDisplayName);
}

ConnectorUpdate& ConnectorUpdate::SetState(ndes::v1::NdesConnectorState value) {
  connector_.set_state(value);
  return Name(ConnectorField::kState);
}

ConnectorUpdate& ConnectorUpdate::SetLastConnectionDateTime(absl::Time value) {
  return SetLastConnectionDateTime(ToProtoTimestamp(value));
}

ConnectorUpdate& ConnectorUpdate::SetLastConnectionDateTime(
    const google::protobuf::Timestamp& value) {
  *connector_.mutable_last_connection_date_time() = value;
  return Name(ConnectorField::kLastConnectionDateTime);
}

ConnectorUpdate& ConnectorUpdate::SetMachineName(std::string value) {
  connector_.set_machine_name(std::move(value));
  return Name(ConnectorField::kMachineName);
}

ConnectorUpdate& ConnectorUpdate::SetEnrolledDateTime(absl::Time value) {
  return SetEnrolledDateTime(ToProtoTimestamp(value));
}

ConnectorUpdate& ConnectorUpdate::SetEnrolledDateTime(
    const google::protobuf::Timestamp& value) {
  *connector_.mutable_enrolled_date_time() = value;
  return Name(ConnectorField::kEnrolledDateTime);
}

ConnectorUpdate& ConnectorUpdate::SetRoleScopeTagIds(
    std::vector<std::string> value) {
  connector_.clear_role_scope_tag_ids();
  for (std::string& tag : value) {
    connector_.add_role_scope_tag_ids(std::move(tag));
  }
  return Name(ConnectorField::kRoleScopeTagIds);
}

ConnectorUpdate& ConnectorUpdate::SetConnectorVersion(std::string value) {
  connector_.set_connector_version(std::move(value));
  return Name(ConnectorField::kConnectorVersion);
}

ConnectorUpdate& ConnectorUpdate::Clear(ConnectorField field) {
  ndes::v1::ConnectorFieldSet cleared;
  cleared.Add(field);
  ndes::v1::CopyFields(ndes::v1::NdesConnector(), cleared, &connector_);
  return Name(field);
}

ConnectorUpdate& ConnectorUpdate::SetEtag(std::string etag) {
  connector_.set_etag(std::move(etag));
  return *this;
}

ConnectorUpdate& ConnectorUpdate::SetAllowMissing(bool allow_missing) {
  allow_missing_ = allow_missing;
  return *this;
}

ndes::v1::UpdateNdesConnectorsRequest ConnectorUpdate::ToRequest() const {
  ndes::v1::UpdateNdesConnectorsRequest request;
  *request.mutable_ndes_connector() = connector_;
  for (ConnectorField field : fields_) {
    request.mutable_update_mask()->add_paths(
        std::string(ndes::v1::MaskPath(field)));
  }
  request.set_allow_missing(allow_missing_);
  return request;
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  // Whole seconds rounded down, so that nanos is never negative.
  const std::int64_t seconds = absl::ToUnixSeconds(time);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<std::int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

}  // namespace ndes::client
