// Splits OData $filter text into tokens. For this library only.
//
//   identifier  [A-Za-z_][A-Za-z0-9_]*            (kWord)
//   unquoted    [0-9][0-9A-Za-z:.+-]*             (kWord: date-times, numbers)
//   string      '...' with '' for a quote         (kString)
//   ( ) , / :                                     punctuation
// Spaces and tabs separate tokens. Any other byte outside a string, and any
// control byte anywhere, is refused.
//
// Thread-safe: pure function.
#ifndef NDES_SERVER_QUERY_INTERNAL_ODATA_LEXER_H_
#define NDES_SERVER_QUERY_INTERNAL_ODATA_LEXER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_token.h"

namespace ndes::query::internal {

// The tokens of `text`, ending with kEnd; INVALID_ARGUMENT naming
// `parameter` and the position of an unterminated string or a byte that
// starts no token.
absl::StatusOr<std::vector<Token>> LexOData(absl::string_view parameter,
                                            absl::string_view text);

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_ODATA_LEXER_H_
