#include "auth/bearer.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace ndes::auth {
namespace {

constexpr absl::string_view kScheme = "Bearer ";

// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
// *"=".
bool IsB64Token(absl::string_view text) {
  size_t i = 0;
  while (i < text.size() &&
         (absl::ascii_isalnum(static_cast<unsigned char>(text[i])) ||
          text[i] == '-' || text[i] == '.' || text[i] == '_' ||
          text[i] == '~' || text[i] == '+' || text[i] == '/')) {
    ++i;
  }
  if (i == 0) return false;
  while (i < text.size() && text[i] == '=') ++i;
  return i == text.size();
}

}  // namespace

absl::StatusOr<absl::string_view> ExtractBearerToken(
    absl::string_view authorization) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing bearer token");
  }
  if (!absl::StartsWithIgnoreCase(authorization, kScheme)) {
    // "Bearer" without a token.
    if (absl::EqualsIgnoreCase(
            absl::StripTrailingAsciiWhitespace(authorization), "bearer")) {
      return absl::UnauthenticatedError("missing bearer token");
    }
    return absl::UnauthenticatedError("authorization is not a bearer token");
  }
  absl::string_view token = authorization.substr(kScheme.size());
  if (token.empty()) return absl::UnauthenticatedError("missing bearer token");
  if (!IsB64Token(token)) {
    return absl::UnauthenticatedError("authorization is not a bearer token");
  }
  return token;
}

}  // namespace ndes::auth
