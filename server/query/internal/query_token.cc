#include "query/internal/query_token.h"

#include <string>

#include "query/internal/query_error_builder.h"

namespace ndes::query::internal {

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end of the text";
  // A string is shown as written, in its own quotes.
  if (token.kind == TokenKind::kString) return EscapeForMessage(token.text);
  return QuoteForMessage(token.text);
}

}  // namespace ndes::query::internal
