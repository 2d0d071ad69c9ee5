#include "query/internal/odata_lexer.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_error_builder.h"

namespace ndes::query::internal {
namespace {

bool IsIdentifierStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool IsIdentifierPart(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Date-times (2026-01-01T00:00:00.5+01:00) and numbers.
bool IsUnquotedPart(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == ':' ||
         c == '.' || c == '+' || c == '-';
}

}  // namespace

absl::StatusOr<std::vector<Token>> LexOData(absl::string_view parameter,
                                            absl::string_view text) {
  std::vector<Token> tokens;
  // At most one token per byte, plus kEnd. Reserved at once: growing the
  // vector step by step costs more than this (it re-faults fresh pages for
  // every doubling), and the text is at most kMaxQueryLength bytes.
  tokens.reserve(text.size() + 1);
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == ' ' || c == '\t') {
      ++at;
      continue;
    }
    if (IsControlByte(c)) return ControlCharacterError(parameter, text, at);
    Token token;
    token.offset = at;
    std::size_t end = at + 1;
    if (std::optional<TokenKind> kind = SharedPunctuation(c)) {
      token.kind = *kind;
      token.text = text.substr(at, 1);
      tokens.push_back(std::move(token));
      ++at;
      continue;
    }
    switch (c) {
      case '/':
        token.kind = TokenKind::kSlash;
        break;
      case '\'': {
        token.kind = TokenKind::kString;
        bool closed = false;
        while (end < text.size()) {
          const char d = text[end];
          if (IsControlByte(d))
            return ControlCharacterError(parameter, text, end);
          if (d == '\'') {
            if (end + 1 < text.size() && text[end + 1] == '\'') {
              token.value.push_back('\'');
              end += 2;
              continue;
            }
            ++end;
            closed = true;
            break;
          }
          token.value.push_back(d);
          ++end;
        }
        if (!closed) {
          return InvalidQuery(parameter, at,
                              "unterminated string: a quote (') is missing "
                              "(write '' for a quote inside a string)");
        }
        break;
      }
      default:
        if (IsIdentifierStart(c)) {
          while (end < text.size() && IsIdentifierPart(text[end])) ++end;
        } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
          while (end < text.size() && IsUnquotedPart(text[end])) ++end;
        } else {
          return InvalidQuery(
              parameter, at,
              absl::StrCat("unexpected character ",
                           QuoteForMessage(text.substr(at, 1))));
        }
        token.kind = TokenKind::kWord;
        token.value = std::string(text.substr(at, end - at));
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
