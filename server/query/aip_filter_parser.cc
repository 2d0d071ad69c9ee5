#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "query/aip_filter.h"
#include "query/filter.h"
#include "query/internal/aip_lexer.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_token.h"
#include "query/query_errors.h"
#include "query/query_properties.h"
#include "translation/date_time.h"

namespace ndes::query {
namespace {

using internal::DescribeToken;
using internal::QuoteForMessage;
using internal::Token;
using internal::TokenCursor;
using internal::TokenKind;

constexpr absl::string_view kParameter = "filter";

bool IsKeyword(const Token& token) {
  return token.kind == TokenKind::kWord &&
         (token.value == "AND" || token.value == "OR" || token.value == "NOT");
}

bool IsLowercaseKeyword(const Token& token) {
  return token.kind == TokenKind::kWord &&
         (token.value == "and" || token.value == "or" || token.value == "not");
}

bool IsComparator(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEquals:
    case TokenKind::kNotEquals:
    case TokenKind::kColon:
    case TokenKind::kLess:
    case TokenKind::kLessEquals:
    case TokenKind::kGreater:
    case TokenKind::kGreaterEquals:
      return true;
    default:
      return false;
  }
}

// Tokens that can start a term: a sequence goes on while one follows.
bool StartsTerm(const Token& token) {
  switch (token.kind) {
    case TokenKind::kWord:
      return token.value != "AND" && token.value != "OR";
    case TokenKind::kString:
    case TokenKind::kOpenParen:
    case TokenKind::kMinus:
      return true;
    default:
      return false;
  }
}

class AipFilterParser {
 public:
  explicit AipFilterParser(std::vector<Token> tokens)
      : tokens_(std::move(tokens)) {}

  absl::StatusOr<Filter> ParseAll() {
    absl::StatusOr<Filter> filter = ParseExpression();
    if (!filter.ok()) return filter;
    if (!tokens_.AtEnd()) return UnexpectedAfterRestriction();
    return filter;
  }

 private:
  absl::Status Invalid(const Token& at, absl::string_view what) const {
    return internal::InvalidQuery(kParameter, at.offset, what);
  }
  absl::Status Unsupported(const Token& at, absl::string_view what) const {
    return internal::UnsupportedQuery(kParameter, at.offset, what);
  }

  absl::Status UnexpectedAfterRestriction() const {
    const Token& token = tokens_.Peek();
    return Invalid(token, absl::StrCat("expected AND, OR, a restriction or "
                                       "the end, found ",
                                       DescribeToken(token)));
  }

  absl::Status Expect(TokenKind kind, absl::string_view spelled) {
    if (tokens_.Peek().kind == kind) {
      tokens_.Next();
      return absl::OkStatus();
    }
    return Invalid(tokens_.Peek(),
                   absl::StrCat("expected '", spelled, "', found ",
                                DescribeToken(tokens_.Peek())));
  }

  // Parentheses, NOT / - and function calls each go one level deeper.
  absl::Status Enter(const Token& at) {
    if (++depth_ <= kMaxFilterNesting) return absl::OkStatus();
    return Invalid(
        at, absl::StrCat("nested deeper than ", kMaxFilterNesting, " levels"));
  }
  void Leave() { --depth_; }

  // expression: sequence {AND sequence}; sequence: factor {factor}. Both
  // are conjunctions, so their factors form one kAnd.
  absl::StatusOr<Filter> ParseExpression() {
    std::vector<Filter> factors;
    while (true) {
      absl::StatusOr<Filter> factor = ParseFactor();
      if (!factor.ok()) return factor;
      factors.push_back(*std::move(factor));
      if (tokens_.PeekWord("AND")) {
        tokens_.Next();
        continue;
      }
      if (!StartsTerm(tokens_.Peek())) break;
    }
    return Filter::And(std::move(factors));
  }

  // factor: term {OR term}
  absl::StatusOr<Filter> ParseFactor() {
    std::vector<Filter> terms;
    do {
      absl::StatusOr<Filter> term = ParseTerm();
      if (!term.ok()) return term;
      terms.push_back(*std::move(term));
    } while (tokens_.PeekWord("OR") && (tokens_.Next(), true));
    return Filter::Or(std::move(terms));
  }

  // term: [NOT | -] simple
  absl::StatusOr<Filter> ParseTerm() {
    if (!tokens_.PeekWord("NOT") && tokens_.Peek().kind != TokenKind::kMinus) {
      return ParseSimple();
    }
    const Token& negation = tokens_.Next();
    if (absl::Status status = Enter(negation); !status.ok()) return status;
    absl::StatusOr<Filter> operand = ParseSimple();
    if (!operand.ok()) return operand;
    Leave();
    return Filter::Not(*std::move(operand));
  }

  // simple: restriction | "(" expression ")"
  absl::StatusOr<Filter> ParseSimple() {
    const Token& token = tokens_.Peek();
    if (token.kind == TokenKind::kOpenParen) {
      tokens_.Next();
      if (absl::Status status = Enter(token); !status.ok()) return status;
      absl::StatusOr<Filter> inner = ParseExpression();
      if (!inner.ok()) return inner;
      if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
          !status.ok()) {
        return status;
      }
      Leave();
      return inner;
    }
    if (IsLowercaseKeyword(token)) {
      return Invalid(token, absl::StrCat(DescribeToken(token),
                                         " is not an operator: logical "
                                         "operators are uppercase (AND, OR, "
                                         "NOT)"));
    }
    if (token.kind == TokenKind::kString ||
        (token.kind == TokenKind::kWord && !IsKeyword(token) &&
         !IsComparator(tokens_.Peek(1).kind) &&
         tokens_.Peek(1).kind != TokenKind::kOpenParen &&
         tokens_.Peek(1).kind != TokenKind::kDot &&
         !PropertyByProtoName(token.value).has_value())) {
      return Unsupported(token,
                         absl::StrCat("a bare value (", DescribeToken(token),
                                      ") is not supported; compare a "
                                      "field: field = value"));
    }
    if (token.kind != TokenKind::kWord || IsKeyword(token)) {
      return Invalid(token, absl::StrCat("expected a restriction, found ",
                                         DescribeToken(token)));
    }
    return ParseRestriction();
  }

  // restriction: comparable [comparator arg]; comparable: member | function
  absl::StatusOr<Filter> ParseRestriction() {
    const Token& first = tokens_.Next();
    std::string path = first.value;
    while (tokens_.Peek().kind == TokenKind::kDot &&
           tokens_.Peek(1).kind == TokenKind::kWord) {
      tokens_.Next();
      absl::StrAppend(&path, ".", tokens_.Next().value);
    }
    if (tokens_.Peek().kind == TokenKind::kOpenParen) {
      return ParseFunction(first, path);
    }
    std::optional<Property> property = PropertyByProtoName(path);
    if (!property.has_value()) {
      return Invalid(first, absl::StrCat(QuoteForMessage(path),
                                         " is not a field of NdesConnector"));
    }
    const Token& comparator = tokens_.Peek();
    switch (comparator.kind) {
      case TokenKind::kEquals:
      case TokenKind::kNotEquals:
        tokens_.Next();
        return ParseEquality(*property, comparator);
      case TokenKind::kColon:
        tokens_.Next();
        return ParseHas(*property, comparator);
      case TokenKind::kLess:
      case TokenKind::kLessEquals:
      case TokenKind::kGreater:
      case TokenKind::kGreaterEquals:
        return Unsupported(
            comparator, absl::StrCat("comparator ", DescribeToken(comparator),
                                     " is not supported; use =, != or :"));
      default:
        return Unsupported(
            first, absl::StrCat("a field alone (", property->proto_name(),
                                ") is not a condition; "
                                "compare it: ",
                                property->proto_name(), " = value"));
    }
  }

  // starts_with(field, "x") and contains(field, "x").
  absl::StatusOr<Filter> ParseFunction(const Token& name,
                                       const std::string& path) {
    const bool starts_with = path == "starts_with";
    if (!starts_with && path != "contains") {
      return Invalid(name,
                     absl::StrCat("unknown function ", QuoteForMessage(path),
                                  "; the functions are starts_with "
                                  "and contains"));
    }
    if (absl::Status status = Enter(name); !status.ok()) return status;
    tokens_.Next();  // (
    const Token& field = tokens_.Peek();
    std::optional<Property> property;
    if (field.kind == TokenKind::kWord) {
      property = PropertyByProtoName(field.value);
    }
    if (!property.has_value() || property->type() != PropertyType::kString) {
      return Invalid(field, absl::StrCat(path,
                                         "() takes a string field "
                                         "first, found ",
                                         DescribeToken(field)));
    }
    tokens_.Next();
    if (absl::Status status = Expect(TokenKind::kComma, ","); !status.ok()) {
      return status;
    }
    const Token& argument = tokens_.Peek();
    if (argument.kind != TokenKind::kString &&
        (argument.kind != TokenKind::kWord || IsKeyword(argument))) {
      return Invalid(argument, absl::StrCat("expected a string, found ",
                                            DescribeToken(argument)));
    }
    tokens_.Next();
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    if (IsComparator(tokens_.Peek().kind)) {
      return Unsupported(tokens_.Peek(),
                         absl::StrCat(path,
                                      "() is a condition by itself; it "
                                      "cannot be compared"));
    }
    return starts_with ? Filter::StartsWith(*property, argument.value)
                       : Filter::Contains(*property, argument.value);
  }

  absl::StatusOr<Filter> ParseEquality(const Property& property,
                                       const Token& comparator) {
    const bool equal = comparator.kind == TokenKind::kEquals;
    if (property.type() == PropertyType::kStringCollection) {
      return Invalid(comparator,
                     absl::StrCat(property.proto_name(),
                                  " is repeated: test membership with ",
                                  property.proto_name(), ":\"value\""));
    }
    if (tokens_.Peek().kind != TokenKind::kOpenParen) {
      absl::StatusOr<Literal> value = ParseValue(property);
      if (!value.ok()) return value.status();
      return equal ? Filter::Equal(property, *std::move(value))
                   : Filter::NotEqual(property, *std::move(value));
    }
    // field = (a OR b): the field equals one of the values.
    const Token& open = tokens_.Next();
    if (!equal) {
      return Unsupported(open,
                         absl::StrCat("!= takes one value; for none of "
                                      "several write NOT ",
                                      property.proto_name(), " = (a OR b)"));
    }
    if (absl::Status status = Enter(open); !status.ok()) return status;
    std::vector<Literal> values;
    do {
      absl::StatusOr<Literal> value = ParseValue(property);
      if (!value.ok()) return value.status();
      values.push_back(*std::move(value));
    } while (tokens_.PeekWord("OR") && (tokens_.Next(), true));
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    return Filter::In(property, std::move(values));
  }

  // field:value — membership of a repeated field; field:* — presence.
  absl::StatusOr<Filter> ParseHas(const Property& property,
                                  const Token& comparator) {
    const Token& value = tokens_.Peek();
    const bool presence = value.kind == TokenKind::kWord && value.value == "*";
    if (property.type() == PropertyType::kStringCollection) {
      if (presence) {
        return Unsupported(value,
                           absl::StrCat(property.proto_name(),
                                        ":* is not supported; test "
                                        "one element: ",
                                        property.proto_name(), ":\"value\""));
      }
      absl::StatusOr<std::string> element = ParseString(property);
      if (!element.ok()) return element.status();
      return Filter::AnyEqual(property, *std::move(element));
    }
    if (presence && property.type() != PropertyType::kState) {
      tokens_.Next();
      return Filter::NotEqual(property, NullLiteral{});
    }
    if (presence) {
      return Invalid(value,
                     absl::StrCat(property.proto_name(), " is always set"));
    }
    return Unsupported(
        comparator,
        absl::StrCat("':' on ", property.proto_name(), " only tests presence (",
                     property.proto_name(), ":*); use = or contains()"));
  }

  // A STRING or TEXT value, with no wildcard.
  absl::StatusOr<std::string> ParseString(const Property& property) {
    const Token& token = tokens_.Peek();
    if (token.kind != TokenKind::kString &&
        (token.kind != TokenKind::kWord || IsKeyword(token))) {
      return Invalid(
          token, absl::StrCat("expected a value for ", property.proto_name(),
                              ", found ", DescribeToken(token)));
    }
    if (token.has_wildcard) {
      return Unsupported(token,
                         "wildcards (*) are not supported; use "
                         "starts_with() or contains(), or write \\* "
                         "in a quoted string for a literal *");
    }
    tokens_.Next();
    return token.value;
  }

  absl::StatusOr<Literal> ParseValue(const Property& property) {
    const Token& token = tokens_.Peek();
    absl::StatusOr<std::string> text = ParseString(property);
    if (!text.ok()) return text.status();
    switch (property.type()) {
      case PropertyType::kString:
        return *std::move(text);
      case PropertyType::kState: {
        std::optional<int> state = StateByAipName(*text);
        if (state.has_value()) return StateLiteral{*state};
        return Invalid(token, absl::StrCat(QuoteForMessage(*text),
                                           " is not a state; states are ",
                                           absl::StrJoin(AipStateNames(), ", "),
                                           " (or their full enum names)"));
      }
      case PropertyType::kDateTime: {
        absl::StatusOr<google::protobuf::Timestamp> instant =
            token.kind == TokenKind::kString
                ? translation::ParseGraphDateTime(*text)
                : absl::InvalidArgumentError("unquoted");
        if (instant.ok()) return DateTimeLiteral::From(*instant);
        return Invalid(token, absl::StrCat("expected an RFC 3339 date-time "
                                           "in quotes "
                                           "(\"2026-01-01T00:00:00Z\"), "
                                           "found ",
                                           DescribeToken(token)));
      }
      case PropertyType::kStringCollection:
        break;
    }
    return Invalid(token, "expected a value");
  }

  TokenCursor tokens_;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<Filter> ParseAipFilter(absl::string_view text) {
  if (absl::Status status = internal::CheckQueryLength(kParameter, text);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::vector<Token>> tokens =
      internal::LexAip(kParameter, text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Filter::MatchAll();
  return AipFilterParser(*std::move(tokens)).ParseAll();
}

}  // namespace ndes::query
