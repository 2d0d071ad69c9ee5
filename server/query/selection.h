// Which properties a Get or List answer carries: OData $select
// (`displayName,state`) and the AIP-157 read_mask (a FieldMask of proto
// field names) parse into one Selection; Apply clears the rest of a
// connector, and ToODataSelect writes it back as $select for Graph.
//
// Rules (docs/queries.md):
//   - $select takes Graph property names, read_mask proto field names;
//     names are exact, repeats count once, `*` (alone or among names) means
//     every property. An empty $select or mask means every property.
//   - `id` and `etag` are always kept, selected or not: Graph always returns
//     the id (and @odata.etag), and a caller needs both to write back.
//     read_mask may name `etag`; $select may not (it is Graph's
//     @odata.etag annotation, not a property).
//   - A name that is not a property, or a path into one
//     (`last_connection_date_time.seconds`), is refused.
//
// Errors (query_errors.h): INVALID_ARGUMENT "invalid $select ..." (unknown
// property in Graph's wording, empty item, control character, text over
// kMaxQueryLength bytes) or "invalid read_mask.paths[N] ..." (the field
// violation names that path). Nothing here is "unsupported".
//
// Example:
//   absl::StatusOr<Selection> selection = SelectionFromReadMask(mask);
//   if (selection.ok()) Apply(*selection, &connector);
//   ToODataSelect(*selection);  // "displayName,state"
//
// Thread-safe: pure functions; a Selection is an immutable value.
#ifndef NDES_SERVER_QUERY_SELECTION_H_
#define NDES_SERVER_QUERY_SELECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/query_properties.h"

namespace ndes::query {

class Selection {
 public:
  // Every property.
  Selection() = default;
  static Selection All() { return Selection(); }
  // Exactly `properties` (plus id and etag), in any order, repeats allowed.
  // No property at all is the same as only `id`.
  static Selection Of(std::vector<Property> properties);

  bool all() const { return all_; }
  // The selected properties in field-number order, each once; empty when
  // all() is true.
  const std::vector<Property>& properties() const { return properties_; }
  // Whether the answer carries `property` (id always).
  bool Includes(const Property& property) const;

  friend bool operator==(const Selection& a, const Selection& b) {
    return a.all_ == b.all_ && a.properties_ == b.properties_;
  }

 private:
  bool all_ = true;
  std::vector<Property> properties_;
};

// Parses $select; empty or blank text selects everything.
absl::StatusOr<Selection> ParseODataSelect(absl::string_view text);

// Reads an AIP-157 read mask; an empty mask selects everything.
absl::StatusOr<Selection> SelectionFromReadMask(
    const google::protobuf::FieldMask& read_mask);

// Clears every field of `connector` that `selection` does not include,
// keeping id and etag. Fields the proto gains later are cleared unless
// selected (they are selectable by name as soon as they exist).
void Apply(const Selection& selection, ndes::v1::NdesConnector* connector);

// "displayName,state", in field-number order: what ParseODataSelect reads
// back as an equal Selection; "" for all() (send no $select).
std::string ToODataSelect(const Selection& selection);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_SELECTION_H_
