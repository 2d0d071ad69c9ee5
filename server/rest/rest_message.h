// One request to the REST face and its answer, whether it came as an HTTP
// request of its own or inside a JSON batch (json_batch.h).
#ifndef NDES_SERVER_REST_REST_MESSAGE_H_
#define NDES_SERVER_REST_REST_MESSAGE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cpprest/json.h"

namespace ndes::rest {

struct RestRequest {
  std::string method;  // "GET", "PATCH", ...
  // The path, still percent-encoded ("/beta/deviceManagement/ndesConnectors").
  std::string path;
  // The query's parameters, decoded, in the order sent.
  std::vector<std::pair<std::string, std::string>> query;
  // Header fields, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

struct RestResponse {
  int status = 200;
  // Besides Content-Type and the request ids, which the face adds.
  std::vector<std::pair<std::string, std::string>> headers;
  // An application/json body; none: `text` (text/plain), or no body at all.
  std::optional<web::json::value> json;
  std::optional<std::string> text;
  // What the request amounts to: OK, or the error it was answered with (the
  // call log, the metrics and the error envelope's message use it).
  absl::Status outcome;
  // The RPC this request amounts to ("GetNdesConnector"), for the call log
  // and metrics; "" when it names none (a path that does not exist).
  std::string operation;

  // `status` with Graph's error envelope for `error` (not OK); the face
  // completes the envelope's innerError when it sends it.
  static RestResponse Error(absl::Status error);
  // 405 MethodNotAllowed for `method`, with Allow: `allow`.
  static RestResponse MethodNotAllowed(absl::string_view method,
                                       absl::string_view allow);
  // An UNAUTHENTICATED or PERMISSION_DENIED refusal: 401 (with
  // WWW-Authenticate: Bearer) or 403.
  static RestResponse Refused(absl::Status refusal);
};

using RestDone = absl::AnyInvocable<void(RestResponse) &&>;

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_REST_MESSAGE_H_
