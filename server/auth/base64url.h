// Base64url without padding (RFC 4648 section 5, as JOSE uses it).
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_AUTH_BASE64URL_H_
#define NDES_SERVER_AUTH_BASE64URL_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace ndes::auth {

// Decodes base64url. Strict, as JWS requires: no padding, no whitespace, no
// characters outside [A-Za-z0-9_-]. nullopt if `text` is not such a string.
std::optional<std::string> DecodeBase64Url(absl::string_view text);

// Encodes base64url without padding.
std::string EncodeBase64Url(absl::string_view bytes);

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_BASE64URL_H_
