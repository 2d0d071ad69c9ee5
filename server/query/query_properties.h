// The properties of ndes.v1.NdesConnector that queries ($filter / filter,
// $orderby / order_by, $select / read_mask) may name, and the names of the
// connector's states, both read from the message's descriptor: a field or an
// enum value added to the proto becomes queryable without a change here.
//
// Every field of NdesConnector is a property except `etag` (an entity tag,
// Graph's `@odata.etag` annotation, not a property). A property has two
// names: its proto field name (`display_name`, used by AIP-160 filters,
// AIP-132 order_by and AIP-157 read masks) and its JSON name
// (`displayName`, Graph's property name, used by OData). Names are matched
// exactly (case-sensitive).
//
// State names come from the enum NdesConnectorState: the AIP name is the
// value name without the `NDES_CONNECTOR_STATE_` prefix (`ACTIVE`; the full
// name `NDES_CONNECTOR_STATE_ACTIVE` is accepted too), the Graph name is that
// short name in lowerCamelCase (`active`, and `unknownFutureValue` for a
// value named `..._UNKNOWN_FUTURE_VALUE`).
//
// Example:
//   std::optional<Property> p = PropertyByGraphName("displayName");
//   // p->proto_name() == "display_name", p->type() == PropertyType::kString
//
// Thread-safe: the tables are built once, on first use, and never change.
#ifndef NDES_SERVER_QUERY_QUERY_PROPERTIES_H_
#define NDES_SERVER_QUERY_QUERY_PROPERTIES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace ndes::query {

// How a property's values compare.
enum class PropertyType {
  kString,            // string: eq/ne/in, startswith, contains; ordering
  kState,             // NdesConnectorState: eq/ne/in; ordering by number
  kDateTime,          // google.protobuf.Timestamp, unset = null
  kStringCollection,  // repeated string: membership only; no ordering
};

// One queryable field of NdesConnector. Cheap to copy; compares by field.
class Property {
 public:
  Property() = default;
  Property(const google::protobuf::FieldDescriptor* field, PropertyType type)
      : field_(field), type_(type) {}

  // Null only for a default-constructed Property (as held by logical filter
  // nodes); every Property the lookups return has a field.
  const google::protobuf::FieldDescriptor* field() const { return field_; }
  PropertyType type() const { return type_; }
  // "display_name"
  const std::string& proto_name() const { return field_->name(); }
  // "displayName"
  const std::string& graph_name() const { return field_->json_name(); }

  friend bool operator==(const Property& a, const Property& b) {
    return a.field_ == b.field_;
  }
  friend bool operator!=(const Property& a, const Property& b) {
    return !(a == b);
  }

 private:
  const google::protobuf::FieldDescriptor* field_ = nullptr;
  PropertyType type_ = PropertyType::kString;
};

// Every queryable property, in field-number order.
const std::vector<Property>& QueryableProperties();

// The property with that Graph (JSON) name or proto field name, if any.
std::optional<Property> PropertyByGraphName(absl::string_view name);
std::optional<Property> PropertyByProtoName(absl::string_view name);

// The state number for a Graph state name ("active"), if declared.
std::optional<int> StateByGraphName(absl::string_view name);
// The state number for an AIP enum name ("ACTIVE" or
// "NDES_CONNECTOR_STATE_ACTIVE"), if declared.
std::optional<int> StateByAipName(absl::string_view name);

// The names of a declared state number ("active" / "ACTIVE"); a number that
// is not declared gives its decimal digits.
std::string GraphStateName(int state);
std::string AipStateName(int state);

// Every declared state's Graph name, in declaration order, for messages.
const std::vector<std::string>& GraphStateNames();
const std::vector<std::string>& AipStateNames();

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_QUERY_PROPERTIES_H_
