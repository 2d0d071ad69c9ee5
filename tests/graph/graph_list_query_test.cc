// The query of the first Graph request of a List (graph_list_query.h), and
// that the Graph backend sends it upstream and binds its page tokens to it.
#include "graph/graph_list_query.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "graph/graph_stats.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "query/aip_filter.h"
#include "query/order_by.h"
#include "query/selection.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

store::ListQuery QueryOf(const std::string& filter, const std::string& order,
                         const std::vector<std::string>& mask) {
  store::ListQuery query;
  query.page_size = 5;
  query.filter = *query::ParseAipFilter(filter);
  query.order = *query::ParseAipOrderBy(order);
  google::protobuf::FieldMask read_mask;
  for (const std::string& path : mask) read_mask.add_paths(path);
  query.selection = *query::SelectionFromReadMask(read_mask);
  return query;
}

TEST(GraphListQueryTest, AnEmptyQueryIsTopAlone) {
  EXPECT_EQ(GraphListQueryString(QueryOf("", "", {})), "$top=5");
}

TEST(GraphListQueryTest, FilterOrderAndSelectBecomeODataOptions) {
  store::ListQuery query =
      QueryOf("state = ACTIVE AND role_scope_tag_ids:\"0\"",
              "display_name desc, id", {"display_name", "state"});
  EXPECT_EQ(GraphListQueryString(query),
            "$top=5"
            "&$filter=state%20eq%20'active'%20and%20roleScopeTagIds/"
            "any(t:t%20eq%20'0')"
            "&$orderby=displayName%20desc,id"
            "&$select=displayName,state");
}

TEST(GraphListQueryTest, ValuesCannotAddOptionsOrDecodeToSpaces) {
  const std::string text = GraphListQueryString(QueryOf(
      "display_name = \"a&$top=1#x+y%z\" OR last_connection_date_time = "
      "\"2026-01-01T01:00:00+01:00\"",
      "", {}));
  EXPECT_EQ(text,
            "$top=5&$filter=displayName%20eq%20'a%26%24top%3D1%23x%2By%25z'"
            "%20or%20lastConnectionDateTime%20eq%202026-01-01T00:00:00Z");
}

class GraphBackendListQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GraphStoreOptions options;
    options.base_url = fake_.base_url();
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        GraphConnectorStore::Create(
            options, std::make_shared<http::CpprestHttpClient>(),
            std::make_unique<PassthroughAuthorization>(),
            std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    for (const char* id : {"a", "b", "c"}) {
      web::json::value connector = web::json::value::object();
      connector["id"] = web::json::value::string(id);
      connector["displayName"] = web::json::value::string(id);
      connector["state"] = web::json::value::string("inactive");
      fake_.PutConnector(connector);
    }
  }

  absl::StatusOr<store::ListPage> List(store::ListQuery query) {
    absl::StatusOr<store::ListPage> answer = absl::UnknownError("no answer");
    absl::Notification listed;
    store::CallContext context;
    context.authorization = "Bearer test";
    store_->List(context, std::move(query),
                 [&](absl::StatusOr<store::ListPage> page) {
                   answer = std::move(page);
                   listed.Notify();
                 });
    listed.WaitForNotification();
    return answer;
  }

  std::vector<std::string> UpstreamQueries() {
    std::vector<std::string> queries;
    for (const auto& request : fake_.requests(FakeEndpoint::kGraph)) {
      queries.push_back(request.query);
    }
    return queries;
  }

  FakeGraphServer fake_;
  std::unique_ptr<GraphConnectorStore> store_;
};

TEST_F(GraphBackendListQueryTest, FirstRequestCarriesFilterOrderAndSelect) {
  store::ListQuery query =
      QueryOf("state = INACTIVE", "display_name desc", {"state"});
  query.page_size = 2;
  absl::StatusOr<store::ListPage> first = List(query);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(UpstreamQueries(),
              ElementsAre("$top=2&$filter=state%20eq%20'inactive'"
                          "&$orderby=displayName%20desc&$select=state"));
  // The fake answers every property: the store still answers only the
  // selection (and the id).
  ASSERT_FALSE(first->connectors.empty());
  for (const v1::NdesConnector& connector : first->connectors) {
    EXPECT_TRUE(connector.display_name().empty()) << connector.id();
    EXPECT_EQ(connector.state(), v1::NDES_CONNECTOR_STATE_INACTIVE);
  }
  // The next page follows Graph's nextLink.
  ASSERT_FALSE(first->next_page_token.empty());
  query.page_token = first->next_page_token;
  fake_.ClearRequests();
  ASSERT_TRUE(List(query).ok());
  EXPECT_THAT(UpstreamQueries(), ElementsAre(HasSubstr("$skiptoken=")));
}

TEST_F(GraphBackendListQueryTest, TokenOfAnotherQueryNeverReachesGraph) {
  store::ListQuery query = QueryOf("state = INACTIVE", "", {});
  query.page_size = 1;
  absl::StatusOr<store::ListPage> first = List(query);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  store::ListQuery other = QueryOf("state = ACTIVE", "", {});
  other.page_token = first->next_page_token;
  fake_.ClearRequests();
  absl::StatusOr<store::ListPage> refused = List(other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("another filter, order_by or read_mask"));
  EXPECT_THAT(UpstreamQueries(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace ndes::graph
