// The writable fields of ndes.v1.NdesConnector and their names on each side:
// proto field name (what FieldMask paths use) and Graph property name.
//
// `id` and `etag` are not writable: the id names the target and never
// changes, the etag is output only.
#ifndef NDES_SERVER_TRANSLATION_CONNECTOR_FIELDS_H_
#define NDES_SERVER_TRANSLATION_CONNECTOR_FIELDS_H_

#include <array>
#include <optional>

#include "absl/strings/string_view.h"

namespace ndes::translation {

enum class ConnectorField {
  kDisplayName,
  kState,
  kLastConnectionDateTime,
  kMachineName,
  kEnrolledDateTime,
  kRoleScopeTagIds,
  kConnectorVersion,
};

// Every writable field, in proto field-number order.
inline constexpr std::array<ConnectorField, 7> kWritableConnectorFields = {
    ConnectorField::kDisplayName,
    ConnectorField::kState,
    ConnectorField::kLastConnectionDateTime,
    ConnectorField::kMachineName,
    ConnectorField::kEnrolledDateTime,
    ConnectorField::kRoleScopeTagIds,
    ConnectorField::kConnectorVersion,
};

// "display_name", "state", ...
absl::string_view ProtoFieldName(ConnectorField field);

// "displayName", "state", ...
absl::string_view GraphPropertyName(ConnectorField field);

// The writable field whose proto field name is `name`, if any.
std::optional<ConnectorField> WritableFieldByProtoName(absl::string_view name);

// The writable field whose Graph property name is `name`, if any.
std::optional<ConnectorField> WritableFieldByGraphName(absl::string_view name);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_CONNECTOR_FIELDS_H_
