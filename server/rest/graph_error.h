// How the REST face answers an error: the HTTP status and Graph error code
// for an absl::Status, and Graph's error envelope.
//
//   {"error": {"code": "ResourceNotFound",
//              "message": "connector \"x\" not found",
//              "innerError": {"date": "2026-12-05T23:40:00",
//                             "request-id": "…", "client-request-id": "…"}}}
//
// Codes are those Graph's Intune endpoints answer: the HTTP reason phrase in
// PascalCase.
//
//   status                    HTTP  code
//   INVALID_ARGUMENT,         400   BadRequest
//   FAILED_PRECONDITION,
//   OUT_OF_RANGE
//   an unsupported query      501   NotImplemented (query/query_errors.h)
//   UNAUTHENTICATED           401   InvalidAuthenticationToken
//   PERMISSION_DENIED         403   Forbidden
//   NOT_FOUND                 404   ResourceNotFound
//   ALREADY_EXISTS            409   Conflict
//   ABORTED                   412   PreconditionFailed (an etag mismatch)
//   RESOURCE_EXHAUSTED        429   TooManyRequests (Retry-After when the
//                                   status carries a RetryInfo)
//   UNIMPLEMENTED             501   NotImplemented
//   UNAVAILABLE, CANCELLED    503   ServiceUnavailable
//   DEADLINE_EXCEEDED         504   GatewayTimeout
//   anything else             500   InternalServerError
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_REST_GRAPH_ERROR_H_
#define NDES_SERVER_REST_GRAPH_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cpprest/json.h"

namespace ndes::rest {

struct GraphErrorKind {
  int http_status;
  absl::string_view code;
};

// `error` must not be OK.
GraphErrorKind GraphErrorKindOf(const absl::Status& error);

// 405 and 424 have no absl::StatusCode of their own; the face answers them
// with these codes.
inline constexpr absl::string_view kMethodNotAllowedCode = "MethodNotAllowed";
inline constexpr absl::string_view kFailedDependencyCode = "FailedDependency";

// The envelope, without innerError.
web::json::value GraphErrorBody(absl::string_view code,
                                absl::string_view message);

// Adds innerError (date in Graph's format, UTC without offset, request-id,
// client-request-id) to an envelope made by GraphErrorBody.
void AddInnerError(web::json::value* envelope, absl::Time now,
                   absl::string_view request_id,
                   absl::string_view client_request_id);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_GRAPH_ERROR_H_
