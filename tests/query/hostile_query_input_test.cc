// Hostile input to every parser: deep nesting, text at and over the size
// limit, unterminated strings, control characters and bytes that are not
// UTF-8 are refused cleanly (or parsed, where they are legitimate), never
// with a crash or a stack overflow.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/aip_filter.h"
#include "query/filter.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "query/query_errors.h"
#include "query/query_test_connectors.h"
#include "query/selection.h"

namespace ndes::query {
namespace {

using ::testing::HasSubstr;

std::string Repeat(const std::string& piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

std::string Nested(const std::string& open, const std::string& inner,
                   const std::string& close, int levels) {
  return Repeat(open, levels) + inner + Repeat(close, levels);
}

TEST(HostileQueryInputTest, NestingUpToTheLimitParses) {
  const int levels = kMaxFilterNesting;
  absl::StatusOr<Filter> odata =
      ParseODataFilter(Nested("(", "state eq 'active'", ")", levels));
  EXPECT_TRUE(odata.ok()) << odata.status();
  absl::StatusOr<Filter> aip =
      ParseAipFilter(Nested("(", "state = ACTIVE", ")", levels));
  EXPECT_TRUE(aip.ok()) << aip.status();
  absl::StatusOr<Filter> nots =
      ParseODataFilter(Repeat("not ", levels) + "(state eq 'active')");
  EXPECT_FALSE(nots.ok());  // the parenthesis is one level more
  nots = ParseODataFilter(Repeat("not ", levels - 1) + "(state eq 'active')");
  ASSERT_TRUE(nots.ok()) << nots.status();
  EXPECT_EQ(FilterDepth(*nots), levels);
}

TEST(HostileQueryInputTest, NestingBeyondTheLimitIsRefused) {
  const int levels = kMaxFilterNesting + 1;
  for (const absl::StatusOr<Filter>& result : {
           ParseODataFilter(Nested("(", "state eq 'active'", ")", levels)),
           ParseODataFilter(Repeat("not ", levels) + "(id eq 'x')"),
           ParseODataFilter(Nested("not (", "id eq 'x'", ")", levels)),
           ParseAipFilter(Nested("(", "state = ACTIVE", ")", levels)),
           ParseAipFilter(Nested("-(", "id = x", ")", levels)),
           ParseAipFilter(Nested("NOT (", "id = x", ")", levels)),
       }) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(IsUnsupportedQuery(result.status()));
    EXPECT_THAT(std::string(result.status().message()),
                HasSubstr("nested deeper than 32 levels"));
  }
}

TEST(HostileQueryInputTest, ThousandsOfOpenParenthesesStopAtTheLimit) {
  const std::string odata(kMaxQueryLength, '(');
  EXPECT_THAT(std::string(ParseODataFilter(odata).status().message()),
              HasSubstr("position 33: nested deeper"));
  EXPECT_THAT(std::string(ParseAipFilter(odata).status().message()),
              HasSubstr("position 33: nested deeper"));
  EXPECT_FALSE(ParseAipFilter(std::string(kMaxQueryLength, '-')).ok());
}

TEST(HostileQueryInputTest, TextAtTheSizeLimitParsesAndEvaluates) {
  // "id eq 'x' or id eq 'x' or ..." up to exactly kMaxQueryLength bytes.
  std::string odata = "id eq 'c1'";
  while (odata.size() + 14 <= kMaxQueryLength) odata += " or id eq 'c1'";
  odata += std::string(kMaxQueryLength - odata.size(), ' ');
  ASSERT_EQ(odata.size(), kMaxQueryLength);
  absl::StatusOr<Filter> filter = ParseODataFilter(odata);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(MatchingIds(*filter), std::vector<std::string>{"c1"});

  std::string aip = "id = c1";
  while (aip.size() + 11 <= kMaxQueryLength) aip += " OR id = c1";
  absl::StatusOr<Filter> aip_filter = ParseAipFilter(aip);
  ASSERT_TRUE(aip_filter.ok()) << aip_filter.status();
  EXPECT_EQ(MatchingIds(*aip_filter), std::vector<std::string>{"c1"});
}

TEST(HostileQueryInputTest, TextOverTheSizeLimitIsRefusedUnread) {
  const std::string huge(kMaxQueryLength + 1, 'a');
  for (const absl::Status& status :
       {ParseODataFilter(huge).status(), ParseAipFilter(huge).status(),
        ParseODataOrderBy(huge).status(), ParseAipOrderBy(huge).status(),
        ParseODataSelect(huge).status()}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("longer than 4096 bytes"));
  }
}

TEST(HostileQueryInputTest, UnterminatedStringsAreRefused) {
  EXPECT_THAT(
      std::string(ParseODataFilter("displayName eq 'it''s").status().message()),
      HasSubstr("position 16: unterminated string"));
  EXPECT_THAT(
      std::string(ParseAipFilter("display_name = \"x\\\"").status().message()),
      HasSubstr("position 16: unterminated string"));
  EXPECT_THAT(
      std::string(ParseAipFilter("display_name = 'x\\").status().message()),
      HasSubstr("unterminated string"));
  EXPECT_THAT(
      std::string(ParseODataFilter(std::string(kMaxQueryLength - 1, '\''))
                      .status()
                      .message()),
      HasSubstr("unterminated string"));
}

TEST(HostileQueryInputTest, ControlCharactersAreRefusedAndNotEchoed) {
  for (const std::string& text :
       {std::string("displayName eq 'a\x01'"),
        std::string("displayName eq 'a\0b'", 20),
        std::string("display_name = \"a\nb\""), std::string("\x1b[2J"),
        std::string("state\x7f")}) {
    for (const absl::Status& status :
         {ParseODataFilter(text).status(), ParseAipFilter(text).status()}) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      for (unsigned char c : status.message()) {
        EXPECT_GE(c, 0x20) << status;
        EXPECT_NE(c, 0x7f) << status;
      }
    }
  }
  EXPECT_THAT(std::string(ParseODataOrderBy("id\x01").status().message()),
              HasSubstr("control character"));
  EXPECT_THAT(std::string(ParseODataSelect("id,\x02").status().message()),
              HasSubstr("control character"));
}

TEST(HostileQueryInputTest, BytesThatAreNotUtf8StayInsideStrings) {
  absl::StatusOr<Filter> filter = ParseODataFilter("displayName eq '\xff\xfe'");
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(MatchingIds(*filter).empty());
  // Outside a string they start no token.
  EXPECT_THAT(std::string(ParseODataFilter("\xff eq 'x'").status().message()),
              HasSubstr("unexpected character '\\xff'"));
}

TEST(HostileQueryInputTest, LongLiteralsAreQuotedShortInMessages) {
  const std::string name(3000, 'q');
  absl::Status status = ParseODataFilter(name + " eq 'x'").status();
  EXPECT_LT(status.message().size(), 200u) << status.message();
}

}  // namespace
}  // namespace ndes::query
