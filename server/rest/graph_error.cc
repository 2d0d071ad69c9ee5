#include "rest/graph_error.h"

#include <string>

#include "query/query_errors.h"

namespace ndes::rest {

GraphErrorKind GraphErrorKindOf(const absl::Status& error) {
  switch (error.code()) {
    case absl::StatusCode::kInvalidArgument:
      if (query::IsUnsupportedQuery(error)) return {501, "NotImplemented"};
      return {400, "BadRequest"};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return {400, "BadRequest"};
    case absl::StatusCode::kUnauthenticated:
      return {401, "InvalidAuthenticationToken"};
    case absl::StatusCode::kPermissionDenied:
      return {403, "Forbidden"};
    case absl::StatusCode::kNotFound:
      return {404, "ResourceNotFound"};
    case absl::StatusCode::kAlreadyExists:
      return {409, "Conflict"};
    case absl::StatusCode::kAborted:
      return {412, "PreconditionFailed"};
    case absl::StatusCode::kResourceExhausted:
      return {429, "TooManyRequests"};
    case absl::StatusCode::kUnimplemented:
      return {501, "NotImplemented"};
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:
      return {503, "ServiceUnavailable"};
    case absl::StatusCode::kDeadlineExceeded:
      return {504, "GatewayTimeout"};
    default:
      return {500, "InternalServerError"};
  }
}

web::json::value GraphErrorBody(absl::string_view code,
                                absl::string_view message) {
  web::json::value error = web::json::value::object();
  error["code"] = web::json::value::string(std::string(code));
  error["message"] = web::json::value::string(std::string(message));
  web::json::value envelope = web::json::value::object();
  envelope["error"] = std::move(error);
  return envelope;
}

void AddInnerError(web::json::value* envelope, absl::Time now,
                   absl::string_view request_id,
                   absl::string_view client_request_id) {
  if (!envelope->is_object() || !envelope->has_object_field("error")) return;
  web::json::value inner = web::json::value::object();
  // Graph writes the date without fractions or offset: "2026-12-05T23:40:00".
  inner["date"] = web::json::value::string(
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", now, absl::UTCTimeZone()));
  inner["request-id"] = web::json::value::string(std::string(request_id));
  inner["client-request-id"] =
      web::json::value::string(std::string(client_request_id));
  (*envelope)["error"]["innerError"] = std::move(inner);
}

}  // namespace ndes::rest
