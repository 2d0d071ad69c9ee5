#include "auth/base64url.h"

#include "absl/strings/escaping.h"

namespace ndes::auth {
namespace {

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<std::string> DecodeBase64Url(absl::string_view text) {
  // abseil's decoder tolerates padding; JWS forbids it, and a length of
  // 4n+1 cannot come from any byte string.
  if (text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    if (!IsBase64UrlChar(c)) return std::nullopt;
  }
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(text, &bytes)) return std::nullopt;
  return bytes;
}

std::string EncodeBase64Url(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

}  // namespace ndes::auth
