#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "query/filter.h"
#include "query/internal/filter_parser_base.h"
#include "query/internal/odata_lexer.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_token.h"
#include "query/odata_filter.h"
#include "query/query_properties.h"
#include "translation/date_time.h"

namespace ndes::query {
namespace {

using internal::DescribeToken;
using internal::QuoteForMessage;
using internal::Token;
using internal::TokenKind;

constexpr absl::string_view kParameter = "$filter";

// OData's own functions and operators that this service does not evaluate:
// well-formed, so "unsupported" (501), not "invalid" (400).
constexpr absl::string_view kOtherODataFunctions[] = {"endswith",
                                                      "indexof",
                                                      "length",
                                                      "substring",
                                                      "tolower",
                                                      "toupper",
                                                      "trim",
                                                      "concat",
                                                      "year",
                                                      "month",
                                                      "day",
                                                      "hour",
                                                      "minute",
                                                      "second",
                                                      "fractionalseconds",
                                                      "date",
                                                      "time",
                                                      "totaloffsetminutes",
                                                      "now",
                                                      "mindatetime",
                                                      "maxdatetime",
                                                      "totalseconds",
                                                      "round",
                                                      "floor",
                                                      "ceiling",
                                                      "isof",
                                                      "cast",
                                                      "matchesPattern",
                                                      "hassubset",
                                                      "hassubsequence",
                                                      "case"};
constexpr absl::string_view kOtherComparisons[] = {"lt", "le", "gt", "ge",
                                                   "has"};
constexpr absl::string_view kArithmetic[] = {"add", "sub",   "mul",
                                             "div", "divby", "mod"};

template <std::size_t N>
bool IsOneOf(absl::string_view word, const absl::string_view (&words)[N]) {
  for (absl::string_view candidate : words) {
    if (word == candidate) return true;
  }
  return false;
}

bool IsIdentifier(const Token& token) {
  return token.kind == TokenKind::kWord && !token.value.empty() &&
         !absl::ascii_isdigit(static_cast<unsigned char>(token.value[0]));
}

class ODataFilterParser : public internal::FilterParserBase {
 public:
  ODataFilterParser(absl::string_view parameter, std::vector<Token> tokens)
      : FilterParserBase(parameter, std::move(tokens)) {}

  absl::StatusOr<Filter> ParseAll() {
    absl::StatusOr<Filter> filter = ParseOr();
    if (!filter.ok()) return filter;
    if (!tokens().AtEnd()) {
      const Token& token = tokens().Peek();
      const bool uppercase_keyword =
          token.kind == TokenKind::kWord &&
          (token.value == "AND" || token.value == "OR" || token.value == "NOT");
      return Invalid(
          token,
          absl::StrCat("expected 'and', 'or' or the end, "
                       "found ",
                       DescribeToken(token),
                       uppercase_keyword ? " (keywords are lowercase)" : ""));
    }
    return filter;
  }

 private:
  absl::StatusOr<Filter> ParseOr() {
    absl::StatusOr<std::vector<Filter>> operands =
        ParseSeparatedByWord<Filter>("or", [this] { return ParseAnd(); });
    if (!operands.ok()) return operands.status();
    return Filter::Or(*std::move(operands));
  }

  absl::StatusOr<Filter> ParseAnd() {
    absl::StatusOr<std::vector<Filter>> operands =
        ParseSeparatedByWord<Filter>("and", [this] { return ParseUnary(); });
    if (!operands.ok()) return operands.status();
    return Filter::And(*std::move(operands));
  }

  absl::StatusOr<Filter> ParseUnary() {
    if (!tokens().PeekWord("not")) return ParsePrimary();
    const Token& not_token = tokens().Next();
    // OData's `not` binds tighter than eq: `not displayName eq 'x'` would
    // negate a string. Graph refuses it; say how to write it instead.
    const Token& next = tokens().Peek();
    if (IsIdentifier(next) && next.value != "not" &&
        tokens().Peek(1).kind != TokenKind::kOpenParen &&
        tokens().Peek(1).kind != TokenKind::kSlash) {
      return Invalid(next, absl::StrCat("'not' applies to a parenthesised "
                                        "condition: write not (",
                                        next.value, " ...)"));
    }
    return ParseNegated(not_token, [this] { return ParseUnary(); });
  }

  absl::StatusOr<Filter> ParsePrimary() {
    const Token& token = tokens().Peek();
    if (token.kind == TokenKind::kOpenParen) {
      return ParseParenthesised([this] { return ParseOr(); });
    }
    if (token.kind == TokenKind::kString ||
        (token.kind == TokenKind::kWord && !IsIdentifier(token)) ||
        tokens().PeekWord("null")) {
      return Unsupported(token, absl::StrCat("a condition starts with a "
                                             "property name, not the "
                                             "literal ",
                                             DescribeToken(token)));
    }
    if (!IsIdentifier(token)) {
      return Invalid(token, absl::StrCat("expected a condition, found ",
                                         DescribeToken(token)));
    }
    if (tokens().Peek(1).kind == TokenKind::kOpenParen) return ParseFunction();
    return ParseComparison();
  }

  absl::StatusOr<Property> ParseProperty() {
    const Token& token = tokens().Next();
    std::optional<Property> property = PropertyByGraphName(token.value);
    if (!property.has_value()) {
      // Graph's own wording for an unknown property.
      return Invalid(token,
                     absl::StrCat("Could not find a property named ",
                                  QuoteForMessage(token.value),
                                  " on type 'microsoft.graph.ndesConnector'."));
    }
    return *property;
  }

  // startswith(machineName,'ndes') and contains(displayName,'01').
  absl::StatusOr<Filter> ParseFunction() {
    const Token& name = tokens().Next();
    const bool starts_with = name.value == "startswith";
    if (!starts_with && name.value != "contains") {
      if (IsOneOf(name.value, kOtherODataFunctions)) {
        return Unsupported(name, absl::StrCat("function ", name.value,
                                              "() is not supported; use "
                                              "startswith() or contains()"));
      }
      return Invalid(
          name, absl::StrCat("unknown function ", QuoteForMessage(name.value)));
    }
    if (absl::Status status = Enter(name); !status.ok()) return status;
    tokens().Next();  // (
    if (!IsIdentifier(tokens().Peek())) {
      // startswith('x',displayName) is OData, but not a form this service
      // evaluates; anything else is no call at all.
      const std::string form = absl::StrCat(name.value,
                                            "() takes a property first, then a "
                                            "string: ",
                                            name.value, "(displayName,'x')");
      if (tokens().Peek().kind == TokenKind::kString) {
        return Unsupported(tokens().Peek(), form);
      }
      return Invalid(tokens().Peek(), form);
    }
    const Token& property_token = tokens().Peek();
    absl::StatusOr<Property> property = ParseProperty();
    if (!property.ok()) return property.status();
    if (property->type() != PropertyType::kString) {
      return Invalid(property_token,
                     absl::StrCat(name.value, "() takes a string property; ",
                                  property->graph_name(), " is not one"));
    }
    if (absl::Status status = Expect(TokenKind::kComma, ","); !status.ok()) {
      return status;
    }
    const Token& argument = tokens().Peek();
    if (argument.kind != TokenKind::kString) {
      return Invalid(argument, absl::StrCat("expected a quoted string, found ",
                                            DescribeToken(argument)));
    }
    tokens().Next();
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    Leave();
    return starts_with ? Filter::StartsWith(*property, argument.value)
                       : Filter::Contains(*property, argument.value);
  }

  absl::StatusOr<Filter> ParseComparison() {
    const Token& property_token = tokens().Peek();
    absl::StatusOr<Property> property = ParseProperty();
    if (!property.ok()) return property.status();
    if (tokens().Peek().kind == TokenKind::kSlash) return ParseAny(*property);
    const Token& op = tokens().Peek();
    const bool is_eq = tokens().PeekWord("eq");
    const bool is_ne = tokens().PeekWord("ne");
    const bool is_in = tokens().PeekWord("in");
    if (!is_eq && !is_ne && !is_in) {
      if (op.kind == TokenKind::kWord && IsOneOf(op.value, kOtherComparisons)) {
        return Unsupported(op, absl::StrCat("operator '", op.value,
                                            "' is not supported; use eq, ne "
                                            "or in"));
      }
      if (op.kind == TokenKind::kWord && IsOneOf(op.value, kArithmetic)) {
        return Unsupported(op, "arithmetic is not supported");
      }
      return Invalid(op, absl::StrCat("expected eq, ne or in after ",
                                      QuoteForMessage(property->graph_name()),
                                      ", found ", DescribeToken(op)));
    }
    if (property->type() == PropertyType::kStringCollection) {
      return Invalid(
          property_token,
          absl::StrCat(property->graph_name(), " is a collection: write ",
                       property->graph_name(), "/any(t:t eq '...')"));
    }
    tokens().Next();
    if (is_in) return ParseIn(*property);
    absl::StatusOr<Literal> value = ParseLiteral(*property);
    if (!value.ok()) return value.status();
    return is_eq ? Filter::Equal(*property, *std::move(value))
                 : Filter::NotEqual(*property, *std::move(value));
  }

  // state in ('active','inactive')
  absl::StatusOr<Filter> ParseIn(const Property& property) {
    if (absl::Status status = Expect(TokenKind::kOpenParen, "(");
        !status.ok()) {
      return status;
    }
    absl::StatusOr<std::vector<Literal>> values = ParseSeparated<Literal>(
        [](const Token& token) { return token.kind == TokenKind::kComma; },
        [&] { return ParseLiteral(property); });
    if (!values.ok()) return values.status();
    if (absl::Status status = Expect(TokenKind::kCloseParen, ")");
        !status.ok()) {
      return status;
    }
    return Filter::In(property, *std::move(values));
  }

  // roleScopeTagIds/any(t:t eq '0')
  absl::StatusOr<Filter> ParseAny(const Property& property) {
    const Token& slash = tokens().Next();
    if (property.type() != PropertyType::kStringCollection) {
      return Invalid(slash, absl::StrCat(property.graph_name(),
                                         " is not a collection and has no "
                                         "sub-properties"));
    }
    const Token& lambda = tokens().Peek();
    if (tokens().PeekWord("all")) {
      return Unsupported(lambda, "all() is not supported; use any()");
    }
    if (!tokens().PeekWord("any")) {
      return Invalid(lambda, absl::StrCat("expected any(...) after '/', found ",
                                          DescribeToken(lambda)));
    }
    tokens().Next();
    if (absl::Status status = Enter(lambda); !status.ok()) return status;
    if (absl::Status status = Expect(TokenKind::kOpenParen, "(");
        !status.ok()) {
      return status;
    }
    const std::string lambda_form =
        absl::StrCat(property.graph_name(), "/any(t:t eq '...')");
    const Token& variable = tokens().Peek();
    if (!IsIdentifier(variable) || tokens().Peek(1).kind != TokenKind::kColon) {
      return Unsupported(
          variable, absl::StrCat("any() needs a condition: ", lambda_form));
    }
    tokens().Next();
    tokens().Next();
    const Token& body = tokens().Peek();
    if (!tokens().PeekWord(variable.value) || !tokens().PeekWord("eq", 1) ||
        tokens().Peek(2).kind != TokenKind::kString ||
        tokens().Peek(3).kind != TokenKind::kCloseParen) {
      return Unsupported(body, absl::StrCat("the only condition any() "
                                            "supports is ",
                                            lambda_form));
    }
    tokens().Next();
    tokens().Next();
    std::string element = tokens().Next().value;
    tokens().Next();  // )
    Leave();
    return Filter::AnyEqual(property, std::move(element));
  }

  absl::StatusOr<Literal> ParseLiteral(const Property& property) {
    const Token& token = tokens().Next();
    const absl::string_view name = property.graph_name();
    if (token.kind == TokenKind::kWord && token.value == "null") {
      if (property.type() == PropertyType::kState) {
        return Invalid(token, absl::StrCat(name,
                                           " is never null; compare "
                                           "it with 'none'"));
      }
      return NullLiteral{};
    }
    switch (property.type()) {
      case PropertyType::kString:
        if (token.kind == TokenKind::kString) return token.value;
        return Invalid(token, absl::StrCat(name,
                                           " is a string: expected a "
                                           "quoted string or null, found ",
                                           DescribeToken(token)));
      case PropertyType::kState: {
        if (token.kind != TokenKind::kString) {
          return Invalid(token,
                         absl::StrCat("expected a quoted state ('",
                                      absl::StrJoin(GraphStateNames(), "', '"),
                                      "'), found ", DescribeToken(token)));
        }
        std::optional<int> state = StateByGraphName(token.value);
        if (!state.has_value()) {
          return Invalid(
              token,
              absl::StrCat(QuoteForMessage(token.value),
                           " is not a state; states are '",
                           absl::StrJoin(GraphStateNames(), "', '"), "'"));
        }
        return StateLiteral{*state};
      }
      case PropertyType::kDateTime: {
        if (token.kind == TokenKind::kString) {
          return Invalid(token, absl::StrCat(name,
                                             " is a date-time: write "
                                             "it without quotes, as "
                                             "2026-01-01T00:00:00Z"));
        }
        absl::StatusOr<google::protobuf::Timestamp> instant =
            token.kind == TokenKind::kWord && !IsIdentifier(token)
                ? translation::ParseGraphDateTime(token.value)
                : absl::InvalidArgumentError("not a date-time");
        if (!instant.ok()) {
          return Invalid(token, absl::StrCat("expected a date-time "
                                             "(2026-01-01T00:00:00Z; send a "
                                             "+ in an offset as %2B) or "
                                             "null, found ",
                                             DescribeToken(token)));
        }
        return DateTimeLiteral::From(*instant);
      }
      case PropertyType::kStringCollection:
        break;
    }
    return Invalid(token, "expected a literal");
  }
};

}  // namespace

absl::StatusOr<Filter> ParseODataFilter(absl::string_view text) {
  return internal::ParseFilterText<ODataFilterParser>(kParameter, text,
                                                      &internal::LexOData);
}

}  // namespace ndes::query
