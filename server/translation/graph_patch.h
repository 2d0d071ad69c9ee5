// The Graph PATCH document of a masked update, both ways.
//
// For fields [display_name, state] the document is exactly
//   {"@odata.type": "#microsoft.graph.ndesConnector",
//    "displayName": "NDES-01", "state": "active"}
// Only the named properties appear. A cleared property is null, except a
// collection, which is [] (and a cleared state, which is "none").
//
// The Graph backend sends this document as the PATCH body. A Graph-style
// PATCH received as JSON (the fake Graph of the tests; a REST face) is read
// back with ParseGraphPatchDocument into the same values and field set that
// the embedded stores apply with ndes::v1::CopyFields.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_
#define NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpprest/json.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::translation {

web::json::value BuildGraphPatchDocument(
    const ndes::v1::NdesConnector& values,
    const ndes::v1::ConnectorFieldSet& fields);

// A PATCH document in the project's terms: the properties it names, and
// their values (a null property is an unset field).
struct GraphPatch {
  ndes::v1::NdesConnector values;
  ndes::v1::ConnectorFieldSet fields;
};

// Reads a PATCH document for the connector `id`, the way Graph does: every
// property must be a writable property of an ndesConnector, with a value of
// its type. "@odata.*" annotations are skipped; "id" may appear only with
// the value `id`. INVALID_ARGUMENT naming the property otherwise: not an
// object, an unknown property, a wrong JSON type or value, a different id.
// A document with no property is valid (its field set is empty).
absl::StatusOr<GraphPatch> ParseGraphPatchDocument(
    const web::json::value& patch, absl::string_view id);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_
