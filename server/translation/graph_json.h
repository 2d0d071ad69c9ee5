// ndes.v1.NdesConnector <-> Graph JSON (cpprestsdk's web::json::value).
//
// The Graph representation of a connector:
//   {"@odata.type": "#microsoft.graph.ndesConnector",
//    "id": "e71fa706-...", "displayName": "NDES-01", "state": "active",
//    "lastConnectionDateTime": "2017-01-01T07:58:36.6670033Z",
//    "machineName": "...", "enrolledDateTime": null,
//    "roleScopeTagIds": ["0"], "connectorVersion": "6.2301.1.0",
//    "@odata.etag": "W/\"...\""}
// States are the strings "none", "active", "inactive"; date-times follow
// date_time.h.
//
// Thread-safe: pure functions. cpprestsdk headers need
// _TURN_OFF_PLATFORM_STRING defined (CMake does it for every target).
#ifndef NDES_SERVER_TRANSLATION_GRAPH_JSON_H_
#define NDES_SERVER_TRANSLATION_GRAPH_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpprest/json.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::translation {

inline constexpr absl::string_view kGraphODataType =
    "#microsoft.graph.ndesConnector";

// "none", "active", "inactive". `state` must be a declared enum value.
absl::string_view GraphStateName(ndes::v1::NdesConnectorState state);

// The enum value for a Graph state string; INVALID_ARGUMENT for any other
// string (matching is exact: Graph always writes lowercase).
absl::StatusOr<ndes::v1::NdesConnectorState> ParseGraphState(
    absl::string_view name);

// The Graph JSON value of one field of `connector`: a string, null for an
// unset timestamp, an array for roleScopeTagIds.
web::json::value GraphPropertyValue(const ndes::v1::NdesConnector& connector,
                                    v1::ConnectorField field);

// Reads the Graph JSON value of one property into `connector` (null clears
// it; a list replaces the whole list). INVALID_ARGUMENT naming the property
// when the JSON type or the value is wrong (a state that is not one of the
// names, a date-time that does not parse).
absl::Status ReadGraphProperty(v1::ConnectorField field,
                               const web::json::value& json,
                               ndes::v1::NdesConnector* connector);

// The full Graph representation: "@odata.type", "id", every property, and
// "@odata.etag" when connector.etag() is not empty. `connector` must hold
// valid values (see ValidateConnectorValues).
web::json::value ConnectorToGraphJson(const ndes::v1::NdesConnector& connector);

// Reads a Graph representation. Unknown properties and "@odata.*"
// annotations other than "@odata.etag" (which becomes `etag`) are ignored; a
// missing or null property is left at its default. INVALID_ARGUMENT if
// `json` is not an object, a known property has the wrong JSON type, a
// state is not one of the three names or a date-time does not parse; the
// message names the property.
absl::StatusOr<ndes::v1::NdesConnector> ConnectorFromGraphJson(
    const web::json::value& json);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_GRAPH_JSON_H_
