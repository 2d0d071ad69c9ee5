// The Graph PATCH document of a masked update, and how a store applies one.
//
// For a plan [display_name, state] the document is exactly
//   {"@odata.type": "#microsoft.graph.ndesConnector",
//    "displayName": "NDES-01", "state": "active"}
// Only planned properties appear. A cleared property is null, except a
// collection, which is [] (and a cleared state, which is "none").
//
// The Graph backend sends this document as the PATCH body; the embedded
// stores apply it with ApplyGraphPatch, the way Graph does: each top-level
// property of the document replaces the stored one; annotations ("@odata.*")
// are not stored.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_
#define NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_

#include "absl/status/statusor.h"
#include "cpprest/json.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "translation/field_mask_plan.h"

namespace ndes::translation {

web::json::value BuildGraphPatchDocument(
    const ndes::v1::NdesConnector& connector, const FieldMaskPlan& plan);

// Merges `patch` into `stored` (a Graph representation, as
// ConnectorToGraphJson produces) and returns the result. INVALID_ARGUMENT if
// either is not a JSON object, if the patch tries to change "id", or if the
// merged document is not a valid connector (ConnectorFromGraphJson fails).
// "@odata.*" keys of the patch are skipped. The result is in the form
// ConnectorToGraphJson produces, without "@odata.etag" (date-times in UTC,
// unknown properties dropped).
absl::StatusOr<web::json::value> ApplyGraphPatch(const web::json::value& stored,
                                                 const web::json::value& patch);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_GRAPH_PATCH_H_
