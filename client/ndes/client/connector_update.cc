#include "ndes/client/connector_update.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ndes::client {
namespace {

struct FieldNames {
  ConnectorField field;
  absl::string_view proto_name;
  absl::string_view graph_name;
};

constexpr FieldNames kFieldNames[] = {
    {ConnectorField::kDisplayName, "display_name", "displayName"},
    {ConnectorField::kState, "state", "state"},
    {ConnectorField::kLastConnectionDateTime, "last_connection_date_time",
     "lastConnectionDateTime"},
    {ConnectorField::kMachineName, "machine_name", "machineName"},
    {ConnectorField::kEnrolledDateTime, "enrolled_date_time",
     "enrolledDateTime"},
    {ConnectorField::kRoleScopeTagIds, "role_scope_tag_ids", "roleScopeTagIds"},
    {ConnectorField::kConnectorVersion, "connector_version",
     "connectorVersion"},
};

const FieldNames& NamesOf(ConnectorField field) {
  return *std::find_if(
      std::begin(kFieldNames), std::end(kFieldNames),
      [field](const FieldNames& names) { return names.field == field; });
}

}  // namespace

const std::vector<ConnectorField>& AllConnectorFields() {
  static const auto* const kAll =
      new std::vector<ConnectorField>{ConnectorField::kDisplayName,
                                      ConnectorField::kState,
                                      ConnectorField::kLastConnectionDateTime,
                                      ConnectorField::kMachineName,
                                      ConnectorField::kEnrolledDateTime,
                                      ConnectorField::kRoleScopeTagIds,
                                      ConnectorField::kConnectorVersion};
  return *kAll;
}

absl::string_view MaskPath(ConnectorField field) {
  return NamesOf(field).proto_name;
}

absl::string_view GraphName(ConnectorField field) {
  return NamesOf(field).graph_name;
}

absl::StatusOr<ConnectorField> ParseConnectorField(absl::string_view name) {
  for (const FieldNames& names : kFieldNames) {
    if (name == names.proto_name || name == names.graph_name) {
      return names.field;
    }
  }
  std::vector<absl::string_view> accepted;
  for (const FieldNames& names : kFieldNames) {
    accepted.push_back(names.proto_name);
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
  switch (field) {
    case ConnectorField::kDisplayName:
      connector_.clear_display_name();
      break;
    case ConnectorField::kState:
      connector_.clear_state();
      break;
    case ConnectorField::kLastConnectionDateTime:
      connector_.clear_last_connection_date_time();
      break;
    case ConnectorField::kMachineName:
      connector_.clear_machine_name();
      break;
    case ConnectorField::kEnrolledDateTime:
      connector_.clear_enrolled_date_time();
      break;
    case ConnectorField::kRoleScopeTagIds:
      connector_.clear_role_scope_tag_ids();
      break;
    case ConnectorField::kConnectorVersion:
      connector_.clear_connector_version();
      break;
  }
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
    request.mutable_update_mask()->add_paths(std::string(MaskPath(field)));
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
