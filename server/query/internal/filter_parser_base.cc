#include "query/internal/filter_parser_base.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_error_builder.h"
#include "query/query_errors.h"

namespace ndes::query::internal {

absl::Status FilterParserBase::Invalid(const Token& at,
                                       absl::string_view what) const {
  return InvalidQuery(parameter_, at.offset, what);
}

absl::Status FilterParserBase::Unsupported(const Token& at,
                                           absl::string_view what) const {
  return UnsupportedQuery(parameter_, at.offset, what);
}

absl::Status FilterParserBase::Expect(TokenKind kind,
                                      absl::string_view spelled) {
  if (tokens_.Peek().kind == kind) {
    tokens_.Next();
    return absl::OkStatus();
  }
  return Invalid(tokens_.Peek(),
                 absl::StrCat("expected '", spelled, "', found ",
                              DescribeToken(tokens_.Peek())));
}

absl::Status FilterParserBase::Enter(const Token& at) {
  if (++depth_ <= kMaxFilterNesting) return absl::OkStatus();
  return Invalid(
      at, absl::StrCat("nested deeper than ", kMaxFilterNesting, " levels"));
}

}  // namespace ndes::query::internal
