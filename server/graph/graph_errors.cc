#include "graph/graph_errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "cpprest/json.h"

namespace ndes::graph {
namespace {

constexpr std::size_t kMaxMessageLength = 512;

// The string member `name` of `object`, or "" when absent or not a string.
std::string StringMember(const web::json::value& object,
                         const std::string& name) {
  if (!object.is_object() || !object.has_field(name)) return "";
  const web::json::value& member = object.at(name);
  return member.is_string() ? member.as_string() : "";
}

// Intune's services put a JSON document in the error message; its
// "Message" is the text meant for people.
std::string UnwrapIntuneMessage(const std::string& message) {
  if (message.empty() || message.front() != '{') return message;
  std::error_code error;
  web::json::value inner = web::json::value::parse(message, error);
  if (error) return message;
  for (const char* name : {"Message", "message"}) {
    std::string unwrapped = StringMember(inner, name);
    if (!unwrapped.empty()) return unwrapped;
  }
  return message;
}

// Graph's text as it is, but for control characters, which are escaped so
// that no message can forge a log line or drive a terminal.
std::string Printable(const std::string& text) {
  const bool cut = text.size() > kMaxMessageLength;
  std::string result;
  for (char c : cut ? text.substr(0, kMaxMessageLength) : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&result, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      result.push_back(c);
    }
  }
  if (cut) result += "...";
  return result;
}

}  // namespace

GraphError ParseGraphError(const http::HttpResponse& response) {
  GraphError result;
  result.http_status = response.status_code;
  std::error_code error;
  web::json::value body = web::json::value::parse(response.body, error);
  if (!error && body.is_object() && body.has_field("error") &&
      body.at("error").is_object()) {
    const web::json::value& envelope = body.at("error");
    result.code = StringMember(envelope, "code");
    result.message = UnwrapIntuneMessage(StringMember(envelope, "message"));
    for (const char* inner_name : {"innerError", "innererror"}) {
      if (!envelope.has_field(inner_name)) continue;
      const web::json::value& inner = envelope.at(inner_name);
      result.request_id = StringMember(inner, "request-id");
      result.client_request_id = StringMember(inner, "client-request-id");
    }
  }
  if (result.request_id.empty()) {
    result.request_id = response.Header("request-id").value_or("");
  }
  if (result.client_request_id.empty()) {
    result.client_request_id =
        response.Header("client-request-id").value_or("");
  }
  return result;
}

absl::StatusCode StatusCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
    case 412:
      return absl::StatusCode::kAborted;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      break;
  }
  if (http_status >= 500) return absl::StatusCode::kInternal;
  if (http_status >= 400) return absl::StatusCode::kFailedPrecondition;
  // A 1xx or 3xx answer where a result or an error was expected.
  return absl::StatusCode::kInternal;
}

absl::Status StatusFromGraphError(const http::HttpResponse& response) {
  const GraphError error = ParseGraphError(response);
  std::string message = absl::StrCat("Graph answered ", error.http_status);
  if (!error.code.empty())
    absl::StrAppend(&message, " ", Printable(error.code));
  if (!error.message.empty()) {
    absl::StrAppend(&message, ": ", Printable(error.message));
  }
  if (error.http_status == 412) {
    absl::StrAppend(&message, " (the etag is stale: read again and retry)");
  }
  if (!error.request_id.empty() || !error.client_request_id.empty()) {
    absl::StrAppend(&message, " (request-id: ", Printable(error.request_id),
                    ", client-request-id: ", Printable(error.client_request_id),
                    ")");
  }
  return absl::Status(StatusCodeForHttpStatus(error.http_status), message);
}

}  // namespace ndes::graph
