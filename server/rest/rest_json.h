// JSON on the REST face: reading a request body safely, and writing a
// connector as Graph's entity.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_REST_REST_JSON_H_
#define NDES_SERVER_REST_REST_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpprest/json.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/selection.h"

namespace ndes::rest {

// Arrays and objects nested deeper than this are refused before parsing:
// the parser recurses once per level.
inline constexpr int kMaxJsonNesting = 64;

// Graph's message for a body that is not JSON.
inline constexpr absl::string_view kUnreadablePayload =
    "Unable to read JSON request payload. Please ensure Content-Type header "
    "is set and payload is of valid JSON format.";

// The body as a JSON object. INVALID_ARGUMENT (kUnreadablePayload, and
// why) for an empty body, text that is not JSON, nesting deeper than
// kMaxJsonNesting, or a value that is not an object.
absl::StatusOr<web::json::value> ParseJsonObject(absl::string_view body);

// The connector as Graph answers it (translation/graph_json.h), with only
// the properties `selection` includes (id and @odata.etag always).
web::json::value ConnectorEntityJson(const ndes::v1::NdesConnector& connector,
                                     const query::Selection& selection);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_REST_JSON_H_
