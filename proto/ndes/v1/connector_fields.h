// The writable fields of ndes.v1.NdesConnector, taken from the message's
// descriptor: every field but `id` (it names the connector and never
// changes) and `etag` (output only). A field's update_mask path is its proto
// name ("display_name"); its Graph property name is its json_name
// ("displayName"), which the .proto sets to Graph's name for every field.
//
// This is the one field table of the project: the server's translation and
// stores, the C++ client library and ndesctl all use it, so a field added to
// the .proto needs an enumerator here and nothing else.
//
//   for (ndes::v1::ConnectorField field : ndes::v1::WritableConnectorFields())
//   {
//     std::cout << ndes::v1::MaskPath(field) << " = "
//               << ndes::v1::GraphName(field) << "\n";
//   }
//
//   ndes::v1::ConnectorFieldSet fields;
//   fields.Add(ndes::v1::ConnectorField::kDisplayName);
//   ndes::v1::CopyFields(values, fields, &stored);  // stored.display_name
//                                                   // = values.display_name
//
// Thread-safe: immutable data and pure functions.
#ifndef NDES_V1_CONNECTOR_FIELDS_H_
#define NDES_V1_CONNECTOR_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::v1 {

// A writable field; its value is the proto field number.
enum class ConnectorField : int {
  kDisplayName = NdesConnector::kDisplayNameFieldNumber,
  kState = NdesConnector::kStateFieldNumber,
  kLastConnectionDateTime = NdesConnector::kLastConnectionDateTimeFieldNumber,
  kMachineName = NdesConnector::kMachineNameFieldNumber,
  kEnrolledDateTime = NdesConnector::kEnrolledDateTimeFieldNumber,
  kRoleScopeTagIds = NdesConnector::kRoleScopeTagIdsFieldNumber,
  kConnectorVersion = NdesConnector::kConnectorVersionFieldNumber,
};

// Every writable field, in field-number order, as the descriptor lists them.
const std::vector<ConnectorField>& WritableConnectorFields();

// The field's descriptor in NdesConnector.
const google::protobuf::FieldDescriptor& DescriptorOf(ConnectorField field);

// The update_mask path: the proto field name ("display_name").
absl::string_view MaskPath(ConnectorField field);

// The Graph property name, the field's json_name ("displayName").
absl::string_view GraphName(ConnectorField field);

// The writable field with that mask path / Graph name, if any (exact match;
// never id or etag).
std::optional<ConnectorField> FieldByMaskPath(absl::string_view path);
std::optional<ConnectorField> FieldByGraphName(absl::string_view name);

// A set of writable fields; iterates in field-number order. A value type.
class ConnectorFieldSet {
 public:
  ConnectorFieldSet() = default;
  ConnectorFieldSet(std::initializer_list<ConnectorField> fields) {
    for (ConnectorField field : fields) Add(field);
  }

  // Every writable field.
  static ConnectorFieldSet All();

  void Add(ConnectorField field) { bits_ |= Bit(field); }
  void Remove(ConnectorField field) { bits_ &= ~Bit(field); }
  bool Contains(ConnectorField field) const {
    return (bits_ & Bit(field)) != 0;
  }
  bool empty() const { return bits_ == 0; }
  int size() const;
  // The fields, in field-number order.
  std::vector<ConnectorField> Fields() const;

  ConnectorFieldSet& operator|=(const ConnectorFieldSet& other) {
    bits_ |= other.bits_;
    return *this;
  }
  friend bool operator==(const ConnectorFieldSet& a,
                         const ConnectorFieldSet& b) {
    return a.bits_ == b.bits_;
  }
  friend bool operator!=(const ConnectorFieldSet& a,
                         const ConnectorFieldSet& b) {
    return !(a == b);
  }

 private:
  static std::uint32_t Bit(ConnectorField field) {
    return std::uint32_t{1} << static_cast<int>(field);
  }
  std::uint32_t bits_ = 0;
};

// Sets each field of `fields` in `*target` to its value in `source` (a field
// unset in `source` becomes unset in `*target`; a list is replaced whole).
// Other fields of `*target` are left as they are.
void CopyFields(const NdesConnector& source, const ConnectorFieldSet& fields,
                NdesConnector* target);

}  // namespace ndes::v1

#endif  // NDES_V1_CONNECTOR_FIELDS_H_
