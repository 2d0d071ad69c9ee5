#include "rest/rest_message.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rest/graph_error.h"
#include "text/untrusted_text.h"
#include "translation/status_details.h"

namespace ndes::rest {

std::optional<std::string> RestRequest::Header(absl::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (absl::EqualsIgnoreCase(field, name)) return value;
  }
  return std::nullopt;
}

RestResponse RestResponse::Error(absl::Status error) {
  const GraphErrorKind kind = GraphErrorKindOf(error);
  RestResponse response;
  response.status = kind.http_status;
  response.json = GraphErrorBody(kind.code, error.message());
  if (std::optional<absl::Duration> delay = translation::RetryDelayOf(error);
      delay.has_value()) {
    // Whole seconds, rounded up: Retry-After has no fractions.
    const int64_t seconds =
        absl::ToInt64Seconds(absl::Ceil(*delay, absl::Seconds(1)));
    response.headers.emplace_back("Retry-After",
                                  std::to_string(seconds < 1 ? 1 : seconds));
  }
  response.outcome = std::move(error);
  return response;
}

RestResponse RestResponse::MethodNotAllowed(absl::string_view method,
                                            absl::string_view allow) {
  RestResponse response = Error(absl::UnimplementedError(
      absl::StrCat("The HTTP method '", text::EscapeUntrusted(method),
                   "' is not allowed on this resource.")));
  response.status = 405;
  response.json =
      GraphErrorBody(kMethodNotAllowedCode, response.outcome.message());
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

RestResponse RestResponse::Refused(absl::Status refusal) {
  RestResponse response = Error(std::move(refusal));
  if (response.status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

}  // namespace ndes::rest
