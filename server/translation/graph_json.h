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

// "none", "active", "inactive", "unknownFutureValue". `state` must be a
// declared enum value.
absl::string_view GraphStateName(ndes::v1::NdesConnectorState state);

// The enum value for a state to write: "none", "active" or "inactive";
// INVALID_ARGUMENT for any other string, "unknownFutureValue" included
// (matching is exact: Graph always writes lowercase).
absl::StatusOr<ndes::v1::NdesConnectorState> ParseGraphState(
    absl::string_view name);

// The enum value for a state Graph answered. Graph's enums are evolvable: a
// state this version does not know ("unknownFutureValue", or a member Graph
// added later) is NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE. Never fails.
ndes::v1::NdesConnectorState ReadGraphState(absl::string_view name);

// What reading a property does with a state string that is not one of the
// three writable names.
enum class UnknownGraphState {
  // Graph's answer: the state becomes UNKNOWN_FUTURE_VALUE.
  kReadAsUnknownFutureValue,
  // A document to write: INVALID_ARGUMENT.
  kRefuse,
};

// The Graph JSON value of one field of `connector`: a string, null for an
// unset timestamp, an array for roleScopeTagIds.
web::json::value GraphPropertyValue(const ndes::v1::NdesConnector& connector,
                                    v1::ConnectorField field);

// Reads the Graph JSON value of one property into `connector` (null clears
// it; a list replaces the whole list). INVALID_ARGUMENT naming the property
// when the JSON type or the value is wrong (a date-time that does not parse;
// with UnknownGraphState::kRefuse, a state that is not one of the three
// writable names).
absl::Status ReadGraphProperty(v1::ConnectorField field,
                               const web::json::value& json,
                               ndes::v1::NdesConnector* connector,
                               UnknownGraphState unknown_state);

// The full Graph representation: "@odata.type", "id", every property, and
// "@odata.etag" when connector.etag() is not empty. `connector` must hold
// valid values (see ValidateConnectorValues).
web::json::value ConnectorToGraphJson(const ndes::v1::NdesConnector& connector);

// Reads a Graph representation. Unknown properties and "@odata.*"
// annotations other than "@odata.etag" (which becomes `etag`) are ignored; a
// missing or null property is left at its default; a state this version
// does not know is UNKNOWN_FUTURE_VALUE. INVALID_ARGUMENT if `json` is not
// an object, a known property has the wrong JSON type or a date-time does
// not parse; the message names the property.
absl::StatusOr<ndes::v1::NdesConnector> ConnectorFromGraphJson(
    const web::json::value& json);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_GRAPH_JSON_H_
