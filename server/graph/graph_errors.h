// Microsoft Graph HTTP errors -> absl::Status: the one place where Graph's
// error answers get a gRPC code.
//
// Graph's error envelope is
//   {"error": {"code": "ResourceNotFound", "message": "...",
//              "innerError": {"request-id": "...", "client-request-id": "...",
//                             "date": "..."}}}
// and Intune often puts a JSON document inside "message":
//   "{\"_version\": 3, \"Message\": \"An internal server error has occurred -
//    Operation ID ...\", ...}"
// which is unwrapped to its "Message". Any body at all is accepted: a body
// that is not JSON or not an envelope still gives a status, never a crash.
//
// Mapping (SPEC): 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED,
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ABORTED, 412 ABORTED (etag),
// 429 RESOURCE_EXHAUSTED, 502/503/504 UNAVAILABLE, 408 DEADLINE_EXCEEDED,
// 500 and other 5xx INTERNAL, other 4xx FAILED_PRECONDITION.
//
// The message names the HTTP status, Graph's error code, its message and its
// request-id, e.g.
//   Graph answered 404 ResourceNotFound: Resource not found
//   (request-id: 7b3a..., client-request-id: 0f1e...)
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_GRAPH_GRAPH_ERRORS_H_
#define NDES_SERVER_GRAPH_GRAPH_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "http/http_client.h"

namespace ndes::graph {

struct GraphError {
  int http_status = 0;
  std::string code;               // "ResourceNotFound"; empty if none
  std::string message;            // unwrapped; empty if none
  std::string request_id;         // innerError.request-id or the header
  std::string client_request_id;  // innerError.client-request-id or header
};

// Reads the error envelope of a non-2xx answer (falling back to the
// request-id / client-request-id headers, and to nothing for a body that is
// not an envelope).
GraphError ParseGraphError(const http::HttpResponse& response);

// The gRPC code for an HTTP error status, per the mapping above.
absl::StatusCode StatusCodeForHttpStatus(int http_status);

// The status for a non-2xx answer: StatusCodeForHttpStatus and a message as
// above. Error messages are capped in length; control characters are
// escaped.
absl::Status StatusFromGraphError(const http::HttpResponse& response);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_ERRORS_H_
