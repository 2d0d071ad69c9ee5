#include "graph/graph_list_pages.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/aip_filter.h"
#include "query/selection.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ::ndes::internal::GraphListCursor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kCollection[] =
    "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors";

// A Graph page of connectors `ids`, with a nextLink of `next_query` (none if
// empty).
std::string GraphPageBody(const std::vector<std::string>& ids,
                          const std::string& next_query = "",
                          const std::string& state = "active") {
  std::vector<std::string> items;
  for (const std::string& id : ids) {
    items.push_back(absl::StrCat(R"({"id":")", id, R"(","state":")", state,
                                 R"(","displayName":"n","futureFlag":[1]})"));
  }
  std::string body = absl::StrCat(R"({"@odata.context":"x","value":[)",
                                  absl::StrJoin(items, ","), "]");
  if (!next_query.empty()) {
    absl::StrAppend(&body, R"(,"@odata.nextLink":")", kCollection, "?",
                    next_query, "\"");
  }
  return body + "}";
}

store::ListQuery Query(const std::string& token, int page_size) {
  store::ListQuery query;
  query.page_token = token;
  query.page_size = page_size;
  return query;
}

std::vector<std::string> IdsOf(const store::ListPage& page) {
  std::vector<std::string> ids;
  for (const auto& connector : page.connectors) ids.push_back(connector.id());
  return ids;
}

class GraphListingTest : public ::testing::Test {
 protected:
  GraphListCursor Cursor(const std::string& token, int page_size) {
    absl::StatusOr<GraphListCursor> cursor =
        listing_.Start(Query(token, page_size));
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return cursor.ok() ? *cursor : GraphListCursor();
  }

  GraphPageTokens tokens_{"test-key"};
  GraphListing listing_{tokens_, ""};
  GraphBehaviour behaviour_{nullptr};
};

TEST_F(GraphListingTest, TheFirstPageAsksGraphForPageSize) {
  EXPECT_EQ(Cursor("", 7).query(), "$top=7");
}

TEST_F(GraphListingTest, AnsweresAtMostPageSizeAndBuffersTheRest) {
  // Graph ignored $top=2 and answered five.
  absl::StatusOr<store::ListPage> first = listing_.GraphPage(
      Cursor("", 2), Query("", 2), store::kDefaultMaxPageBytes,
      GraphPageBody({"a", "b", "c", "d", "e"}, "$skiptoken=Zm9v"), behaviour_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(IdsOf(*first), ElementsAre("a", "b"));
  GraphListCursor cursor = Cursor(first->next_page_token, 2);
  ASSERT_TRUE(GraphListing::FromBuffer(cursor));
  const store::ListPage second =
      listing_.BufferedPage(cursor, 2, store::kDefaultMaxPageBytes);
  EXPECT_THAT(IdsOf(second), ElementsAre("c", "d"));
  const store::ListPage third = listing_.BufferedPage(
      Cursor(second.next_page_token, 2), 2, store::kDefaultMaxPageBytes);
  EXPECT_THAT(IdsOf(third), ElementsAre("e"));
  // Then Graph's nextLink, exactly as given.
  cursor = Cursor(third.next_page_token, 2);
  EXPECT_FALSE(GraphListing::FromBuffer(cursor));
  EXPECT_EQ(cursor.query(), "$skiptoken=Zm9v");
}

TEST_F(GraphListingTest, TheFirstPageCarriesTheQueryAndItsTokensServeOnlyIt) {
  store::ListQuery query = Query("", 2);
  query.filter = *query::ParseAipFilter("state = ACTIVE");
  query.selection = *query::ParseODataSelect("displayName");
  absl::StatusOr<GraphListCursor> start = listing_.Start(query);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_THAT(start->query(), HasSubstr("$filter="));
  EXPECT_THAT(start->query(), HasSubstr("$select="));
  // Graph ignored $select and $top: the answer is reduced and cut anyway.
  absl::StatusOr<store::ListPage> page =
      listing_.GraphPage(*start, query, store::kDefaultMaxPageBytes,
                         GraphPageBody({"a", "b", "c"}), behaviour_);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(IdsOf(*page), ElementsAre("a", "b"));
  EXPECT_EQ(page->connectors[0].display_name(), "n");
  EXPECT_EQ(page->connectors[0].state(), ndes::v1::NDES_CONNECTOR_STATE_NONE)
      << "state is not selected";
  query.page_token = page->next_page_token;
  EXPECT_TRUE(listing_.Start(query).ok());
  // The same token for a List without the filter is refused.
  absl::Status other = listing_.Start(Query(page->next_page_token, 2)).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(),
              HasSubstr("another filter, order_by or read_mask"));
}

TEST_F(GraphListingTest, PagesAreCutToTheirBytesAndTheRestIsBuffered) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(absl::StrCat("c", i));
  // Room for about two connectors of this size.
  const std::size_t max_bytes = 2 * 60;
  absl::StatusOr<store::ListPage> page = listing_.GraphPage(
      Cursor("", 10), Query("", 10), max_bytes, GraphPageBody(ids), behaviour_);
  ASSERT_TRUE(page.ok()) << page.status();
  std::vector<std::string> seen = IdsOf(*page);
  EXPECT_LT(seen.size(), ids.size());
  EXPECT_THAT(seen, Not(IsEmpty()));
  GraphListCursor cursor = Cursor(page->next_page_token, 10);
  while (GraphListing::FromBuffer(cursor)) {
    store::ListPage buffered = listing_.BufferedPage(cursor, 10, max_bytes);
    EXPECT_THAT(buffered.connectors, Not(IsEmpty()));
    for (const std::string& id : IdsOf(buffered)) seen.push_back(id);
    if (buffered.next_page_token.empty()) break;
    cursor = Cursor(buffered.next_page_token, 10);
  }
  EXPECT_EQ(seen, ids);
}

TEST_F(GraphListingTest, ListsConnectorsWithStatesAndPropertiesItDoesNotKnow) {
  absl::StatusOr<store::ListPage> page = listing_.GraphPage(
      Cursor("", 10), Query("", 10), store::kDefaultMaxPageBytes,
      GraphPageBody({"a"}, "", "retired"), behaviour_);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->connectors.size(), 1u);
  EXPECT_EQ(page->connectors[0].state(),
            ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE);
  EXPECT_THAT(page->connectors[0].etag(), Not(IsEmpty()))
      << "Graph sent none: derived";
  EXPECT_THAT(page->next_page_token, IsEmpty());
}

TEST_F(GraphListingTest, BufferedTokensAreSignedAndBoundToTheCaller) {
  GraphListing passthrough(tokens_, "Bearer caller-a");
  absl::StatusOr<GraphListCursor> start = passthrough.Start(Query("", 1));
  ASSERT_TRUE(start.ok());
  absl::StatusOr<store::ListPage> page =
      passthrough.GraphPage(*start, Query("", 1), store::kDefaultMaxPageBytes,
                            GraphPageBody({"a", "b"}), behaviour_);
  ASSERT_TRUE(page.ok()) << page.status();
  const std::string token = page->next_page_token;
  EXPECT_TRUE(passthrough.Start(Query(token, 1)).ok());
  // Another caller cannot read what caller a's credentials fetched...
  GraphListing other(tokens_, "Bearer caller-b");
  EXPECT_EQ(other.Start(Query(token, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  // ...nor another process (another key).
  GraphPageTokens other_key("other-key");
  GraphListing elsewhere(other_key, "Bearer caller-a");
  EXPECT_EQ(elsewhere.Start(Query(token, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphListingTest, ForgedOrAlteredTokensAreRefusedNamingPageToken) {
  GraphListCursor forged;
  forged.set_query("$top=1");
  forged.add_buffered()->set_id("made-up");
  // Signed with another key: refused.
  GraphPageTokens forger("forger-key");
  const std::string signed_elsewhere = forger.Encode(forged, "");
  for (const std::string& token :
       {signed_elsewhere, std::string("garbage"), std::string("Z3JhcGgudjI6"),
        signed_elsewhere + "A"}) {
    absl::Status status = listing_.Start(Query(token, 1)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(status.message(), HasSubstr("page_token"));
    EXPECT_FALSE(translation::FieldViolationsOf(status).empty());
  }
  // A query with characters a URL query cannot hold is refused too.
  GraphListCursor unsafe;
  unsafe.set_query("$top=1#frag");
  EXPECT_EQ(
      listing_.Start(Query(tokens_.Encode(unsafe, ""), 1)).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphListingTest, TokensWithoutConnectorsWorkInAnyGateway) {
  absl::StatusOr<store::ListPage> page = listing_.GraphPage(
      Cursor("", 2), Query("", 2), store::kDefaultMaxPageBytes,
      GraphPageBody({"a", "b"}, "$skiptoken=x"), behaviour_);
  ASSERT_TRUE(page.ok());
  GraphPageTokens another_process;
  GraphListing elsewhere(another_process, "");
  absl::StatusOr<GraphListCursor> cursor =
      elsewhere.Start(Query(page->next_page_token, 2));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->query(), "$skiptoken=x");
}

TEST_F(GraphListingTest, ARepeatedNextLinkStopsTheListing) {
  // Page 2 hands back page 2's own link.
  absl::StatusOr<store::ListPage> first = listing_.GraphPage(
      Cursor("", 1), Query("", 1), store::kDefaultMaxPageBytes,
      GraphPageBody({"a"}, "$skiptoken=p2"), behaviour_);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<store::ListPage> second =
      listing_.GraphPage(Cursor(first->next_page_token, 1), Query("", 1),
                         store::kDefaultMaxPageBytes,
                         GraphPageBody({"b"}, "$skiptoken=p2"), behaviour_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(second.status().message(), HasSubstr("already given"));
}

TEST_F(GraphListingTest, ALongLoopIsFoundWithATokenOfBoundedSize) {
  // Graph's links go p0 -> p1 -> ... -> p39 -> p10 -> ...: a cycle of 30
  // after a tail of 10, longer than the links the token keeps.
  auto next_of = [](int page) { return page < 39 ? page + 1 : 10; };
  GraphListCursor cursor = Cursor("", 1);
  std::size_t largest_token = 0;
  int pages = 0;
  absl::Status stopped;
  for (int page = 0; pages < 500; page = next_of(page), ++pages) {
    absl::StatusOr<store::ListPage> answer = listing_.GraphPage(
        cursor, Query("", 1), store::kDefaultMaxPageBytes,
        GraphPageBody({absl::StrCat("c", page)},
                      absl::StrCat("$skiptoken=p", next_of(page))),
        behaviour_);
    if (!answer.ok()) {
      stopped = answer.status();
      break;
    }
    largest_token = std::max(largest_token, answer->next_page_token.size());
    cursor = Cursor(answer->next_page_token, 1);
  }
  EXPECT_EQ(stopped.code(), absl::StatusCode::kInternal);
  EXPECT_LT(pages, 40 + 2 * 30 + 30) << "found within a few cycle lengths";
  EXPECT_LT(largest_token, 300u);
}

TEST_F(GraphListingTest, ANextLinkWithoutAUsableQueryIsInternal) {
  for (const std::string& body :
       {absl::StrCat(R"({"value":[],"@odata.nextLink":")", kCollection,
                     R"("})"),
        absl::StrCat(R"({"value":[],"@odata.nextLink":")", kCollection,
                     R"(?a=b c"})")}) {
    EXPECT_EQ(listing_
                  .GraphPage(Cursor("", 1), Query("", 1),
                             store::kDefaultMaxPageBytes, body, behaviour_)
                  .status()
                  .code(),
              absl::StatusCode::kInternal)
        << body;
  }
}

TEST_F(GraphListingTest, APageTooLargeToBufferIsFetchedAgainForTheRest) {
  std::vector<std::string> ids;
  for (int i = 0; i < kMaxBufferedConnectors + 5; ++i) {
    ids.push_back(absl::StrCat("c", 10000 + i));
  }
  const std::string body = GraphPageBody(ids, "$skiptoken=next");
  absl::StatusOr<store::ListPage> page =
      listing_.GraphPage(Cursor("", 1), Query("", 1),
                         store::kDefaultMaxPageBytes, body, behaviour_);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> seen = IdsOf(*page);
  GraphListCursor cursor = Cursor(page->next_page_token, 1);
  EXPECT_EQ(cursor.buffered_size(), kMaxBufferedConnectors);
  // Drain the buffer, page_size 1000 at a time.
  while (GraphListing::FromBuffer(cursor)) {
    store::ListPage buffered =
        listing_.BufferedPage(cursor, 1000, store::kDefaultMaxPageBytes);
    for (const std::string& id : IdsOf(buffered)) seen.push_back(id);
    cursor = Cursor(buffered.next_page_token, 1000);
  }
  // The same Graph page again, for the rest: its nextLink is no repeat.
  EXPECT_EQ(cursor.query(), "$top=1");
  absl::StatusOr<store::ListPage> rest = listing_.GraphPage(
      cursor, Query("", 1000), store::kDefaultMaxPageBytes, body, behaviour_);
  ASSERT_TRUE(rest.ok()) << rest.status();
  for (const std::string& id : IdsOf(*rest)) seen.push_back(id);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(Cursor(rest->next_page_token, 1).query(), "$skiptoken=next");
}

}  // namespace
}  // namespace ndes::graph
