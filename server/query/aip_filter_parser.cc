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
#include "query/internal/filter_parser_base.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_token.h"
#include "query/query_properties.h"
#include "translation/date_time.h"

namespace ndes::query {
namespace {

using internal::DescribeToken;
using internal::QuoteForMessage;
using internal::Token;
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

class AipFilterParser : public internal::FilterParserBase {
 public:
  AipFilterParser(absl::string_view parameter, std::vector<Token> tokens)
      : FilterParserBase(parameter, std::move(tokens)) {}

  absl::StatusOr<Filter> ParseAll() {
    absl::StatusOr<Filter> filter = ParseExpression();
    if (!filter.ok()) return filter;
    if (!tokens().AtEnd()) return UnexpectedAfterRestriction();
    return filter;
  }

 private:
  absl::Status UnexpectedAfterRestriction() const {
    const Token& token = tokens().Peek();
    return Invalid(token, absl::StrCat("expected AND, OR, a restriction or "
                                       "the end, found ",
                                       DescribeToken(token)));
  }

  // expression: sequence {AND sequence}; sequence: factor {factor}. Both
  // are conjunctions, so their factors form one kAnd.
  absl::StatusOr<Filter> ParseExpression() {
    std::vector<Filter> factors;
    while (true) {
      absl::StatusOr<Filter> factor = ParseFactor();
      if (!factor.ok()) return factor;
      factors.push_back(*std::move(factor));
      if (tokens().PeekWord("AND")) {
        tokens().Next();
        continue;
      }
      if (!StartsTerm(tokens().Peek())) break;
    }
    return Filter::And(std::move(factors));
  }

  // factor: term {OR term}
  absl::StatusOr<Filter> ParseFactor() {
    absl::StatusOr<std::vector<Filter>> terms =
        ParseSeparatedByWord<Filter>("OR", [this] { return ParseTerm(); });
    if (!terms.ok()) return terms.status();
    return Filter::Or(*std::move(terms));
  }

  // term: [NOT | -] simple
  absl::StatusOr<Filter> ParseTerm() {
    if (!tokens().PeekWord("NOT") &&
        tokens().Peek().kind != TokenKind::kMinus) {
      return ParseSimple();
    }
    const Token& negation = tokens().Next();
    return ParseNegated(negation, [this] { return ParseSimple(); });
  }

  // simple: restriction | "(" expression ")"
  absl::StatusOr<Filter> ParseSimple() {
    const Token& token = tokens().Peek();
    if (token.kind == TokenKind::kOpenParen) {
      return ParseParenthesised([this] { return ParseExpression(); });
    }
    if (IsLowercaseKeyword(token)) {
      return Invalid(token, absl::StrCat(DescribeToken(token),
                                         " is not an operator: logical "
                                         "operators are uppercase (AND, OR, "
                                         "NOT)"));
    }
    if (token.kind == TokenKind::kString ||
        (token.kind == TokenKind::kWord && !IsKeyword(token) &&
         !IsComparator(tokens().Peek(1).kind) &&
         tokens().Peek(1).kind != TokenKind::kOpenParen &&
         tokens().Peek(1).kind != TokenKind::kDot &&
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
    const Token& first = tokens().Next();
    std::string path = first.value;
    while (tokens().Peek().kind == TokenKind::kDot &&
           tokens().Peek(1).kind == TokenKind::kWord) {
      tokens().Next();
      absl::StrAppend(&path, ".", tokens().Next().value);
    }
    if (tokens().Peek().kind == TokenKind::kOpenParen) {
      return ParseFunction(first, path);
    }
    std::optional<Property> property = PropertyByProtoName(path);
    if (!property.has_value()) {
      return Invalid(first, absl::StrCat(QuoteForMessage(path),
                                         " is not a field of NdesConnector"));
    }
    const Token& comparator = tokens().Peek();
    switch (comparator.kind) {
      case TokenKind::kEquals:
      case TokenKind::kNotEquals:
        tokens().Next();
        return ParseEquality(*property, comparator);
      case TokenKind::kColon:
        tokens().Next();
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
    tokens().Next();  // (
    const Token& field = tokens().Peek();
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
    tokens().Next();
    if (absl::Status status = Expect(TokenKind::kComma, ","); !status.ok()) {
      return status;
    }
    const Token& argument = tokens().Peek();
    if (argument.kind != TokenKind::kString &&
        (argument.kind != TokenKind::kWord || IsKeyword(argument))) {
      return Invalid(argument, absl::StrCat("expected a string, found ",
                                            DescribeToken(argument)));
    }
    tokens().Next();
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    if (IsComparator(tokens().Peek().kind)) {
      return Unsupported(tokens().Peek(),
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
    if (tokens().Peek().kind != TokenKind::kOpenParen) {
      absl::StatusOr<Literal> value = ParseValue(property);
      if (!value.ok()) return value.status();
      return equal ? Filter::Equal(property, *std::move(value))
                   : Filter::NotEqual(property, *std::move(value));
    }
    // field = (a OR b): the field equals one of the values.
    const Token& open = tokens().Next();
    if (!equal) {
      return Unsupported(open,
                         absl::StrCat("!= takes one value; for none of "
                                      "several write NOT ",
                                      property.proto_name(), " = (a OR b)"));
    }
    if (absl::Status status = Enter(open); !status.ok()) return status;
    absl::StatusOr<std::vector<Literal>> values = ParseSeparatedByWord<Literal>(
        "OR", [&] { return ParseValue(property); });
    if (!values.ok()) return values.status();
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    return Filter::In(property, *std::move(values));
  }

  // field:value — membership of a repeated field; field:* — presence.
  absl::StatusOr<Filter> ParseHas(const Property& property,
                                  const Token& comparator) {
    const Token& value = tokens().Peek();
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
      tokens().Next();
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
    const Token& token = tokens().Peek();
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
    tokens().Next();
    return token.value;
  }

  absl::StatusOr<Literal> ParseValue(const Property& property) {
    const Token& token = tokens().Peek();
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
};

}  // namespace

absl::StatusOr<Filter> ParseAipFilter(absl::string_view text) {
  return internal::ParseFilterText<AipFilterParser>(kParameter, text,
                                                    &internal::LexAip);
}

}  // namespace ndes::query
