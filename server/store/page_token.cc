#include "store/page_token.h"

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::store {

std::string EncodePageToken(absl::string_view store_tag,
                            absl::string_view last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(store_tag, ".v1:", last_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view store_tag,
                                            absl::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    absl::string_view last_id = raw;
    if (absl::ConsumePrefix(&last_id, store_tag) &&
        absl::ConsumePrefix(&last_id, ".v1:") &&
        translation::ValidateConnectorId(last_id, "page_token").ok() &&
        EncodePageToken(store_tag, last_id) == token) {
      return std::string(last_id);
    }
  }
  constexpr absl::string_view kProblem =
      "is not a page token issued by this store; start again with an empty "
      "page_token";
  return translation::InvalidArgumentWithViolations(
      absl::StrCat("page_token ", kProblem),
      {{"page_token", std::string(kProblem)}});
}

}  // namespace ndes::store
