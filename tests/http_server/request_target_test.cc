#include "http_server/request_target.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::http_server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(RequestTargetTest, PathStopsAtTheQueryOrFragmentAndStaysEncoded) {
  EXPECT_EQ(TargetPath("/a/b%2Fc?x=1"), "/a/b%2Fc");
  EXPECT_EQ(TargetPath("/a#frag?x"), "/a");
  EXPECT_EQ(TargetPath("/plain"), "/plain");
  EXPECT_EQ(TargetPath(""), "");
  EXPECT_EQ(TargetPath("?only=query"), "");
}

TEST(RequestTargetTest, QueryKeepsOrderAndDuplicatesAndDecodes) {
  EXPECT_THAT(
      TargetQuery("/p?%24filter=displayName%20eq%20%27a%27&$top=2&a=1&a=2"),
      ElementsAre(Pair("$filter", "displayName eq 'a'"), Pair("$top", "2"),
                  Pair("a", "1"), Pair("a", "2")));
}

TEST(RequestTargetTest, QueryHandlesEmptyPartsFlagsAndFragments) {
  EXPECT_THAT(TargetQuery("/p?flag&&x=&=v&y=a=b#frag=1"),
              ElementsAre(Pair("flag", ""), Pair("x", ""), Pair("", "v"),
                          Pair("y", "a=b")));
  EXPECT_THAT(TargetQuery("/p"), IsEmpty());
  EXPECT_THAT(TargetQuery("/p?"), IsEmpty());
  EXPECT_THAT(TargetQuery("/p#x?y=1"), IsEmpty());
}

TEST(RequestTargetTest, DecodingKeepsMalformedEscapesAndTurnsPlusIntoSpace) {
  EXPECT_EQ(DecodeQueryComponent("a+b%2Bc"), "a b+c");
  EXPECT_EQ(DecodeQueryComponent("%zz%4"), "%zz%4");
  EXPECT_EQ(DecodeQueryComponent("100%"), "100%");
  EXPECT_EQ(DecodeQueryComponent("%e2%82%ac"), "\xe2\x82\xac");
  EXPECT_EQ(DecodeQueryComponent("%00x"), std::string("\0x", 2));
}

TEST(DecodePathSegmentTest, DecodesEscapesKeepsPlusAndRefusesMalformedOnes) {
  EXPECT_EQ(DecodePathSegment("a%2Fb+c%20d"), "a/b+c d");
  EXPECT_EQ(DecodePathSegment(""), "");
  EXPECT_EQ(DecodePathSegment("a%2"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("a%zz"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("%"), std::nullopt);
}

}  // namespace
}  // namespace ndes::http_server
