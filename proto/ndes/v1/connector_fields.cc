#include "ndes/v1/connector_fields.h"

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::v1 {
namespace {

// The fields a connector has that no update writes.
bool IsReadOnly(const google::protobuf::FieldDescriptor& field) {
  return field.number() == NdesConnector::kIdFieldNumber ||
         field.number() == NdesConnector::kEtagFieldNumber;
}

}  // namespace

const std::vector<ConnectorField>& WritableConnectorFields() {
  static const auto* const kFields = [] {
    auto* fields = new std::vector<ConnectorField>;
    const google::protobuf::Descriptor& message = *NdesConnector::descriptor();
    for (int i = 0; i < message.field_count(); ++i) {
      const google::protobuf::FieldDescriptor& field = *message.field(i);
      if (!IsReadOnly(field)) {
        fields->push_back(static_cast<ConnectorField>(field.number()));
      }
    }
    return fields;
  }();
  return *kFields;
}

const google::protobuf::FieldDescriptor& DescriptorOf(ConnectorField field) {
  return *NdesConnector::descriptor()->FindFieldByNumber(
      static_cast<int>(field));
}

absl::string_view MaskPath(ConnectorField field) {
  return DescriptorOf(field).name();
}

absl::string_view GraphName(ConnectorField field) {
  return DescriptorOf(field).json_name();
}

std::optional<ConnectorField> FieldByMaskPath(absl::string_view path) {
  for (ConnectorField field : WritableConnectorFields()) {
    if (MaskPath(field) == path) return field;
  }
  return std::nullopt;
}

std::optional<ConnectorField> FieldByGraphName(absl::string_view name) {
  for (ConnectorField field : WritableConnectorFields()) {
    if (GraphName(field) == name) return field;
  }
  return std::nullopt;
}

ConnectorFieldSet ConnectorFieldSet::All() {
  ConnectorFieldSet all;
  for (ConnectorField field : WritableConnectorFields()) all.Add(field);
  return all;
}

int ConnectorFieldSet::size() const {
  int count = 0;
  for (std::uint32_t bits = bits_; bits != 0; bits &= bits - 1) ++count;
  return count;
}

std::vector<ConnectorField> ConnectorFieldSet::Fields() const {
  std::vector<ConnectorField> fields;
  for (ConnectorField field : WritableConnectorFields()) {
    if (Contains(field)) fields.push_back(field);
  }
  return fields;
}

void CopyFields(const NdesConnector& source, const ConnectorFieldSet& fields,
                NdesConnector* target) {
  for (ConnectorField field : WritableConnectorFields()) {
    if (!fields.Contains(field)) continue;
    switch (field) {
      case ConnectorField::kDisplayName:
        target->set_display_name(source.display_name());
        break;
      case ConnectorField::kState:
        target->set_state(source.state());
        break;
      case ConnectorField::kLastConnectionDateTime:
        if (source.has_last_connection_date_time()) {
          *target->mutable_last_connection_date_time() =
              source.last_connection_date_time();
        } else {
          target->clear_last_connection_date_time();
        }
        break;
      case ConnectorField::kMachineName:
        target->set_machine_name(source.machine_name());
        break;
      case ConnectorField::kEnrolledDateTime:
        if (source.has_enrolled_date_time()) {
          *target->mutable_enrolled_date_time() = source.enrolled_date_time();
        } else {
          target->clear_enrolled_date_time();
        }
        break;
      case ConnectorField::kRoleScopeTagIds:
        *target->mutable_role_scope_tag_ids() = source.role_scope_tag_ids();
        break;
      case ConnectorField::kConnectorVersion:
        target->set_connector_version(source.connector_version());
        break;
    }
  }
}

}  // namespace ndes::v1
