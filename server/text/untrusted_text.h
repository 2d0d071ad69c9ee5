// Quoting untrusted text (an id, a mask path, a token's claim, an upstream's
// answer) inside a status or log message: the one rule every layer uses.
//
//   absl::NotFoundError(absl::StrCat("service ", QuoteUntrusted(name),
//                                    " is unknown"));
//   // service "a\nb" is unknown;  a long name: "abc...xyz"...
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TEXT_UNTRUSTED_TEXT_H_
#define NDES_SERVER_TEXT_UNTRUSTED_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace ndes::text {

// How much of an untrusted text a message quotes by default.
inline constexpr std::size_t kMaxQuotedChars = 64;

// `text` C-escaped (no control character, quote or invalid UTF-8 reaches a
// message or a log line), cut to `max_chars` characters of the original
// followed by "..." when longer (a caller cannot make messages large).
std::string EscapeUntrusted(absl::string_view text,
                            std::size_t max_chars = kMaxQuotedChars);

// EscapeUntrusted in double quotes, with the "..." of a cut text after the
// closing quote: "abc"...
std::string QuoteUntrusted(absl::string_view text,
                           std::size_t max_chars = kMaxQuotedChars);

}  // namespace ndes::text

#endif  // NDES_SERVER_TEXT_UNTRUSTED_TEXT_H_
