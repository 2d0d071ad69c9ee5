#include "graph/content_etag.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store_test_support.h"

namespace ndes::graph {
namespace {

using ::ndes::store::testing::SampleConnector;
using ::ndes::v1::NdesConnector;
using ::testing::MatchesRegex;

TEST(DerivedEtagTest, IsAStrongEtagOf32HexDigits) {
  const std::string etag = DerivedEtag(SampleConnector("ndes-1"));
  EXPECT_THAT(etag, MatchesRegex("\"[0-9a-f]{32}\""));
  EXPECT_TRUE(IsDerivedEtag(etag));
}

TEST(DerivedEtagTest, SameContentGivesTheSameEtagWhateverItsEtag) {
  NdesConnector a = SampleConnector("ndes-1");
  NdesConnector b = SampleConnector("ndes-1");
  b.set_etag("W/\"42\"");
  EXPECT_EQ(DerivedEtag(a), DerivedEtag(b));
  // Not only equal within one process: the derivation is fixed.
  NdesConnector bare;
  bare.set_id("ndes-1");
  EXPECT_EQ(DerivedEtag(bare), DerivedEtag(bare));
}

TEST(DerivedEtagTest, AnyChangeOfAFieldOrTheIdGivesAnotherEtag) {
  const NdesConnector base = SampleConnector("ndes-1");
  std::set<std::string> etags = {DerivedEtag(base)};
  NdesConnector changed = base;
  changed.set_id("ndes-2");
  etags.insert(DerivedEtag(changed));
  changed = base;
  changed.set_display_name(base.display_name() + " ");
  etags.insert(DerivedEtag(changed));
  changed = base;
  changed.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  etags.insert(DerivedEtag(changed));
  changed = base;
  changed.mutable_enrolled_date_time()->set_nanos(1);
  etags.insert(DerivedEtag(changed));
  changed = base;
  changed.add_role_scope_tag_ids("0");
  etags.insert(DerivedEtag(changed));
  changed = base;
  changed.clear_last_connection_date_time();
  etags.insert(DerivedEtag(changed));
  EXPECT_EQ(etags.size(), 7u);
}

TEST(IsDerivedEtagTest, TellsDerivedEtagsFromGraphs) {
  EXPECT_FALSE(IsDerivedEtag("W/\"1\""));
  EXPECT_FALSE(IsDerivedEtag("\"0123456789abcdef0123456789ABCDEF\""));
  EXPECT_FALSE(IsDerivedEtag("\"0123456789abcdef\""));
  EXPECT_FALSE(IsDerivedEtag(""));
}

TEST(EtagMatchesTest, MatchesGraphsEtagOrTheDerivedOneOfTheSameContent) {
  NdesConnector current = SampleConnector("ndes-1");
  current.set_etag("W/\"7\"");
  EXPECT_TRUE(EtagMatches("W/\"7\"", current));
  EXPECT_TRUE(EtagMatches(DerivedEtag(current), current));
  EXPECT_FALSE(EtagMatches("W/\"6\"", current));
  EXPECT_FALSE(EtagMatches("", current));
  NdesConnector other = current;
  other.set_display_name("changed");
  EXPECT_FALSE(EtagMatches(DerivedEtag(other), current));
}

}  // namespace
}  // namespace ndes::graph
