// Splits AIP-160 filter text into tokens. For this library only.
//
//   TEXT     a run of bytes other than whitespace, control bytes and
//            ( ) , . : = ! < > " '  (kWord; a leading `-` is kMinus)
//   STRING   "..." or '...'; \\ \" \' and \* are the only escapes (kString)
//   ( ) , . : = != < <= > >=
// Spaces, tabs, CR and LF separate tokens; any other control byte is
// refused. `has_wildcard` marks a `*` that is not escaped.
//
// Thread-safe: pure function.
#ifndef NDES_SERVER_QUERY_INTERNAL_AIP_LEXER_H_
#define NDES_SERVER_QUERY_INTERNAL_AIP_LEXER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_token.h"

namespace ndes::query::internal {

// The tokens of `text`, ending with kEnd; INVALID_ARGUMENT naming
// `parameter` and the position of an unterminated string, an unknown escape,
// a control byte or a lone `!`.
absl::StatusOr<std::vector<Token>> LexAip(absl::string_view parameter,
                                          absl::string_view text);

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_AIP_LEXER_H_
