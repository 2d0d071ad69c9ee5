#include "translation/connector_fields.h"

#include <optional>

#include "absl/strings/string_view.h"

namespace ndes::translation {

absl::string_view ProtoFieldName(ConnectorField field) {
  switch (field) {
    case ConnectorField::kDisplayName:
      return "display_name";
    case ConnectorField::kState:
      return "state";
    case ConnectorField::kLastConnectionDateTime:
      return "last_connection_date_time";
    case ConnectorField::kMachineName:
      return "machine_name";
    case ConnectorField::kEnrolledDateTime:
      return "enrolled_date_time";
    case ConnectorField::kRoleScopeTagIds:
      return "role_scope_tag_ids";
    case ConnectorField::kConnectorVersion:
      return "connector_version";
  }
  // Only reachable through a value cast from outside the enumerators.
  return "";
}

absl::string_view GraphPropertyName(ConnectorField field) {
  switch (field) {
    case ConnectorField::kDisplayName:
      return "displayName";
    case ConnectorField::kState:
      return "state";
    case ConnectorField::kLastConnectionDateTime:
      return "lastConnectionDateTime";
    case ConnectorField::kMachineName:
      return "machineName";
    case ConnectorField::kEnrolledDateTime:
      return "enrolledDateTime";
    case ConnectorField::kRoleScopeTagIds:
      return "roleScopeTagIds";
    case ConnectorField::kConnectorVersion:
      return "connectorVersion";
  }
  return "";
}

std::optional<ConnectorField> WritableFieldByProtoName(absl::string_view name) {
  for (ConnectorField field : kWritableConnectorFields) {
    if (ProtoFieldName(field) == name) return field;
  }
  return std::nullopt;
}

std::optional<ConnectorField> WritableFieldByGraphName(absl::string_view name) {
  for (ConnectorField field : kWritableConnectorFields) {
    if (GraphPropertyName(field) == name) return field;
  }
  return std::nullopt;
}

}  // namespace ndes::translation
