#include "graph/graph_urls.h"

#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cpprest/base_uri.h"
#include "text/untrusted_text.h"

namespace ndes::graph {

absl::StatusOr<std::string> CheckedBaseUrl(absl::string_view base_url) {
  std::string base(absl::StripSuffix(base_url, "/"));
  try {
    web::uri uri(base);
    if ((uri.scheme() != "http" && uri.scheme() != "https") ||
        uri.host().empty() || !uri.query().empty() || !uri.fragment().empty() ||
        !uri.user_info().empty()) {
      throw web::uri_exception("not a base URL");
    }
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--graph_base_url=", base_url,
        " is not an absolute http(s) URL without query or fragment, e.g. "
        "https://graph.microsoft.com/beta"));
  }
  return base;
}

std::string CollectionUrl(absl::string_view base_url) {
  return absl::StrCat(base_url, "/deviceManagement/ndesConnectors");
}

absl::StatusOr<std::string> IdSegment(absl::string_view id) {
  if (id.empty() || id == "." || id == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat(text::QuoteUntrusted(id), " is not a connector id"));
  }
  std::string segment;
  for (unsigned char c : id) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_') {
      segment.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&segment, "%",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(&c), 1)));
    }
  }
  return segment;
}

}  // namespace ndes::graph
