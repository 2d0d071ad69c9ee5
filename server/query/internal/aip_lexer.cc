#include "query/internal/aip_lexer.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_error_builder.h"

namespace ndes::query::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsTextPart(char c) {
  if (IsSpace(c) || IsControlByte(c)) return false;
  switch (c) {
    case '(':
    case ')':
    case ',':
    case '.':
    case ':':
    case '=':
    case '!':
    case '<':
    case '>':
    case '"':
    case '\'':
      return false;
    default:
      return true;
  }
}

// Reads the string whose opening quote is at `at`; sets `*end` past the
// closing quote.
absl::Status LexString(absl::string_view parameter, absl::string_view text,
                       std::size_t at, Token* token, std::size_t* end) {
  const char quote = text[at];
  std::size_t i = at + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (IsControlByte(c)) return ControlCharacterError(parameter, text, i);
    if (c == quote) {
      *end = i + 1;
      return absl::OkStatus();
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) break;
      const char escaped = text[i + 1];
      if (escaped != '\\' && escaped != '"' && escaped != '\'' &&
          escaped != '*') {
        return InvalidQuery(
            parameter, i,
            absl::StrCat("unknown escape ", QuoteForMessage(text.substr(i, 2)),
                         " (escapes are \\\\, \\\", \\' and "
                         "\\*)"));
      }
      token->value.push_back(escaped);
      i += 2;
      continue;
    }
    if (c == '*') token->has_wildcard = true;
    token->value.push_back(c);
    ++i;
  }
  return InvalidQuery(parameter, at,
                      absl::StrCat("unterminated string: the closing ",
                                   quote == '"' ? "\"" : "'", " is missing"));
}

}  // namespace

absl::StatusOr<std::vector<Token>> LexAip(absl::string_view parameter,
                                          absl::string_view text) {
  std::vector<Token> tokens;
  // At most one token per byte, plus kEnd. Reserved at once: growing the
  // vector step by step costs more than this (it re-faults fresh pages for
  // every doubling), and the text is at most kMaxQueryLength bytes.
  tokens.reserve(text.size() + 1);
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (IsSpace(c)) {
      ++at;
      continue;
    }
    if (IsControlByte(c)) return ControlCharacterError(parameter, text, at);
    Token token;
    token.offset = at;
    std::size_t end = at + 1;
    const char next = at + 1 < text.size() ? text[at + 1] : '\0';
    if (std::optional<TokenKind> kind = SharedPunctuation(c)) {
      token.kind = *kind;
      token.text = text.substr(at, 1);
      tokens.push_back(std::move(token));
      ++at;
      continue;
    }
    switch (c) {
      case '.':
        token.kind = TokenKind::kDot;
        break;
      case '=':
        token.kind = TokenKind::kEquals;
        break;
      case '!':
        if (next != '=') {
          return InvalidQuery(parameter, at,
                              "'!' must be followed by '=' (negation is NOT "
                              "or '-')");
        }
        token.kind = TokenKind::kNotEquals;
        end = at + 2;
        break;
      case '<':
        token.kind = next == '=' ? TokenKind::kLessEquals : TokenKind::kLess;
        end = next == '=' ? at + 2 : at + 1;
        break;
      case '>':
        token.kind =
            next == '=' ? TokenKind::kGreaterEquals : TokenKind::kGreater;
        end = next == '=' ? at + 2 : at + 1;
        break;
      case '-':
        token.kind = TokenKind::kMinus;
        break;
      case '"':
      case '\'': {
        token.kind = TokenKind::kString;
        if (absl::Status status = LexString(parameter, text, at, &token, &end);
            !status.ok()) {
          return status;
        }
        break;
      }
      default:
        while (end < text.size() && IsTextPart(text[end])) ++end;
        token.kind = TokenKind::kWord;
        token.value = std::string(text.substr(at, end - at));
        token.has_wildcard = token.value.find('*') != std::string::npos;
        break;
    }
    token.text = text.substr(at, end - at);
    tokens.push_back(std::move(token));
    at = end;
  }
  AppendEndToken(text, &tokens);
  return tokens;
}

}  // namespace ndes::query::internal
