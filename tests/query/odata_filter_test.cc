#include "query/odata_filter.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/filter.h"
#include "query/query_errors.h"
#include "query/query_properties.h"
#include "translation/status_details.h"

namespace ndes::query {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Property P(const char* proto_name) { return *PropertyByProtoName(proto_name); }

absl::Status ParseError(const std::string& text) {
  absl::StatusOr<Filter> filter = ParseODataFilter(text);
  EXPECT_FALSE(filter.ok()) << text << " parsed as " << ToODataFilter(*filter);
  return filter.ok() ? absl::OkStatus() : filter.status();
}

TEST(ODataFilterTest, ParsesTheGraphExample) {
  absl::StatusOr<Filter> filter = ParseODataFilter(
      "displayName eq 'NDES-01' and startswith(machineName,'ndes') or "
      "not (state eq 'inactive')");
  ASSERT_TRUE(filter.ok()) << filter.status();
  const Filter expected = Filter::Or(
      {Filter::And({Filter::Equal(P("display_name"), std::string("NDES-01")),
                    Filter::StartsWith(P("machine_name"), "ndes")}),
       Filter::Not(Filter::Equal(P("state"), StateLiteral{2}))});
  EXPECT_TRUE(*filter == expected) << ToODataFilter(*filter);
}

TEST(ODataFilterTest, KeepsExplicitGroupingOfLikeOperators) {
  absl::StatusOr<Filter> filter =
      ParseODataFilter("id eq 'a' and (id eq 'b' and id eq 'c')");
  ASSERT_TRUE(filter.ok()) << filter.status();
  ASSERT_EQ(filter->op(), FilterOp::kAnd);
  ASSERT_EQ(filter->operands().size(), 2u);
  EXPECT_EQ(filter->operands()[1].op(), FilterOp::kAnd);
  EXPECT_EQ(ToODataFilter(*filter), "id eq 'a' and (id eq 'b' and id eq 'c')");
}

TEST(ODataFilterTest, NormalisesDateTimesToUtc) {
  absl::StatusOr<Filter> filter =
      ParseODataFilter("enrolledDateTime eq 2026-01-01T01:30:00.1234567+01:30");
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(ToODataFilter(*filter),
            "enrolledDateTime eq 2026-01-01T00:00:00.1234567Z");
}

TEST(ODataFilterTest, WritesEveryOperator) {
  const Filter filter = Filter::And(
      {Filter::NotEqual(P("display_name"), std::string("O'Brien")),
       Filter::In(P("state"), {StateLiteral{0}, StateLiteral{1}}),
       Filter::Contains(P("connector_version"), "6."),
       Filter::AnyEqual(P("role_scope_tag_ids"), "0"),
       Filter::Equal(P("last_connection_date_time"), NullLiteral{}),
       Filter::Not(Filter::Or({Filter::Equal(P("id"), std::string("x")),
                               Filter::Equal(P("id"), std::string("y"))}))});
  EXPECT_EQ(ToODataFilter(filter),
            "displayName ne 'O''Brien' and state in ('none','active') and "
            "contains(connectorVersion,'6.') and "
            "roleScopeTagIds/any(t:t eq '0') and "
            "lastConnectionDateTime eq null and "
            "not (id eq 'x' or id eq 'y')");
}

TEST(ODataFilterTest, MatchAllIsWrittenAsNothing) {
  EXPECT_EQ(ToODataFilter(Filter::MatchAll()), "");
}

TEST(ODataFilterTest, UnknownPropertyUsesGraphWording) {
  absl::Status status = ParseError("colour eq 'red'");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsUnsupportedQuery(status));
  EXPECT_EQ(status.message(),
            "invalid $filter at position 1: Could not find a property named "
            "'colour' on type 'microsoft.graph.ndesConnector'.");
  ASSERT_EQ(translation::FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(translation::FieldViolationsOf(status)[0].field, "$filter");
}

TEST(ODataFilterTest, EtagIsNotAProperty) {
  EXPECT_THAT(std::string(ParseError("etag eq 'x'").message()),
              HasSubstr("Could not find a property named 'etag'"));
}

TEST(ODataFilterTest, PropertyNamesAreCaseSensitive) {
  EXPECT_THAT(std::string(ParseError("DisplayName eq 'x'").message()),
              HasSubstr("'DisplayName'"));
}

TEST(ODataFilterTest, RefusesOperatorsOutsideTheSubsetAsUnsupported) {
  for (const char* text :
       {"lastConnectionDateTime lt 2026-01-01T00:00:00Z", "displayName ge 'a'",
        "state has 'active'", "endswith(displayName,'01')",
        "tolower(displayName) eq 'x'", "roleScopeTagIds/all(t:t eq '0')",
        "roleScopeTagIds/any()", "roleScopeTagIds/any(t:t ne '0')",
        "roleScopeTagIds/any(t:startswith(t,'0'))", "'x' eq displayName",
        "startswith('ndes',machineName)", "displayName add 'x'"}) {
    absl::Status status = ParseError(text);
    EXPECT_TRUE(IsUnsupportedQuery(status)) << text << ": " << status;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("unsupported $filter at"))
        << text;
  }
}

TEST(ODataFilterTest, UnsupportedMessagesSayWhatIsSupported) {
  EXPECT_EQ(ParseError("displayName lt 'b'").message(),
            "unsupported $filter at position 13: operator 'lt' is not "
            "supported; use eq, ne or in");
  EXPECT_THAT(std::string(ParseError("endswith(displayName,'1')").message()),
              HasSubstr("function endswith() is not supported; use "
                        "startswith() or contains()"));
}

TEST(ODataFilterTest, RefusesMalformedTextAsInvalidWithPosition) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"displayName eq", "position 15: displayName is a string"},
           Case{"displayName eq 'x' and", "position 23: expected a condition"},
           Case{"displayName 'x'", "position 13: expected eq, ne or in"},
           Case{"(state eq 'active'", "position 19: expected ')'"},
           Case{"state eq 'active')",
                "position 18: expected 'and', 'or' or the end, found ')'"},
           Case{"displayName EQ 'x'", "expected eq, ne or in"},
           Case{"state eq 'Active'",
                "'Active' is not a state; states are "
                "'none', 'active', 'inactive'"},
           Case{"state eq null", "state is never null"},
           Case{"state eq 1", "expected a quoted state"},
           Case{"displayName eq 2026-01-01T00:00:00Z",
                "displayName is a string"},
           Case{"lastConnectionDateTime eq '2026-01-01T00:00:00Z'",
                "write it without quotes"},
           Case{"lastConnectionDateTime eq 2026-01-01", "expected a date-time"},
           Case{"lastConnectionDateTime eq 2026-02-30T00:00:00Z",
                "expected a date-time"},
           Case{"roleScopeTagIds eq '0'",
                "roleScopeTagIds is a collection: "
                "write roleScopeTagIds/any(t:t eq "
                "'...')"},
           Case{"displayName/any(t:t eq '0')", "is not a collection"},
           Case{"startswith(state,'a')",
                "startswith() takes a string "
                "property"},
           Case{"startswith(displayName)", "expected ','"},
           Case{"startswith()", "startswith() takes a property first"},
           Case{"contains(displayName,null)", "expected a quoted string"},
           Case{"frobnicate(displayName)", "unknown function 'frobnicate'"},
           Case{"not displayName eq 'x'", "write not (displayName ...)"},
           Case{"displayName eq 'x' && id eq 'y'", "unexpected character '&'"},
           Case{"state in ()", "expected a quoted state"},
           Case{"displayName eq 'abc", "position 16: unterminated string"},
       }) {
    absl::Status status = ParseError(c.text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_FALSE(IsUnsupportedQuery(status)) << c.text << ": " << status;
    EXPECT_THAT(std::string(status.message()), StartsWith("invalid $filter"))
        << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(ODataFilterTest, IsUnsupportedQueryIsFalseForOtherStatuses) {
  EXPECT_FALSE(IsUnsupportedQuery(absl::OkStatus()));
  EXPECT_FALSE(IsUnsupportedQuery(absl::InternalError("unsupported x")));
}

}  // namespace
}  // namespace ndes::query
