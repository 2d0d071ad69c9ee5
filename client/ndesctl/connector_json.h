// NDES connectors as JSON the way Microsoft Graph writes them, for ndesctl's
// output.
//
//   {
//     "id": "ndes-01",
//     "displayName": "NDES-01",
//     "state": "active",
//     "lastConnectionDateTime": "2026-11-28T10:15:30Z",
//     "machineName": "ndes01.contoso.local",
//     "enrolledDateTime": null,
//     "roleScopeTagIds": ["0", "7"],
//     "connectorVersion": "6.2301.1.0",
//     "@odata.etag": "W/\"12\""
//   }
//
// Every property is always present, in proto field order: an unset
// date-time is null, an empty string is "", state is Graph's
// none/active/inactive/unknownFutureValue (a number outside them is printed
// as that number, as a string),
// date-times are RFC 3339 in UTC with "Z" and fractional seconds only when
// non-zero, and the etag is Graph's "@odata.etag". Strings are escaped as
// RFC 8259 requires; UTF-8 passes through. (protobuf's own JSON printer
// would name the state NDES_CONNECTOR_STATE_ACTIVE and omit unset fields.)
//
// Thread-safety: pure functions.
#ifndef NDES_CLIENT_NDESCTL_CONNECTOR_JSON_H_
#define NDES_CLIENT_NDESCTL_CONNECTOR_JSON_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::ndesctl {

// One connector as a pretty-printed JSON object (two-space indent), with no
// trailing newline.
std::string ConnectorToJson(const ndes::v1::NdesConnector& connector);

// A JSON array of connectors ("[]" when empty), objects as above.
std::string ConnectorsToJson(
    const std::vector<ndes::v1::NdesConnector>& connectors);

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text);

// RFC 3339 in UTC: "2026-11-28T10:15:30Z", "2026-11-28T10:15:30.5Z".
std::string FormatDateTime(const google::protobuf::Timestamp& timestamp);

// Graph's name of a state: "none", "active", "inactive",
// "unknownFutureValue"; any other value as its number.
std::string StateName(int state);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_CONNECTOR_JSON_H_
