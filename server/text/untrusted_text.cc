#include "text/untrusted_text.h"

#include <cstddef>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ndes::text {

std::string EscapeUntrusted(absl::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return absl::CHexEscape(text);
  return absl::StrCat(absl::CHexEscape(text.substr(0, max_chars)), "...");
}

std::string QuoteUntrusted(absl::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) {
    return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, max_chars)),
                      "\"...");
}

}  // namespace ndes::text
