#include "rest/rest_json.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "query/query_properties.h"
#include "translation/graph_json.h"

namespace ndes::rest {
namespace {

// Whether `text` nests arrays and objects at most `limit` deep, counting
// brackets outside strings. Malformed text may pass: the parser refuses it.
bool NestingWithin(absl::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

absl::Status Unreadable(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(kUnreadablePayload, " (", why, ")"));
}

}  // namespace

absl::StatusOr<web::json::value> ParseJsonObject(absl::string_view body) {
  if (body.empty()) return Unreadable("the body is empty");
  if (!NestingWithin(body, kMaxJsonNesting)) {
    return Unreadable(
        absl::StrCat("nested deeper than ", kMaxJsonNesting, " levels"));
  }
  std::error_code error;
  web::json::value json = web::json::value::parse(std::string(body), error);
  if (error) return Unreadable(error.message());
  if (!json.is_object()) return Unreadable("the body is not a JSON object");
  return json;
}

web::json::value ConnectorEntityJson(const ndes::v1::NdesConnector& connector,
                                     const query::Selection& selection) {
  web::json::value json = translation::ConnectorToGraphJson(connector);
  if (selection.all()) return json;
  for (const query::Property& property : query::QueryableProperties()) {
    if (property.graph_name() == "id" || selection.Includes(property)) {
      continue;
    }
    json.erase(property.graph_name());
  }
  return json;
}

}  // namespace ndes::rest
