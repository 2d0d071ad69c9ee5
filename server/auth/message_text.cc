#include "auth/message_text.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ndes::auth {

std::string QuoteUntrusted(absl::string_view text) {
  constexpr size_t kMaxChars = 64;
  if (text.size() > kMaxChars) {
    return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxChars)),
                        "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

}  // namespace ndes::auth
