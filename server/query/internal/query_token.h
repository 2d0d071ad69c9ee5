// Tokens of the two filter syntaxes (OData and AIP-160), and a cursor over
// them for the recursive-descent parsers. For this library only.
//
// Thread-safe: plain values.
#ifndef NDES_SERVER_QUERY_INTERNAL_QUERY_TOKEN_H_
#define NDES_SERVER_QUERY_INTERNAL_QUERY_TOKEN_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace ndes::query::internal {

enum class TokenKind {
  kEnd,
  kWord,    // OData identifier or unquoted literal; AIP-160 TEXT
  kString,  // a quoted string; `value` holds it unescaped
  kOpenParen,
  kCloseParen,
  kComma,
  kSlash,  // OData only
  kColon,  // OData lambda separator; AIP-160 "has"
  kDot,    // AIP-160 only
  kEquals,
  kNotEquals,
  kLess,
  kLessEquals,
  kGreater,
  kGreaterEquals,
  kMinus,  // AIP-160 negation
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  // byte offset in the text, from 0
  absl::string_view text;  // as written, quotes included
  std::string value;       // kString: unescaped; kWord: the word
  // AIP-160: the token holds a `*` that is not escaped (a wildcard).
  bool has_wildcard = false;
};

// The kind of the one-byte tokens both syntaxes share: ( ) , and :.
std::optional<TokenKind> SharedPunctuation(char c);

// Ends a token list: the kEnd token at the end of `text`.
void AppendEndToken(absl::string_view text, std::vector<Token>* tokens);

// How a message names a token: the quoted text, or "the end of the text".
std::string DescribeToken(const Token& token);

// Walks a token list that always ends with a kEnd token.
class TokenCursor {
 public:
  explicit TokenCursor(std::vector<Token> tokens)
      : tokens_(std::move(tokens)) {}

  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t at = index_ + ahead;
    return at < tokens_.size() ? tokens_[at] : tokens_.back();
  }
  const Token& Next() {
    const Token& token = Peek();
    if (index_ + 1 < tokens_.size()) ++index_;
    return token;
  }
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  // The current token is a kWord spelled `word` (case-sensitive).
  bool PeekWord(absl::string_view word, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kWord && Peek(ahead).value == word;
  }

 private:
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
};

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_QUERY_TOKEN_H_
