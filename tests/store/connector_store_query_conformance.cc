// The part of the conformance suite about List queries: filter, order and
// selection, paging through them, and page tokens bound to their query
// (connector_store.h's ListQuery), built from AIP text as the gRPC face
// does.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/aip_filter.h"
#include "query/order_by.h"
#include "query/selection.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
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

query::Filter AipFilter(const std::string& text) {
  absl::StatusOr<query::Filter> filter = query::ParseAipFilter(text);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() ? *filter : query::Filter();
}

query::OrderBy AipOrder(const std::string& text) {
  absl::StatusOr<query::OrderBy> order = query::ParseAipOrderBy(text);
  EXPECT_TRUE(order.ok()) << order.status();
  return order.ok() ? *order : query::OrderBy();
}

query::Selection ReadMask(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  absl::StatusOr<query::Selection> selection =
      query::SelectionFromReadMask(mask);
  EXPECT_TRUE(selection.ok()) << selection.status();
  return selection.ok() ? *selection : query::Selection();
}

NdesConnector Named(const std::string& id, const std::string& display_name,
                    v1::NdesConnectorState state) {
  NdesConnector connector = SampleConnector(id);
  connector.set_display_name(display_name);
  connector.set_state(state);
  return connector;
}

constexpr char kQueriesNotEvaluated[] =
    "this store's fake upstream does not evaluate queries";

// Every page of `query` (page_token ignored), at most `max_pages` of them.
std::vector<NdesConnector> AllPages(SyncStore& sync, ListQuery query,
                                    int max_pages = 100) {
  std::vector<NdesConnector> all;
  query.page_token.clear();
  for (int pages = 0; pages < max_pages; ++pages) {
    absl::StatusOr<ListPage> page = sync.List(query);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    EXPECT_LE(static_cast<int>(page->connectors.size()), query.page_size);
    all.insert(all.end(), page->connectors.begin(), page->connectors.end());
    if (page->next_page_token.empty()) return all;
    query.page_token = page->next_page_token;
  }
  ADD_FAILURE() << "pages did not end";
  return all;
}

TEST_P(ConnectorStoreConformanceTest, ListAnswersOnlyConnectorsThatMatch) {
  if (!GetParam().evaluates_queries) GTEST_SKIP() << kQueriesNotEvaluated;
  using v1::NDES_CONNECTOR_STATE_ACTIVE;
  using v1::NDES_CONNECTOR_STATE_INACTIVE;
  MustCreate(Named("ndes-1", "Paris", NDES_CONNECTOR_STATE_ACTIVE));
  MustCreate(Named("ndes-2", "Lyon", NDES_CONNECTOR_STATE_INACTIVE));
  MustCreate(Named("ndes-3", "paris (backup)", NDES_CONNECTOR_STATE_INACTIVE));
  MustCreate(Named("ndes-4", "Nice", NDES_CONNECTOR_STATE_ACTIVE));
  ListQuery query;
  query.page_size = kMaxPageSize;
  query.filter = AipFilter("state = INACTIVE");
  EXPECT_THAT(IdsOf(AllPages(sync(), query)), ElementsAre("ndes-2", "ndes-3"));
  query.filter = AipFilter(
      "starts_with(display_name, \"PARIS\") OR display_name = (Nice OR x)");
  EXPECT_THAT(IdsOf(AllPages(sync(), query)),
              ElementsAre("ndes-1", "ndes-3", "ndes-4"));
  query.filter = AipFilter("NOT contains(display_name, \"i\")");
  EXPECT_THAT(IdsOf(AllPages(sync(), query)), ElementsAre("ndes-2"));
}

TEST_P(ConnectorStoreConformanceTest,
       FilteredPagesCoverEveryMatchExactlyOnceInIdOrder) {
  if (!GetParam().evaluates_queries) GTEST_SKIP() << kQueriesNotEvaluated;
  std::vector<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    const std::string id = absl::StrCat("ndes-", (i * 7) % 23 + 100);
    const bool even = i % 2 == 0;
    MustCreate(
        Named(id, even ? "even" : "odd", v1::NDES_CONNECTOR_STATE_ACTIVE));
    if (even) expected.push_back(id);
  }
  std::sort(expected.begin(), expected.end());
  for (int page_size : {1, 2, 5, 12, 13}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    ListQuery query;
    query.page_size = page_size;
    query.filter = AipFilter("display_name = even");
    EXPECT_THAT(IdsOf(AllPages(sync(), query)), ElementsAreArray(expected));
  }
}

TEST_P(ConnectorStoreConformanceTest,
       OrderedPagesCoverEveryConnectorExactlyOnceInThatOrder) {
  if (!GetParam().evaluates_queries) GTEST_SKIP() << kQueriesNotEvaluated;
  std::vector<NdesConnector> created;
  for (int i = 0; i < 17; ++i) {
    // Names repeat (and differ in case only), so ids break ties.
    NdesConnector connector =
        Named(absl::StrCat("ndes-", (i * 5) % 17 + 10),
              i % 3 == 0 ? "Alpha" : (i % 3 == 1 ? "beta" : "ALPHA"),
              static_cast<v1::NdesConnectorState>(i % 3));
    if (i % 4 == 0) connector.clear_enrolled_date_time();
    created.push_back(MustCreate(connector));
  }
  for (const char* order_text :
       {"display_name desc", "state, display_name desc", "enrolled_date_time",
        "enrolled_date_time desc, id desc"}) {
    SCOPED_TRACE(order_text);
    const query::OrderBy order = AipOrder(order_text);
    std::vector<NdesConnector> expected = created;
    std::sort(expected.begin(), expected.end(), query::ConnectorOrder(order));
    for (int page_size : {1, 4, 17, 18}) {
      SCOPED_TRACE(absl::StrCat("page_size ", page_size));
      ListQuery query;
      query.page_size = page_size;
      query.order = order;
      EXPECT_THAT(IdsOf(AllPages(sync(), query)),
                  ElementsAreArray(IdsOf(expected)));
    }
  }
}

TEST_P(ConnectorStoreConformanceTest,
       OrderedTokenStaysValidAfterItsLastConnectorIsDeleted) {
  if (!GetParam().evaluates_queries) GTEST_SKIP() << kQueriesNotEvaluated;
  MustCreate(Named("a", "delta", v1::NDES_CONNECTOR_STATE_ACTIVE));
  MustCreate(Named("b", "charlie", v1::NDES_CONNECTOR_STATE_ACTIVE));
  MustCreate(Named("c", "bravo", v1::NDES_CONNECTOR_STATE_ACTIVE));
  MustCreate(Named("d", "alpha", v1::NDES_CONNECTOR_STATE_ACTIVE));
  ListQuery query;
  query.page_size = 2;
  query.order = AipOrder("display_name");
  absl::StatusOr<ListPage> first = sync().List(query);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(IdsOf(first->connectors), ElementsAre("d", "c"));
  ASSERT_THAT(sync().Delete("c"), IsOk());
  // A connector written before the position stays behind it.
  ASSERT_THAT(sync().Update(RenameCommand("a", "aardvark")), IsOk());
  query.page_token = first->next_page_token;
  absl::StatusOr<ListPage> second = sync().List(query);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(IdsOf(second->connectors), ElementsAre("b"));
  EXPECT_THAT(second->next_page_token, IsEmpty());
}

// Every store, the Graph backend too: a token is checked before anything
// is read, so no evaluation of the query is needed.
TEST_P(ConnectorStoreConformanceTest,
       ListRefusesAPageTokenOfAnotherFilterOrderOrSelection) {
  for (const char* id : {"a", "b", "c"}) {
    MustCreate(Named(id, id, v1::NDES_CONNECTOR_STATE_ACTIVE));
  }
  ListQuery query;
  query.page_size = 1;
  query.filter = AipFilter("display_name != \"x\"");
  absl::StatusOr<ListPage> first = sync().List(query);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(first->next_page_token, Not(IsEmpty()));

  std::vector<ListQuery> others(4, query);
  others[0].filter = AipFilter("display_name != \"y\"");
  others[1].filter = query::Filter();
  others[2].order = AipOrder("display_name");
  others[3].selection = ReadMask({"state"});
  for (ListQuery& other : others) {
    other.page_token = first->next_page_token;
    absl::StatusOr<ListPage> refused = sync().List(other);
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("page_token")));
    EXPECT_THAT(refused.status().message(),
                HasSubstr("another filter, order_by or read_mask"));
  }
  // The page size may change. A page holds up to page_size connectors: a
  // Graph upstream keeps the size its nextLink was issued with, so the rest
  // may take more than one page.
  query.page_token = first->next_page_token;
  query.page_size = 5;
  std::vector<std::string> rest;
  for (int pages = 0; pages < 5; ++pages) {
    absl::StatusOr<ListPage> page = sync().List(query);
    ASSERT_THAT(page, IsOk());
    for (const std::string& id : IdsOf(page->connectors)) rest.push_back(id);
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
  }
  if (GetParam().evaluates_queries) {
    EXPECT_THAT(rest, ElementsAre("b", "c"));
  }
}

TEST_P(ConnectorStoreConformanceTest, ListSelectionKeepsOnlySelectedIdAndEtag) {
  if (!GetParam().evaluates_queries) GTEST_SKIP() << kQueriesNotEvaluated;
  const NdesConnector created = MustCreate(SampleConnector("ndes-1"));
  ListQuery query;
  query.selection = ReadMask({"display_name", "role_scope_tag_ids"});
  // The filter and order may use what the selection leaves out.
  query.filter = AipFilter("machine_name:*");
  query.order = AipOrder("state desc");
  absl::StatusOr<ListPage> page = sync().List(query);
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->connectors, SizeIs(1));
  NdesConnector expected;
  expected.set_id(created.id());
  expected.set_etag(created.etag());
  expected.set_display_name(created.display_name());
  *expected.mutable_role_scope_tag_ids() = created.role_scope_tag_ids();
  EXPECT_THAT(page->connectors[0], EqualsProto(expected));
}

}  // namespace
}  // namespace ndes::store::testing
