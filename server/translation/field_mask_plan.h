// Turns the update_mask of an UpdateNdesConnectorsRequest into the list of
// fields to write (AIP-134 / AIP-161), validating the mask and the values it
// selects.
//
// Rules (the update table of docs/architecture.md):
//   - A path is a proto field name of NdesConnector ("display_name"). Any
//     other path, or a path into a field ("state.x", "role_scope_tag_ids.0",
//     "last_connection_date_time.seconds"), is INVALID_ARGUMENT naming it.
//   - "id" and "etag" are ignored (the id names the target; etag is output
//     only). Repeated paths count once.
//   - "*" alone selects every writable field (full replacement); "*" with any
//     other path is INVALID_ARGUMENT.
//   - An empty mask implies every writable field that holds a non-default
//     value (non-empty string or list, state other than NONE, a set
//     timestamp).
//   - A plan with no field (an empty implied mask, or a mask of only id/etag)
//     is INVALID_ARGUMENT "at least one property must be changed".
//   - Values of the selected fields are checked: a state other than NONE,
//     ACTIVE and INACTIVE (UNKNOWN_FUTURE_VALUE is output only; undeclared
//     numbers), or a timestamp outside 0001..9999 / with bad nanos, is
//     INVALID_ARGUMENT.
// Every INVALID_ARGUMENT carries google.rpc.BadRequest field violations whose
// paths are relative to the request ("update_mask.paths[2]",
// "ndes_connector.state").
//
// Example:
//   FieldMask mask;  mask.add_paths("display_name");  mask.add_paths("state");
//   absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(mask, connector);
//   // plan->fields.Fields() == {kDisplayName, kState}
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_FIELD_MASK_PLAN_H_
#define NDES_SERVER_TRANSLATION_FIELD_MASK_PLAN_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/field_mask.pb.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::translation {

struct FieldMaskPlan {
  // The fields to write. Never empty.
  v1::ConnectorFieldSet fields;
};

absl::StatusOr<FieldMaskPlan> PlanFieldMask(
    const google::protobuf::FieldMask& mask,
    const ndes::v1::NdesConnector& connector);

// Whether `state` may be written: NONE, ACTIVE or INACTIVE. Not
// UNKNOWN_FUTURE_VALUE (Graph's marker for a state it added later; output
// only) and no undeclared number.
bool IsWritableState(ndes::v1::NdesConnectorState state);

// Checks the values of `fields` in `connector` (enum range, timestamp range,
// lengths), naming them as "<field_prefix>.<proto field name>" in errors.
// Used for the fields of a plan and, with v1::ConnectorFieldSet::All(), for
// a whole connector about to be created.
absl::Status ValidateConnectorValues(const ndes::v1::NdesConnector& connector,
                                     const v1::ConnectorFieldSet& fields,
                                     absl::string_view field_prefix);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_FIELD_MASK_PLAN_H_
