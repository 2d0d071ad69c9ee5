// GraphStats: what the Graph backend records (each test gives the store a
// registry of its own and reads exactly that), and the client-request-id of
// its requests, against the fake Graph on loopback.
#include "graph/graph_stats.h"

#include <future>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "observability/metrics_registry.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::RecordedRequest;
using ::ndes::graph::testing::ScriptedResponse;
using ::ndes::store::CallContext;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::v1::NdesConnector;
using ::testing::_;
using ::testing::MatchesRegex;
using ::testing::Optional;

constexpr char kUuidPattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

enum class Auth { kPassthrough, kClientCredentials };

std::unique_ptr<GraphConnectorStore> MakeStore(
    const FakeGraphServer& fake, Auth auth, std::shared_ptr<GraphStats> stats,
    std::string secret = "") {
  auto http = std::make_shared<http::CpprestHttpClient>();
  std::unique_ptr<GraphAuthorization> authorization;
  if (auth == Auth::kPassthrough) {
    authorization = std::make_unique<PassthroughAuthorization>();
  } else {
    ClientCredentialsOptions options;
    options.token_url = fake.token_url();
    options.client_id = fake.options().client_id;
    options.client_secret =
        secret.empty() ? fake.options().client_secret : secret;
    authorization =
        std::make_unique<ClientCredentialsAuthorization>(options, http, stats);
  }
  GraphStoreOptions options;
  options.base_url = fake.base_url();
  options.retry.max_attempts = 3;
  options.retry.initial_backoff = absl::Milliseconds(5);
  options.retry.max_backoff = absl::Milliseconds(20);
  options.budget = RequestBudget::Off();
  auto store = GraphConnectorStore::Create(
      std::move(options), std::move(http), std::move(authorization),
      std::make_unique<http::ThreadScheduler>(), std::move(stats));
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

// Synchronous calls with a given context.
absl::StatusOr<NdesConnector> Get(GraphConnectorStore& store,
                                  const std::string& id,
                                  CallContext context = {}) {
  if (context.authorization.empty()) context.authorization = "Bearer caller";
  std::promise<absl::StatusOr<NdesConnector>> answer;
  store.Get(context, id, [&answer](absl::StatusOr<NdesConnector> result) {
    answer.set_value(std::move(result));
  });
  return answer.get_future().get();
}

absl::StatusOr<NdesConnector> Update(GraphConnectorStore& store,
                                     store::UpdateCommand command,
                                     CallContext context = {}) {
  if (context.authorization.empty()) context.authorization = "Bearer caller";
  std::promise<absl::StatusOr<NdesConnector>> answer;
  store.Update(context, std::move(command),
               [&answer](absl::StatusOr<NdesConnector> result) {
                 answer.set_value(std::move(result));
               });
  return answer.get_future().get();
}

// Reads the counters a test asserts on; compared before and after.
struct GraphCounts {
  double get_200 = 0;
  double get_429 = 0;
  double get_503 = 0;
  double get_error = 0;
  double retries = 0;
  double throttled = 0;
  double throttle_wait = 0;
  double token_success = 0;
  double token_failure = 0;

  static GraphCounts Read(GraphStats& m) {
    GraphCounts c;
    c.get_200 = m.requests_total().WithLabels({"GET", "200"}).Value();
    c.get_429 = m.requests_total().WithLabels({"GET", "429"}).Value();
    c.get_503 = m.requests_total().WithLabels({"GET", "503"}).Value();
    c.get_error = m.requests_total().WithLabels({"GET", "error"}).Value();
    c.retries = m.retries_total().Get().Value();
    c.throttled = m.throttled_total().Get().Value();
    c.throttle_wait = m.throttle_wait_seconds_total().Get().Value();
    c.token_success = m.token_requests_total().WithLabels({"success"}).Value();
    c.token_failure = m.token_requests_total().WithLabels({"failure"}).Value();
    return c;
  }
};

class GraphStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.PutConnector(
        translation::ConnectorToGraphJson(SampleConnector("ndes-1")));
  }
  std::unique_ptr<GraphConnectorStore> MakeStore(Auth auth,
                                                 std::string secret = "") {
    return graph::MakeStore(fake_, auth, stats_, std::move(secret));
  }
  GraphCounts Counts() { return GraphCounts::Read(*stats_); }

  FakeGraphServer fake_;
  observability::MetricsRegistry registry_;
  std::shared_ptr<GraphStats> stats_ = GraphStats::Create(registry_);
};

TEST_F(GraphStatsTest, AThrottledAnswerCountsThrottleRetryAndWait) {
  ScriptedResponse throttled;
  throttled.method = "GET";
  throttled.status = 429;
  throttled.headers = {{"Retry-After", "1"}};
  fake_.Enqueue(throttled);
  auto store = MakeStore(Auth::kPassthrough);
  const GraphCounts before = Counts();

  ASSERT_THAT(Get(*store, "ndes-1"), IsOk());

  const GraphCounts after = Counts();
  EXPECT_EQ(after.get_429 - before.get_429, 1);
  EXPECT_EQ(after.get_200 - before.get_200, 1);
  EXPECT_EQ(after.throttled - before.throttled, 1);
  EXPECT_EQ(after.retries - before.retries, 1);
  EXPECT_EQ(after.throttle_wait - before.throttle_wait, 1.0);
}

TEST_F(GraphStatsTest, A429WithoutRetryAfterIsThrottlingToo) {
  // Intune often throttles without saying for how long.
  ScriptedResponse throttled;
  throttled.method = "GET";
  throttled.status = 429;
  fake_.Enqueue(throttled);
  auto store = MakeStore(Auth::kPassthrough);

  ASSERT_THAT(Get(*store, "ndes-1"), IsOk());

  const GraphCounts after = Counts();
  EXPECT_EQ(after.get_429, 1);
  EXPECT_EQ(after.throttled, 1);
  EXPECT_EQ(after.retries, 1);
}

TEST_F(GraphStatsTest, RecordsIntoTheRegistryItIsGivenAndNowhereElse) {
  observability::MetricsRegistry other;
  std::shared_ptr<GraphStats> other_stats = GraphStats::Create(other);
  auto store = MakeStore(Auth::kPassthrough);
  ASSERT_THAT(Get(*store, "ndes-1"), IsOk());

  EXPECT_EQ(stats_->requests_total().WithLabels({"GET", "200"}).Value(), 1);
  EXPECT_THAT(registry_.TextExposition(),
              ::testing::HasSubstr("ndes_gateway_graph_requests_total{"
                                   "method=\"GET\",status=\"200\"} 1\n"));
  EXPECT_EQ(other_stats->requests_total().WithLabels({"GET", "200"}).Value(),
            0);
}

TEST_F(GraphStatsTest, ABackOffRetryIsARetryButNotThrottling) {
  // 503 without Retry-After: a transient fault, retried with back-off.
  ScriptedResponse unavailable;
  unavailable.method = "GET";
  unavailable.status = 503;
  fake_.Enqueue(unavailable);
  auto store = MakeStore(Auth::kPassthrough);
  const GraphCounts before = Counts();

  ASSERT_THAT(Get(*store, "ndes-1"), IsOk());

  const GraphCounts after = Counts();
  EXPECT_EQ(after.get_503 - before.get_503, 1);
  EXPECT_EQ(after.get_200 - before.get_200, 1);
  EXPECT_EQ(after.retries - before.retries, 1);
  EXPECT_EQ(after.throttled - before.throttled, 0);
  EXPECT_EQ(after.throttle_wait - before.throttle_wait, 0);
}

TEST_F(GraphStatsTest, ThrottlingUntilAttemptsRunOutCountsEveryRetry) {
  ScriptedResponse throttled;
  throttled.method = "GET";
  throttled.status = 503;
  throttled.headers = {{"Retry-After", "0"}};
  for (int i = 0; i < 3; ++i) fake_.Enqueue(throttled);
  auto store = MakeStore(Auth::kPassthrough);  // 3 attempts
  const GraphCounts before = Counts();

  EXPECT_THAT(Get(*store, "ndes-1"),
              StatusIs(absl::StatusCode::kUnavailable, _));

  const GraphCounts after = Counts();
  EXPECT_EQ(after.get_503 - before.get_503, 3);
  EXPECT_EQ(after.throttled - before.throttled, 3);
  EXPECT_EQ(after.retries - before.retries, 2);  // the third is not retried
}

TEST_F(GraphStatsTest, ARequestWithoutAnswerCountsAsError) {
  ScriptedResponse dropped;
  dropped.method = "GET";
  dropped.close_without_answer = true;
  fake_.Enqueue(dropped);
  auto store = MakeStore(Auth::kPassthrough);
  const GraphCounts before = Counts();

  EXPECT_THAT(Get(*store, "ndes-1"),
              StatusIs(absl::StatusCode::kUnavailable, _));

  const GraphCounts after = Counts();
  EXPECT_EQ(after.get_error - before.get_error, 1);
  EXPECT_EQ(after.retries - before.retries, 0);
}

TEST_F(GraphStatsTest, CountsTokenRequestsByResult) {
  fake_.RequireIssuedToken();
  const GraphCounts before = Counts();
  {
    auto store = MakeStore(Auth::kClientCredentials);
    ASSERT_THAT(Get(*store, "ndes-1"), IsOk());
    ASSERT_THAT(Get(*store, "ndes-1"), IsOk());  // the cached token
  }
  {
    auto store = MakeStore(Auth::kClientCredentials, "wrong-secret");
    EXPECT_THAT(Get(*store, "ndes-1"),
                StatusIs(absl::StatusCode::kUnauthenticated, _));
  }
  const GraphCounts after = Counts();
  EXPECT_EQ(after.token_success - before.token_success, 1);
  EXPECT_EQ(after.token_failure - before.token_failure, 1);
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(GraphStatsTest, SendsTheCallsRequestIdAsClientRequestId) {
  // A 204 to the PATCH makes a follow-up GET, and a 503 a retry: all carry
  // the call's id.
  fake_.SetPatchAlwaysNoContent(true);
  ScriptedResponse unavailable;
  unavailable.method = "PATCH";
  unavailable.status = 503;
  unavailable.headers = {{"Retry-After", "0"}};
  fake_.Enqueue(unavailable);
  auto store = MakeStore(Auth::kPassthrough);
  CallContext context;
  context.request_id = "7d0c55e2-req-42";

  ASSERT_THAT(Update(*store, RenameCommand("ndes-1", "renamed"), context),
              IsOk());

  const std::vector<RecordedRequest> requests =
      fake_.requests(FakeEndpoint::kGraph);
  ASSERT_EQ(requests.size(), 3u);  // PATCH 503, PATCH 204, GET
  for (const RecordedRequest& request : requests) {
    EXPECT_THAT(request.Header("client-request-id"),
                Optional(std::string("7d0c55e2-req-42")))
        << request.method;
  }
}

TEST_F(GraphStatsTest, WithoutARequestIdEachCallGetsAFreshUuid) {
  auto store = MakeStore(Auth::kPassthrough);
  ASSERT_THAT(Get(*store, "ndes-1"), IsOk());
  CallContext unusable;
  unusable.request_id = "has spaces\r\nand: a header";
  ASSERT_THAT(Get(*store, "ndes-1", unusable), IsOk());

  const std::vector<RecordedRequest> requests =
      fake_.requests(FakeEndpoint::kGraph);
  ASSERT_EQ(requests.size(), 2u);
  const std::string first =
      requests[0].Header("client-request-id").value_or("");
  const std::string second =
      requests[1].Header("client-request-id").value_or("");
  EXPECT_THAT(first, MatchesRegex(kUuidPattern));
  EXPECT_THAT(second, MatchesRegex(kUuidPattern));
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace ndes::graph
