// Builds the refusals query_errors.h describes. For the parsers of this
// library only.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_QUERY_INTERNAL_QUERY_ERROR_BUILDER_H_
#define NDES_SERVER_QUERY_INTERNAL_QUERY_ERROR_BUILDER_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::query::internal {

// Marks "no position" for the builders below.
inline constexpr std::size_t kNoPosition = static_cast<std::size_t>(-1);

// "invalid <parameter> at position <offset + 1>: <what>", with a field
// violation on `parameter`. `offset` counts bytes from 0, or kNoPosition.
absl::Status InvalidQuery(absl::string_view parameter, std::size_t offset,
                          absl::string_view what);

// "unsupported <parameter> at position <offset + 1>: <what>".
absl::Status UnsupportedQuery(absl::string_view parameter, std::size_t offset,
                              absl::string_view what);

// Caller text for a message: at most 40 bytes of it (then "..."), with
// backslashes, control and non-ASCII bytes escaped (\\, \xNN), so that a
// message never carries a control character.
std::string EscapeForMessage(absl::string_view text);

// EscapeForMessage(text) in single quotes.
std::string QuoteForMessage(absl::string_view text);

// Whether `c` is a control byte (below 0x20, or 0x7f).
bool IsControlByte(char c);

// "invalid <parameter> at position ...: control character '\x01' is not
// allowed", for the byte at `offset` of `text`.
absl::Status ControlCharacterError(absl::string_view parameter,
                                   absl::string_view text, std::size_t offset);

// Refuses text longer than kMaxQueryLength; OK otherwise.
absl::Status CheckQueryLength(absl::string_view parameter,
                              absl::string_view text);

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_QUERY_ERROR_BUILDER_H_
