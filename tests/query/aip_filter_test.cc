#include "query/aip_filter.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/filter.h"
#include "query/odata_filter.h"
#include "query/query_errors.h"
#include "query/query_properties.h"
#include "translation/status_details.h"

namespace ndes::query {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Property P(const char* proto_name) { return *PropertyByProtoName(proto_name); }

absl::Status ParseError(const std::string& text) {
  absl::StatusOr<Filter> filter = ParseAipFilter(text);
  EXPECT_FALSE(filter.ok()) << text << " parsed as " << ToODataFilter(*filter);
  return filter.ok() ? absl::OkStatus() : filter.status();
}

TEST(AipFilterTest, OrBindsTighterThanAnd) {
  absl::StatusOr<Filter> filter = ParseAipFilter(
      "display_name = \"NDES-01\" AND starts_with(machine_name, \"ndes\") OR "
      "NOT state = INACTIVE");
  ASSERT_TRUE(filter.ok()) << filter.status();
  const Filter expected = Filter::And(
      {Filter::Equal(P("display_name"), std::string("NDES-01")),
       Filter::Or({Filter::StartsWith(P("machine_name"), "ndes"),
                   Filter::Not(Filter::Equal(P("state"), StateLiteral{2}))})});
  EXPECT_TRUE(*filter == expected) << ToODataFilter(*filter);
  EXPECT_EQ(ToODataFilter(*filter),
            "displayName eq 'NDES-01' and (startswith(machineName,'ndes') or "
            "not (state eq 'inactive'))");
}

TEST(AipFilterTest, SequencesAndAndFormOneConjunction) {
  absl::StatusOr<Filter> filter = ParseAipFilter("id = a id = b AND id = c");
  ASSERT_TRUE(filter.ok()) << filter.status();
  ASSERT_EQ(filter->op(), FilterOp::kAnd);
  EXPECT_EQ(filter->operands().size(), 3u);
}

TEST(AipFilterTest, PresenceIsNotEqualNull) {
  absl::StatusOr<Filter> filter = ParseAipFilter("enrolled_date_time:*");
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(*filter ==
              Filter::NotEqual(P("enrolled_date_time"), NullLiteral{}));
}

TEST(AipFilterTest, SingleQuotedStringsAndEscapes) {
  absl::StatusOr<Filter> filter =
      ParseAipFilter(R"(display_name = 'say \'hi\' \\ \"x\" \*')");
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(*filter == Filter::Equal(P("display_name"),
                                       std::string(R"(say 'hi' \ "x" *)")));
}

TEST(AipFilterTest, RefusesAipOutsideTheSubsetAsUnsupported) {
  for (const char* text :
       {"last_connection_date_time > \"2026-01-01T00:00:00Z\"",
        "display_name <= \"a\"", "display_name = \"NDES*\"",
        "display_name = NDES*", "role_scope_tag_ids:\"0*\"", "NDES-01",
        "\"NDES-01\"", "display_name", "display_name:\"x\"",
        "role_scope_tag_ids:*", "state != (ACTIVE OR NONE)",
        "starts_with(display_name, \"x\") = true"}) {
    absl::Status status = ParseError(text);
    EXPECT_TRUE(IsUnsupportedQuery(status)) << text << ": " << status;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("unsupported filter at"))
        << text;
  }
}

TEST(AipFilterTest, UnsupportedMessagesSayWhatIsSupported) {
  EXPECT_EQ(ParseError("display_name < \"b\"").message(),
            "unsupported filter at position 14: comparator '<' is not "
            "supported; use =, != or :");
  EXPECT_THAT(std::string(ParseError("display_name = \"ND*\"").message()),
              HasSubstr("wildcards (*) are not supported; use starts_with() "
                        "or contains()"));
}

TEST(AipFilterTest, RefusesMalformedTextAsInvalidWithPosition) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"colour = red",
                "position 1: 'colour' is not a field of "
                "NdesConnector"},
           Case{"displayName = \"x\"", "'displayName' is not a field"},
           Case{"etag = \"x\"", "'etag' is not a field"},
           Case{"last_connection_date_time.seconds = 5",
                "'last_connection_date_time.seconds' is not a field"},
           Case{"display_name =",
                "position 15: expected a value for "
                "display_name, found the end"},
           Case{"display_name = \"x\" AND",
                "expected a restriction, found "
                "the end"},
           Case{"(state = ACTIVE", "position 16: expected ')'"},
           Case{"state = ACTIVE)",
                "position 15: expected AND, OR, a "
                "restriction or the end, found ')'"},
           Case{"state = active",
                "'active' is not a state; states are NONE, "
                "ACTIVE, INACTIVE"},
           Case{"state = 1", "'1' is not a state"},
           Case{"state:*", "state is always set"},
           Case{"last_connection_date_time = 2026-01-01",
                "expected an RFC 3339 date-time in quotes"},
           Case{"last_connection_date_time = \"yesterday\"",
                "expected an RFC 3339 date-time"},
           Case{"role_scope_tag_ids = \"0\"",
                "role_scope_tag_ids is repeated: test membership with "
                "role_scope_tag_ids:\"value\""},
           Case{"starts_with(state, \"A\")",
                "starts_with() takes a string "
                "field"},
           Case{"ends_with(display_name, \"x\")",
                "unknown function 'ends_with'; the functions are starts_with "
                "and contains"},
           Case{"contains(display_name \"x\")", "expected ','"},
           Case{"state = ACTIVE and id = x",
                "'and' is not an operator: "
                "logical operators are "
                "uppercase"},
           Case{"NOT NOT state = ACTIVE",
                "expected a restriction, found "
                "'NOT'"},
           Case{"display_name ! \"x\"", "'!' must be followed by '='"},
           Case{"display_name = \"abc", "position 16: unterminated string"},
           Case{"display_name = \"a\\nb\"", "unknown escape '\\\\n'"},
           Case{"state = (ACTIVE", "expected ')'"},
           Case{"id = a, id = b", "found ','"},
       }) {
    absl::Status status = ParseError(c.text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_FALSE(IsUnsupportedQuery(status)) << c.text << ": " << status;
    EXPECT_THAT(std::string(status.message()), StartsWith("invalid filter"))
        << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.text;
    ASSERT_EQ(translation::FieldViolationsOf(status).size(), 1u);
    EXPECT_EQ(translation::FieldViolationsOf(status)[0].field, "filter");
  }
}

}  // namespace
}  // namespace ndes::query
