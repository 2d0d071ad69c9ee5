#include "query/internal/query_token.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "query/internal/query_error_builder.h"

namespace ndes::query::internal {

std::optional<TokenKind> SharedPunctuation(char c) {
  switch (c) {
    case '(':
      return TokenKind::kOpenParen;
    case ')':
      return TokenKind::kCloseParen;
    case ',':
      return TokenKind::kComma;
    case ':':
      return TokenKind::kColon;
    default:
      return std::nullopt;
  }
}

void AppendEndToken(absl::string_view text, std::vector<Token>* tokens) {
  Token end;
  end.offset = text.size();
  tokens->push_back(std::move(end));
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end of the text";
  // A string is shown as written, in its own quotes.
  if (token.kind == TokenKind::kString) return EscapeForMessage(token.text);
  return QuoteForMessage(token.text);
}

}  // namespace ndes::query::internal
