// Quoting untrusted text (a kid, an issuer) inside a status message.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_AUTH_MESSAGE_TEXT_H_
#define NDES_SERVER_AUTH_MESSAGE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ndes::auth {

// `text` in double quotes, C-escaped (no control characters or quotes reach
// a log line) and cut to 64 characters with "..." (a caller cannot make
// messages large).
std::string QuoteUntrusted(absl::string_view text);

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_MESSAGE_TEXT_H_
