// The Graph backend against what Intune does where Graph's documentation
// promises otherwise (FakeGraphBehaviour): ids it assigns, no etags, 204s,
// states and properties the proto does not know, pages of its own size, a
// nextLink it hands back twice, 429s without Retry-After. Each test turns on
// the habits it is about.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "graph/content_etag.h"
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
using ::ndes::graph::testing::FakeGraphBehaviour;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::ndes::graph::testing::GraphErrorResponse;
using ::ndes::graph::testing::RecordedRequest;
using ::ndes::graph::testing::ScriptedResponse;
using ::ndes::store::CallContext;
using ::ndes::store::ListPage;
using ::ndes::store::StoreCallback;
using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::v1::NdesConnector;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

template <typename T>
absl::StatusOr<T> Await(absl::FunctionRef<void(StoreCallback<T>)> start) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<T>>>();
  std::future<absl::StatusOr<T>> answer = promise->get_future();
  start([promise](absl::StatusOr<T> result) {
    promise->set_value(std::move(result));
  });
  if (answer.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return absl::DeadlineExceededError("test: the store never answered");
  }
  return answer.get();
}

class GraphIntuneTest : public ::testing::Test {
 protected:
  void Start(FakeGraphBehaviour behaviour,
             RequestBudget budget = RequestBudget::Off()) {
    FakeGraphServerOptions options;
    options.behaviour = behaviour;
    fake_ = std::make_unique<FakeGraphServer>(options);
    auto http = std::make_shared<http::CpprestHttpClient>();
    GraphStoreOptions store_options;
    store_options.base_url = fake_->base_url();
    store_options.budget = budget;
    store_options.retry.initial_backoff = absl::Milliseconds(5);
    store_options.retry.max_backoff = absl::Milliseconds(20);
    store_options.log = [this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      log_.emplace_back(line);
    };
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        GraphConnectorStore::Create(
            store_options, http, std::make_unique<PassthroughAuthorization>(),
            std::make_unique<http::ThreadScheduler>(), stats_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void Put(const NdesConnector& connector) {
    fake_->PutConnector(translation::ConnectorToGraphJson(connector));
  }

  static CallContext Caller() {
    CallContext context;
    context.authorization = "Bearer caller";
    return context;
  }
  absl::StatusOr<NdesConnector> Get(const std::string& id) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Get(Caller(), id, std::move(done));
    });
  }
  absl::StatusOr<ListPage> List(int page_size, const std::string& token) {
    return Await<ListPage>([&](StoreCallback<ListPage> done) {
      store::ListQuery query;
      query.page_size = page_size;
      query.page_token = token;
      store_->List(Caller(), std::move(query), std::move(done));
    });
  }
  absl::StatusOr<NdesConnector> Create(const NdesConnector& connector) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Create(Caller(), connector, std::move(done));
    });
  }
  absl::StatusOr<NdesConnector> Update(UpdateCommand command) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Update(Caller(), std::move(command), std::move(done));
    });
  }
  absl::Status Delete(const std::string& id, const std::string& etag) {
    return Await<bool>([&](StoreCallback<bool> done) {
             store_->Delete(
                 Caller(), id, etag,
                 [done = std::move(done)](absl::Status status) mutable {
                   if (status.ok()) {
                     std::move(done)(true);
                   } else {
                     std::move(done)(status);
                   }
                 });
           })
        .status();
  }
  std::vector<std::string> Methods() const {
    std::vector<std::string> methods;
    for (const RecordedRequest& r : fake_->requests(FakeEndpoint::kGraph)) {
      methods.push_back(r.method);
    }
    return methods;
  }
  std::vector<std::string> Log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }

  observability::MetricsRegistry registry_;
  std::shared_ptr<GraphStats> stats_ = GraphStats::Create(registry_);
  std::unique_ptr<FakeGraphServer> fake_;
  std::unique_ptr<GraphConnectorStore> store_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

FakeGraphBehaviour AssignsIds() {
  FakeGraphBehaviour behaviour;
  behaviour.assigns_ids = true;
  return behaviour;
}

FakeGraphBehaviour NoEtags() {
  FakeGraphBehaviour behaviour;
  behaviour.sends_etags = false;
  behaviour.honours_if_match = false;
  behaviour.patch_answers_no_content = true;
  return behaviour;
}

// --- Server-assigned ids -------------------------------------------------

TEST_F(GraphIntuneTest, CreateAnswersTheIdGraphAssignedAndLogsIt) {
  Start(AssignsIds());
  absl::StatusOr<NdesConnector> created = Create(SampleConnector("mine"));
  ASSERT_THAT(created, IsOk());
  EXPECT_NE(created->id(), "mine");
  EXPECT_TRUE(fake_->FindConnector(created->id()).has_value());
  EXPECT_EQ(store_->behaviour().ids(), GraphBehaviour::Ids::kAssigned);
  EXPECT_THAT(Log(), Contains(std::string(GraphBehaviour::IdLine(
                         GraphBehaviour::Ids::kAssigned))));
  // Without an id, Graph's id is the answer in every configuration.
  absl::StatusOr<NdesConnector> unnamed = Create(SampleConnector(""));
  ASSERT_THAT(unnamed, IsOk());
  EXPECT_THAT(unnamed->id(), Not(IsEmpty()));
}

TEST_F(GraphIntuneTest, AllowMissingCannotCreateUnderAnIdGraphWillNotKeep) {
  Start(AssignsIds());
  UpdateCommand upsert = MakeUpdate(SampleConnector("ndes-new"), {"*"});
  upsert.create_if_missing = true;
  // The first time the gateway cannot know: Graph creates the connector
  // under its own id, which is deleted again.
  EXPECT_THAT(Update(upsert), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("Graph assigns its own ids")));
  EXPECT_THAT(Methods(), ElementsAre("PATCH", "POST", "DELETE"));
  EXPECT_EQ(fake_->connector_count(), 0u) << "nothing is left written";
  // From then on nothing is sent to create it.
  fake_->ClearRequests();
  EXPECT_THAT(Update(upsert), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("ndes-new")));
  EXPECT_THAT(Methods(), ElementsAre("PATCH"));
  EXPECT_EQ(fake_->connector_count(), 0u);
}

TEST_F(GraphIntuneTest, ACreateIsNeverSentTwiceForOneCall) {
  Start(FakeGraphBehaviour());
  // A 504 may hide a connector Graph created: not retried.
  ScriptedResponse timeout =
      GraphErrorResponse(504, "GatewayTimeout", "Gateway Timeout");
  timeout.method = "POST";
  fake_->Enqueue(timeout);
  EXPECT_THAT(Create(SampleConnector("")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("504")));
  EXPECT_THAT(Methods(), ElementsAre("POST"));
  // A 429 says Graph did nothing: retried once it may.
  fake_->ClearRequests();
  ScriptedResponse throttled =
      GraphErrorResponse(429, "TooManyRequests", "Too many requests");
  throttled.method = "POST";
  fake_->Enqueue(throttled);
  ASSERT_THAT(Create(SampleConnector("")), IsOk());
  EXPECT_THAT(Methods(), ElementsAre("POST", "POST"));
  EXPECT_EQ(fake_->connector_count(), 1u);
}

// --- Etags when Graph sends none -------------------------------------------

TEST_F(GraphIntuneTest, EtagsAreDerivedFromTheContentAndLoggedOnce) {
  Start(NoEtags());
  Put(SampleConnector("ndes-1"));
  absl::StatusOr<NdesConnector> first = Get("ndes-1");
  absl::StatusOr<NdesConnector> again = Get("ndes-1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(IsDerivedEtag(first->etag()));
  EXPECT_EQ(first->etag(), again->etag()) << "same content, same etag";
  absl::StatusOr<NdesConnector> renamed =
      Update(RenameCommand("ndes-1", "renamed"));
  ASSERT_THAT(renamed, IsOk());
  EXPECT_NE(renamed->etag(), first->etag());
  const std::string line(
      GraphBehaviour::EtagLine(GraphBehaviour::Etags::kAbsent));
  std::vector<std::string> log = Log();
  EXPECT_EQ(std::count(log.begin(), log.end(), line), 1);
}

TEST_F(GraphIntuneTest, ConditionalWritesReadCompareThenWrite) {
  Start(NoEtags());
  Put(SampleConnector("ndes-1"));
  absl::StatusOr<NdesConnector> read = Get("ndes-1");
  ASSERT_THAT(read, IsOk());
  fake_->ClearRequests();

  absl::StatusOr<NdesConnector> updated =
      Update(RenameCommand("ndes-1", "checked", read->etag()));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name(), "checked");
  // GET (compare), PATCH with If-Match: * (Graph has no etag), GET (204).
  std::vector<RecordedRequest> seen = fake_->requests(FakeEndpoint::kGraph);
  ASSERT_THAT(Methods(), ElementsAre("GET", "PATCH", "GET"));
  EXPECT_EQ(seen[1].Header("if-match"), std::optional<std::string>("*"));

  // The etag read before that write is stale now: nothing is written.
  fake_->ClearRequests();
  EXPECT_THAT(Update(RenameCommand("ndes-1", "lost", read->etag())),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("is stale")));
  EXPECT_THAT(Methods(), ElementsAre("GET"));
  EXPECT_THAT(Delete("ndes-1", read->etag()),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-1")));
  EXPECT_EQ(fake_->FindConnector("ndes-1")->at("displayName").as_string(),
            "checked");
  EXPECT_THAT(Delete("ndes-1", updated->etag()), IsOk());
  EXPECT_EQ(fake_->connector_count(), 0u);
}

// --- Tolerant reads --------------------------------------------------------

TEST_F(GraphIntuneTest, StatesAndPropertiesTheProtoDoesNotKnowAreRead) {
  FakeGraphBehaviour behaviour;
  behaviour.unknown_properties = true;
  Start(behaviour);
  for (const char* state : {"unknownFutureValue", "retiring"}) {
    web::json::value json =
        translation::ConnectorToGraphJson(SampleConnector(state));
    json["state"] = web::json::value::string(state);
    fake_->PutConnector(json);
  }
  for (const char* id : {"unknownFutureValue", "retiring"}) {
    absl::StatusOr<NdesConnector> got = Get(id);
    ASSERT_THAT(got, IsOk()) << id;
    EXPECT_EQ(got->state(),
              ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE);
    EXPECT_EQ(got->display_name(), SampleConnector(id).display_name());
  }
  absl::StatusOr<ListPage> page = List(10, "");
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->connectors, SizeIs(2));
  // Updating another field of such a connector works.
  EXPECT_THAT(Update(RenameCommand("retiring", "renamed")), IsOk());
}

TEST_F(GraphIntuneTest, PagesHoldPageSizeWhateverGraphsPageSize) {
  FakeGraphBehaviour behaviour;
  behaviour.page_size = 5;  // $top ignored
  behaviour.opaque_skiptokens = true;
  Start(behaviour);
  for (int i = 0; i < 12; ++i) Put(SampleConnector(absl::StrCat("c", 10 + i)));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<ListPage> page = List(2, token);
    ASSERT_THAT(page, IsOk());
    EXPECT_LE(page->connectors.size(), 2u);
    for (const NdesConnector& c : page->connectors) seen.push_back(c.id());
    token = page->next_page_token;
  } while (!token.empty() && ++pages < 20);
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_THAT(seen, ElementsAre("c10", "c11", "c12", "c13", "c14", "c15", "c16",
                                "c17", "c18", "c19", "c20", "c21"));
  // Graph's 3 pages, each fetched once.
  EXPECT_EQ(fake_->requests(FakeEndpoint::kGraph).size(), 3u);
}

TEST_F(GraphIntuneTest, ANextLinkGraphHandsBackTwiceStopsTheListing) {
  FakeGraphBehaviour behaviour;
  behaviour.page_size = 2;
  behaviour.repeats_next_link = true;
  Start(behaviour);
  for (int i = 0; i < 6; ++i) Put(SampleConnector(absl::StrCat("c", i)));
  std::string token;
  absl::Status stopped;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<ListPage> page = List(2, token);
    if (!page.ok()) {
      stopped = page.status();
      break;
    }
    token = page->next_page_token;
    ASSERT_THAT(token, Not(IsEmpty()));
  }
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kInternal,
                                HasSubstr("already given")));
  EXPECT_LE(fake_->requests(FakeEndpoint::kGraph).size(), 3u);
}

// --- The budget -------------------------------------------------------------

TEST_F(GraphIntuneTest, A429WithoutRetryAfterShrinksTheBudgetAndIsRetried) {
  Start(FakeGraphBehaviour(), {10, 100, absl::Seconds(1)});
  Put(SampleConnector("ndes-1"));
  ScriptedResponse throttled =
      GraphErrorResponse(429, "TooManyRequests", "Too many requests");
  fake_->Enqueue(throttled);
  ASSERT_THAT(Get("ndes-1"), IsOk());
  EXPECT_EQ(stats_->throttled_total().Get().Value(), 1);
  EXPECT_EQ(stats_->retries_total().Get().Value(), 1);
  EXPECT_EQ(stats_->budget().WithLabels({"requests"}).Value(), 50);
}

TEST_F(GraphIntuneTest, ConcurrentGetsWaitingForTheBudgetShareOneGet) {
  Start(FakeGraphBehaviour(), {0, 2, absl::Seconds(1)});  // a GET per 500 ms
  Put(SampleConnector("ndes-1"));
  Put(SampleConnector("ndes-2"));
  std::vector<std::future<absl::StatusOr<NdesConnector>>> answers;
  for (const char* id : {"ndes-2", "ndes-1", "ndes-1", "ndes-1"}) {
    auto promise =
        std::make_shared<std::promise<absl::StatusOr<NdesConnector>>>();
    answers.push_back(promise->get_future());
    store_->Get(Caller(), id, [promise](absl::StatusOr<NdesConnector> got) {
      promise->set_value(std::move(got));
    });
  }
  for (auto& answer : answers) ASSERT_THAT(answer.get(), IsOk());
  EXPECT_EQ(fake_->requests(FakeEndpoint::kGraph).size(), 2u);
  EXPECT_EQ(stats_->shared_gets_total().Get().Value(), 2);
}

}  // namespace
}  // namespace ndes::graph
