// What the OData and AIP-160 filter parsers share: the token cursor,
// refusals that name a token's position, and the nesting limit that keeps
// their recursion (and that of the evaluator and the writer, which follow
// the tree) bounded. For this library only.
//
// Thread-safe: a parser is used by one thread for one text.
#ifndef NDES_SERVER_QUERY_INTERNAL_FILTER_PARSER_BASE_H_
#define NDES_SERVER_QUERY_INTERNAL_FILTER_PARSER_BASE_H_

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/filter.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_token.h"

namespace ndes::query::internal {

class FilterParserBase {
 protected:
  // `parameter` names the query parameter in refusals; it must outlive the
  // parser.
  FilterParserBase(absl::string_view parameter, std::vector<Token> tokens)
      : parameter_(parameter), tokens_(std::move(tokens)) {}

  TokenCursor& tokens() { return tokens_; }
  const TokenCursor& tokens() const { return tokens_; }

  // "invalid <parameter> at position <at>: <what>" and its "unsupported"
  // counterpart (query_errors.h).
  absl::Status Invalid(const Token& at, absl::string_view what) const;
  absl::Status Unsupported(const Token& at, absl::string_view what) const;

  // Consumes a token of `kind`; otherwise "expected '<spelled>', found ...".
  absl::Status Expect(TokenKind kind, absl::string_view spelled);

  // One level deeper (a parenthesis, a negation, a call); refused beyond
  // kMaxFilterNesting. Every successful Enter is matched by a Leave.
  absl::Status Enter(const Token& at);
  void Leave() { --depth_; }

  // One or more of what parse_item() reads, separated by tokens for which
  // is_separator(token) holds.
  template <typename T, typename IsSeparator, typename ParseItem>
  absl::StatusOr<std::vector<T>> ParseSeparated(IsSeparator is_separator,
                                                ParseItem parse_item) {
    std::vector<T> items;
    while (true) {
      absl::StatusOr<T> item = parse_item();
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      if (!is_separator(tokens_.Peek())) return items;
      tokens_.Next();
    }
  }

  // The same, separated by the word `separator` ("or", "AND", ...).
  template <typename T, typename ParseItem>
  absl::StatusOr<std::vector<T>> ParseSeparatedByWord(
      absl::string_view separator, ParseItem parse_item) {
    return ParseSeparated<T>(
        [separator](const Token& token) {
          return token.kind == TokenKind::kWord && token.value == separator;
        },
        parse_item);
  }

  // "(" what parse_inner() reads ")", one level deeper; the current token is
  // the "(".
  template <typename ParseInner>
  absl::StatusOr<Filter> ParseParenthesised(ParseInner parse_inner) {
    const Token& open = tokens_.Next();
    if (absl::Status status = Enter(open); !status.ok()) return status;
    absl::StatusOr<Filter> inner = parse_inner();
    if (!inner.ok()) return inner;
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    return inner;
  }

  // The negation of what parse_operand() reads, one level deeper;
  // `negation` is the token already consumed.
  template <typename ParseOperand>
  absl::StatusOr<Filter> ParseNegated(const Token& negation,
                                      ParseOperand parse_operand) {
    if (absl::Status status = Enter(negation); !status.ok()) return status;
    absl::StatusOr<Filter> operand = parse_operand();
    if (!operand.ok()) return operand;
    Leave();
    return Filter::Not(*std::move(operand));
  }

 private:
  absl::string_view parameter_;
  TokenCursor tokens_;
  int depth_ = 0;
};

using FilterLexer = absl::StatusOr<std::vector<Token>> (*)(
    absl::string_view parameter, absl::string_view text);

// The whole of a filter parse: refuses text over kMaxQueryLength, lexes it,
// gives MatchAll for blank text, and otherwise what
// Parser(parameter, tokens).ParseAll() gives.
template <typename Parser>
absl::StatusOr<Filter> ParseFilterText(absl::string_view parameter,
                                       absl::string_view text,
                                       FilterLexer lex) {
  if (absl::Status status = CheckQueryLength(parameter, text); !status.ok()) {
    return status;
  }
  absl::StatusOr<std::vector<Token>> tokens = lex(parameter, text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Filter::MatchAll();  // only kEnd
  return Parser(parameter, *std::move(tokens)).ParseAll();
}

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_FILTER_PARSER_BASE_H_
