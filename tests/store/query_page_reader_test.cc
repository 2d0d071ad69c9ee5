// ReadQueryPage and its page tokens, beyond what the conformance suite
// checks of every store: the token formats, the offset form of tokens for
// long ordered values, and how many rows a page reads.
#include "store/query_page_reader.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/aip_filter.h"
#include "query/order_by.h"
#include "query/query_fingerprint.h"
#include "store/memory_connector_store.h"
#include "store/page_token.h"
#include "store/store_test_support.h"

namespace ndes::store::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class QueryPageReaderTest : public ::testing::Test {
 protected:
  void CreateNamed(const std::string& id, const std::string& name) {
    NdesConnector connector = SampleConnector(id);
    connector.set_display_name(name);
    ASSERT_THAT(sync_.Create(connector), IsOk());
  }

  MemoryConnectorStore store_;
  SyncStore sync_{store_};
};

TEST_F(QueryPageReaderTest, TokensOfEarlierReleasesAreStillAccepted) {
  for (const char* id : {"a", "b", "c"}) CreateNamed(id, id);
  absl::StatusOr<ListPage> first = sync_.List(1);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->next_page_token, absl::WebSafeBase64Escape("memory.v1:a"));
  EXPECT_THAT(IdsOf(sync_.List(5, first->next_page_token)->connectors),
              ElementsAre("b", "c"));
  // They name no query: only the plain one may continue from them.
  ListQuery filtered;
  filtered.page_token = first->next_page_token;
  filtered.filter = *query::ParseAipFilter("display_name != \"x\"");
  EXPECT_THAT(sync_.List(filtered),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("another filter, order_by or read_mask")));
}

TEST_F(QueryPageReaderTest, TokenWithAnOffsetNoStoreIssuesIsRefused) {
  for (const char* id : {"a", "b", "c"}) CreateNamed(id, id);
  ListQuery query;
  query.order = *query::ParseAipOrderBy("display_name");
  const std::string fingerprint =
      query::QueryFingerprint(query.filter, query.order, query.selection);
  query.page_token =
      absl::WebSafeBase64Escape(absl::StrCat("memory.v2:", fingerprint, ":1:"));
  EXPECT_THAT(IdsOf(sync_.List(query)->connectors), ElementsAre("b", "c"));
  query.page_token = absl::WebSafeBase64Escape(
      absl::StrCat("memory.v2:", fingerprint, ":9223372036854775807:"));
  EXPECT_THAT(sync_.List(query),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a page token issued by this store")));
}

TEST_F(QueryPageReaderTest, LongOrderedValuesPageWithBoundedTokens) {
  std::vector<std::string> expected;
  for (int i = 0; i < 9; ++i) {
    const std::string id = absl::StrCat("ndes-", 9 - i);
    // Longer than a token keeps: the tokens count instead.
    CreateNamed(id, absl::StrCat(std::string(3000, 'x'), i));
    expected.push_back(id);
  }
  ListQuery query;
  query.page_size = 2;
  query.order = *query::ParseODataOrderBy("displayName");
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<ListPage> page = sync_.List(query);
    ASSERT_THAT(page, IsOk());
    for (const NdesConnector& c : page->connectors) seen.push_back(c.id());
    EXPECT_LE(page->next_page_token.size(), 1600u);
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
  }
  EXPECT_THAT(seen, ElementsAreArray(expected));
}

TEST_F(QueryPageReaderTest, OrderedPagesCutShortByBytesCoverEveryMatchOnce) {
  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    const std::string id = absl::StrCat("ndes-", i);
    CreateNamed(id, absl::StrCat("name-", 99 - i, std::string(200, 'x')));
    expected.push_back(id);
  }
  ListQuery query;
  query.page_size = 10;
  query.order = *query::ParseAipOrderBy("display_name");
  std::vector<std::string> seen;
  for (int pages = 0; pages < 20; ++pages) {
    // Room for about three connectors a page, far fewer than page_size.
    absl::StatusOr<ListPage> page = sync_.List(query, 1000);
    ASSERT_THAT(page, IsOk());
    EXPECT_THAT(page->connectors, Not(IsEmpty()));
    EXPECT_LT(page->connectors.size(), 10u);
    for (const NdesConnector& c : page->connectors) seen.push_back(c.id());
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
  }
  std::reverse(expected.begin(), expected.end());
  EXPECT_THAT(seen, ElementsAreArray(expected));
}

TEST_F(QueryPageReaderTest, UnfilteredIdOrderReadsOnePageOfRowsOnce) {
  std::vector<NdesConnector> rows;
  for (int i = 0; i < 100; ++i)
    rows.push_back(SampleConnector(absl::StrCat("n", 100 + i)));
  std::vector<int> limits;
  auto read = [&](absl::string_view after,
                  int limit) -> absl::StatusOr<std::vector<NdesConnector>> {
    limits.push_back(limit);
    std::vector<NdesConnector> out;
    for (const NdesConnector& row : rows) {
      if (row.id() > after && static_cast<int>(out.size()) < limit) {
        out.push_back(row);
      }
    }
    return out;
  };
  ListQuery query;
  query.page_size = 10;
  absl::StatusOr<ListPage> page =
      ReadQueryPage("test", query, ListPosition(), kDefaultMaxPageBytes, read);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->connectors, SizeIs(10));
  EXPECT_THAT(page->next_page_token, Not(IsEmpty()));
  EXPECT_THAT(limits, ElementsAre(11));
}

TEST_F(QueryPageReaderTest, RowErrorsAreTheListsErrors) {
  auto read = [](absl::string_view,
                 int) -> absl::StatusOr<std::vector<NdesConnector>> {
    return absl::UnavailableError("disk gone");
  };
  EXPECT_THAT(ReadQueryPage("test", ListQuery(), ListPosition(),
                            kDefaultMaxPageBytes, read),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk gone")));
}

}  // namespace
}  // namespace ndes::store::testing
