// Many concurrent callers updating the same connectors through the Graph
// backend, against the Intune-like fake with a small budget (Intune's rate,
// in a window ten times shorter: 10 writes and 100 requests per 2 s, so one
// write every 200 ms as in production). Every call must succeed within its
// deadline, almost nothing may be throttled, the waiting updates must be
// merged into fewer PATCHes than calls, and what Graph stores must be what
// applying the calls one after another in arrival order gives.
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "ndes/v1/connector_fields.h"
#include "observability/metrics_registry.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphBehaviour;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::ndes::store::CallContext;
using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::WithoutEtag;
using ::ndes::v1::ConnectorField;
using ::ndes::v1::NdesConnector;

constexpr int kConnectors = 5;
constexpr int kCalls = 100;
constexpr absl::Duration kWindow = absl::Seconds(2);
constexpr absl::Duration kDeadline = absl::Seconds(10);

// A random unconditional update of `id`: one to three fields, new values.
UpdateCommand RandomUpdate(const std::string& id, int call, std::mt19937& rng) {
  UpdateCommand command;
  command.id = id;
  const std::vector<ConnectorField> choices = {
      ConnectorField::kDisplayName, ConnectorField::kMachineName,
      ConnectorField::kConnectorVersion, ConnectorField::kRoleScopeTagIds,
      ConnectorField::kState};
  const int fields = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < fields; ++i) {
    command.fields.Add(choices[rng() % choices.size()]);
  }
  command.values.set_display_name(absl::StrCat("name-", call));
  command.values.set_machine_name(absl::StrCat("m", call, ".contoso.com"));
  command.values.set_connector_version(absl::StrCat("6.", call));
  command.values.add_role_scope_tag_ids(absl::StrCat(call));
  command.values.set_state(call % 2 == 0
                               ? ndes::v1::NDES_CONNECTOR_STATE_ACTIVE
                               : ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  return command;
}

TEST(GraphBudgetLoadTest, ConcurrentUpdatesAllSucceedMergedWithinTheBudget) {
  FakeGraphServerOptions fake_options;
  fake_options.behaviour = FakeGraphBehaviour::IntuneLike(10, 100, kWindow);
  FakeGraphServer fake(fake_options);
  fake.RequireIssuedToken();
  std::map<std::string, NdesConnector> expected;
  for (int i = 0; i < kConnectors; ++i) {
    NdesConnector connector = SampleConnector(absl::StrCat("ndes-", i));
    fake.PutConnector(translation::ConnectorToGraphJson(connector));
    expected[connector.id()] = connector;
  }

  auto http = std::make_shared<http::CpprestHttpClient>();
  observability::MetricsRegistry registry;
  std::shared_ptr<GraphStats> stats = GraphStats::Create(registry);
  ClientCredentialsOptions credentials;
  credentials.token_url = fake.token_url();
  credentials.client_id = fake.options().client_id;
  credentials.client_secret = fake.options().client_secret;
  GraphStoreOptions options;
  options.base_url = fake.base_url();
  options.budget = {10, 100, kWindow};
  absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
      GraphConnectorStore::Create(
          options, http,
          std::make_unique<ClientCredentialsAuthorization>(credentials, http,
                                                           stats),
          std::make_unique<http::ThreadScheduler>(), stats);
  ASSERT_TRUE(store.ok()) << store.status();

  // Every call in flight at once, in a known arrival order.
  std::mt19937 rng(20261128);
  std::vector<UpdateCommand> calls;
  std::vector<std::promise<absl::StatusOr<NdesConnector>>> answers(kCalls);
  std::vector<absl::Time> answered_at(kCalls);
  const absl::Time start = absl::Now();
  for (int call = 0; call < kCalls; ++call) {
    calls.push_back(
        RandomUpdate(absl::StrCat("ndes-", rng() % kConnectors), call, rng));
    CallContext context;
    context.deadline = absl::Now() + kDeadline;
    context.request_id = absl::StrCat("call-", call);
    (*store)->Update(
        context, calls.back(),
        [&answers, &answered_at, call](absl::StatusOr<NdesConnector> result) {
          answered_at[call] = absl::Now();
          answers[call].set_value(std::move(result));
        });
  }

  // What applying the calls one after another gives, after each call.
  std::vector<NdesConnector> after(kCalls);
  for (int call = 0; call < kCalls; ++call) {
    NdesConnector& stored = expected[calls[call].id];
    ndes::v1::CopyFields(calls[call].values, calls[call].fields, &stored);
    after[call] = stored;
  }

  absl::Duration slowest;
  absl::Duration total;
  for (int call = 0; call < kCalls; ++call) {
    std::future<absl::StatusOr<NdesConnector>> answer =
        answers[call].get_future();
    ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)),
              std::future_status::ready);
    absl::StatusOr<NdesConnector> result = answer.get();
    ASSERT_TRUE(result.ok()) << "call " << call << ": " << result.status();
    EXPECT_LT(answered_at[call] - start, kDeadline) << "call " << call;
    slowest = std::max(slowest, answered_at[call] - start);
    total += answered_at[call] - start;
    // The connector as stored after the write this call was merged into:
    // its own call and maybe later ones of the same connector, never less.
    bool matches = false;
    for (int later = call; later < kCalls && !matches; ++later) {
      matches =
          calls[later].id == calls[call].id &&
          ::testing::Matches(EqualsProto(after[later]))(WithoutEtag(*result));
    }
    EXPECT_TRUE(matches) << "call " << call << " answered "
                         << result->ShortDebugString();
  }

  for (const auto& [id, connector] : expected) {
    absl::StatusOr<NdesConnector> stored =
        translation::ConnectorFromGraphJson(*fake.FindConnector(id));
    ASSERT_TRUE(stored.ok());
    EXPECT_THAT(WithoutEtag(*stored), EqualsProto(connector)) << id;
  }

  int patches = 0;
  for (const auto& request : fake.requests(FakeEndpoint::kGraph)) {
    if (request.method == "PATCH") ++patches;
  }
  EXPECT_LT(patches, kCalls / 2) << "waiting updates are merged";
  EXPECT_LE(fake.budget_refusals(), 1) << "almost no 429";
  EXPECT_EQ(stats->coalesced_updates_total().Get().Value(), kCalls - patches);
  ::testing::Test::RecordProperty("calls", kCalls);
  ::testing::Test::RecordProperty("patches", patches);
  ::testing::Test::RecordProperty(
      "graph_requests",
      static_cast<int>(fake.requests(FakeEndpoint::kGraph).size()));
  ::testing::Test::RecordProperty("throttled", fake.budget_refusals());
  ::testing::Test::RecordProperty(
      "slowest_ms", static_cast<int>(absl::ToInt64Milliseconds(slowest)));
  ::testing::Test::RecordProperty(
      "mean_ms", static_cast<int>(absl::ToInt64Milliseconds(total / kCalls)));
}

}  // namespace
}  // namespace ndes::graph
