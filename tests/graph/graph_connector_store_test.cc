#include "graph/graph_connector_store.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/retry_policy.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphBehaviour;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::ndes::graph::testing::GraphErrorResponse;
using ::ndes::graph::testing::IdentityErrorBody;
using ::ndes::graph::testing::IntuneErrorMessage;
using ::ndes::graph::testing::PercentDecode;
using ::ndes::graph::testing::RecordedRequest;
using ::ndes::graph::testing::ScriptedResponse;
using ::ndes::store::CallContext;
using ::ndes::store::ConnectorStore;
using ::ndes::store::ListPage;
using ::ndes::store::StatusCallback;
using ::ndes::store::StoreCallback;
using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;
using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::WithoutEtag;
using ::ndes::v1::NdesConnector;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kUuidPattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

// Short back-offs so that retry tests take milliseconds.
RetryPolicy FastRetry() {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = absl::Milliseconds(5);
  policy.max_backoff = absl::Milliseconds(20);
  return policy;
}

enum class Auth { kClientCredentials, kPassthrough };

absl::StatusOr<std::unique_ptr<GraphConnectorStore>> MakeGraphStore(
    const FakeGraphServer& fake, Auth auth, RetryPolicy retry = FastRetry(),
    RequestBudget budget = RequestBudget::Off()) {
  auto http = std::make_shared<http::CpprestHttpClient>();
  std::unique_ptr<GraphAuthorization> authorization;
  if (auth == Auth::kPassthrough) {
    authorization = std::make_unique<PassthroughAuthorization>();
  } else {
    ClientCredentialsOptions options;
    options.token_url = fake.token_url();
    options.client_id = fake.options().client_id;
    options.client_secret = fake.options().client_secret;
    authorization = std::make_unique<ClientCredentialsAuthorization>(
        options, http, GraphStats::Unexposed());
  }
  GraphStoreOptions options;
  options.base_url = fake.base_url();
  options.retry = retry;
  options.budget = budget;
  return GraphConnectorStore::Create(
      std::move(options), std::move(http), std::move(authorization),
      std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
}

// --- The conformance suite ---------------------------------------------------

// A GraphConnectorStore with the fake Graph it talks to: the fake outlives
// the store (members are destroyed in reverse order).
class FakeBackedGraphStore final
    : public store::testing::ForwardingConnectorStore {
 public:
  static absl::StatusOr<std::unique_ptr<ConnectorStore>> Make(
      FakeGraphBehaviour behaviour,
      RequestBudget budget = RequestBudget::Off()) {
    FakeGraphServerOptions options;
    options.behaviour = behaviour;
    auto result = std::unique_ptr<FakeBackedGraphStore>(
        new FakeBackedGraphStore(std::make_unique<FakeGraphServer>(options)));
    result->fake_->RequireIssuedToken();
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store = MakeGraphStore(
        *result->fake_, Auth::kClientCredentials, FastRetry(), budget);
    if (!store.ok()) return store.status();
    result->store_ = *std::move(store);
    return result;
  }

 private:
  explicit FakeBackedGraphStore(std::unique_ptr<FakeGraphServer> fake)
      : fake_(std::move(fake)) {}
  ConnectorStore& target() override { return *store_; }

  std::unique_ptr<FakeGraphServer> fake_;
  std::unique_ptr<GraphConnectorStore> store_;
};

FakeGraphBehaviour PatchAnswers204() {
  FakeGraphBehaviour behaviour;
  behaviour.patch_answers_no_content = true;
  return behaviour;
}

// Intune's habits, with budgets scaled so that the suite stays fast: the
// fake's budget (per second) above the gateway's, which paces its requests.
FakeGraphBehaviour IntuneLikeForTheSuite() {
  return FakeGraphBehaviour::IntuneLike(4000, 40000, absl::Seconds(1));
}

INSTANTIATE_TEST_SUITE_P(
    Graph, ConnectorStoreConformanceTest,
    ::testing::Values(
        // The Graph of the documentation. The fake Graph does not evaluate
        // $filter, $orderby or $select; graph_list_query_test.cc checks
        // what is sent upstream.
        ConnectorStoreConformanceParam{"Graph",
                                       [](const std::string&) {
                                         return FakeBackedGraphStore::Make(
                                             FakeGraphBehaviour());
                                       },
                                       {},
                                       /*evaluates_queries=*/false},
        // Intune's habit alone: PATCH answers 204 whatever Prefer says, so
        // every update is read back with a GET.
        ConnectorStoreConformanceParam{"GraphPatchAnswers204",
                                       [](const std::string&) {
                                         return FakeBackedGraphStore::Make(
                                             PatchAnswers204());
                                       },
                                       {},
                                       /*evaluates_queries=*/false},
        // Intune as it is: a budget (paced by the gateway), PATCH 204, ids
        // of its own, no etags and If-Match ignored, pages of its own size
        // with opaque $skiptokens, properties the proto does not know. Ids
        // the caller chooses cannot be kept, and etags are derived from the
        // content (docs/graph.md).
        ConnectorStoreConformanceParam{
            "GraphIntuneLike",
            [](const std::string&) {
              return FakeBackedGraphStore::Make(
                  IntuneLikeForTheSuite(), {2000, 20000, absl::Seconds(1)});
            },
            {/*keeps_caller_ids=*/false, /*new_etag_on_every_write=*/false},
            /*evaluates_queries=*/false}),
    ConnectorStoreConformanceParamName);

// --- Graph specifics (SPEC §6) -----------------------------------------------

constexpr auto kCallbackTimeout = std::chrono::seconds(60);

template <typename T>
absl::StatusOr<T> Await(absl::FunctionRef<void(StoreCallback<T>)> start) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<T>>>();
  std::future<absl::StatusOr<T>> answer = promise->get_future();
  start([promise](absl::StatusOr<T> result) {
    promise->set_value(std::move(result));
  });
  if (answer.wait_for(kCallbackTimeout) != std::future_status::ready) {
    return absl::DeadlineExceededError("test: the store never answered");
  }
  return answer.get();
}

// `text` parsed as JSON (null if it is not JSON).
web::json::value Json(const std::string& text) {
  std::error_code error;
  web::json::value json = web::json::value::parse(text, error);
  return error ? web::json::value::null() : json;
}

// JSON equality where the order of object members does not matter.
bool SameJson(const web::json::value& a, const web::json::value& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.as_object()) {
      if (!b.has_field(key) || !SameJson(value, b.at(key))) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a.at(i), b.at(i))) return false;
    }
    return true;
  }
  return a == b;
}

// A rename built by hand, for ids that the service would refuse (the store
// is called directly).
UpdateCommand RenameById(const std::string& id, const std::string& name) {
  UpdateCommand command;
  command.id = id;
  command.fields.Add(ndes::v1::ConnectorField::kDisplayName);
  command.values.set_display_name(name);
  return command;
}

class GraphConnectorStoreTest : public ::testing::Test {
 protected:
  void MakeStore(Auth auth = Auth::kClientCredentials,
                 RetryPolicy retry = FastRetry()) {
    if (auth == Auth::kClientCredentials) fake_.RequireIssuedToken();
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        MakeGraphStore(fake_, auth, retry);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Puts SampleConnector(id) into the fake; returns it with its etag.
  NdesConnector Seed(const std::string& id) {
    NdesConnector connector = SampleConnector(id);
    connector.set_etag(
        fake_.PutConnector(translation::ConnectorToGraphJson(connector)));
    return connector;
  }

  absl::StatusOr<NdesConnector> Get(const std::string& id,
                                    const CallContext& context = {}) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Get(context, id, std::move(done));
    });
  }
  absl::StatusOr<ListPage> List(int page_size, const std::string& token,
                                const CallContext& context = {}) {
    return Await<ListPage>([&](StoreCallback<ListPage> done) {
      store::ListQuery query;
      query.page_size = page_size;
      query.page_token = token;
      store_->List(context, std::move(query), std::move(done));
    });
  }
  absl::StatusOr<NdesConnector> Create(const NdesConnector& connector,
                                       const CallContext& context = {}) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Create(context, connector, std::move(done));
    });
  }
  absl::StatusOr<NdesConnector> Update(UpdateCommand command,
                                       const CallContext& context = {}) {
    return Await<NdesConnector>([&](StoreCallback<NdesConnector> done) {
      store_->Update(context, std::move(command), std::move(done));
    });
  }
  absl::Status Delete(const std::string& id, const std::string& etag = "",
                      const CallContext& context = {}) {
    absl::StatusOr<bool> result = Await<bool>([&](StoreCallback<bool> done) {
      store_->Delete(context, id, etag,
                     [done = std::move(done)](absl::Status status) mutable {
                       if (status.ok()) {
                         std::move(done)(true);
                       } else {
                         std::move(done)(status);
                       }
                     });
    });
    return result.status();
  }

  std::vector<RecordedRequest> GraphRequests() const {
    return fake_.requests(FakeEndpoint::kGraph);
  }
  std::string IssuedBearer(std::size_t index) const {
    std::vector<std::string> tokens = fake_.issued_tokens();
    return index < tokens.size() ? absl::StrCat("Bearer ", tokens[index])
                                 : "(not issued)";
  }

  // Declared first: destroyed after the store.
  FakeGraphServer fake_;
  std::unique_ptr<GraphConnectorStore> store_;
};

// Scripted answer for the next Graph request with `method`.
ScriptedResponse Answer(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}}) {
  ScriptedResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

ScriptedResponse Throttled(int status, const std::string& retry_after) {
  ScriptedResponse response = GraphErrorResponse(
      status, status == 429 ? "TooManyRequests" : "ServiceUnavailable",
      "Too many requests", absl::StrCat("req-", status));
  if (!retry_after.empty()) {
    response.headers.emplace_back("Retry-After", retry_after);
  }
  return response;
}

// --- The PATCH request -------------------------------------------------------

TEST_F(GraphConnectorStoreTest, UpdateSendsExactlyThePatchDocument) {
  MakeStore();
  Seed("ndes-1");
  NdesConnector values;
  values.set_id("ndes-1");
  values.set_display_name("NDES-02");
  values.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  UpdateCommand command = MakeUpdate(values, {"display_name", "state"});
  const web::json::value expected =
      translation::BuildGraphPatchDocument(command.values, command.fields);
  ASSERT_THAT(Update(std::move(command)), IsOk());

  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].target, fake_.collection_path() + "/ndes-1");
  const web::json::value body = Json(seen[0].body);
  EXPECT_TRUE(SameJson(body, expected))
      << seen[0].body << " != " << expected.serialize();
  EXPECT_EQ(body.size(), 3u) << seen[0].body;  // @odata.type + 2 masked
  EXPECT_EQ(body.at("@odata.type").as_string(),
            "#microsoft.graph.ndesConnector");
  EXPECT_EQ(body.at("displayName").as_string(), "NDES-02");
  EXPECT_EQ(body.at("state").as_string(), "inactive");
}

TEST_F(GraphConnectorStoreTest, UpdateOfClearedFieldsSendsNullAndEmptyList) {
  MakeStore();
  Seed("ndes-1");
  NdesConnector values;
  values.set_id("ndes-1");
  ASSERT_THAT(Update(MakeUpdate(values, {"machine_name", "role_scope_tag_ids",
                                         "enrolled_date_time"})),
              IsOk());
  ASSERT_THAT(GraphRequests(), SizeIs(1));
  const web::json::value body = Json(GraphRequests()[0].body);
  EXPECT_TRUE(body.at("machineName").is_null()) << body.serialize();
  EXPECT_TRUE(body.at("enrolledDateTime").is_null()) << body.serialize();
  EXPECT_TRUE(body.at("roleScopeTagIds").is_array()) << body.serialize();
  EXPECT_EQ(body.at("roleScopeTagIds").size(), 0u);
  EXPECT_FALSE(body.has_field("displayName"));
}

TEST_F(GraphConnectorStoreTest, UpdateSendsGraphsHeaders) {
  MakeStore();
  Seed("ndes-1");
  ASSERT_THAT(Update(RenameCommand("ndes-1", "renamed")), IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  const RecordedRequest& patch = seen[0];
  EXPECT_THAT(patch.Header("authorization"), Optional(IssuedBearer(0)));
  EXPECT_THAT(patch.Header("content-type"),
              Optional(MatchesRegex("application/json(; *charset=utf-8)?")));
  EXPECT_THAT(patch.Header("prefer"),
              Optional(std::string("return=representation")));
  EXPECT_THAT(patch.Header("accept"), Optional(StartsWith("application/json")));
  EXPECT_THAT(patch.Header("client-request-id"),
              Optional(MatchesRegex(kUuidPattern)));
  EXPECT_EQ(patch.Header("if-match"), std::nullopt)
      << "no etag given, no condition";
}

TEST_F(GraphConnectorStoreTest, UpdateWithAnEtagReadsComparesThenSendsIfMatch) {
  MakeStore();
  const NdesConnector seeded = Seed("ndes-1");
  ASSERT_THAT(Update(RenameCommand("ndes-1", "renamed", seeded.etag())),
              IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_THAT(seen[1].Header("if-match"), Optional(seeded.etag()));
  EXPECT_EQ(seen[0].Header("client-request-id"),
            seen[1].Header("client-request-id"));
}

TEST_F(GraphConnectorStoreTest, StaleEtagIsAbortedWithoutAWrite) {
  MakeStore();
  Seed("ndes-1");
  EXPECT_THAT(Update(RenameCommand("ndes-1", "renamed", "W/\"999\"")),
              StatusIs(absl::StatusCode::kAborted,
                       AllOf(HasSubstr("ndes-1"), HasSubstr("is stale"))));
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(fake_.FindConnector("ndes-1")->at("displayName").as_string(),
            "NDES-01");
}

TEST_F(GraphConnectorStoreTest, PreconditionFailedAfterTheCompareIsAborted) {
  // Another writer got in between the read and the PATCH, and Graph
  // honours If-Match.
  MakeStore();
  const NdesConnector seeded = Seed("ndes-1");
  ScriptedResponse changed = GraphErrorResponse(
      412, "PreconditionFailed", "The etag does not match", "req-412");
  changed.method = "PATCH";
  fake_.Enqueue(changed);
  EXPECT_THAT(
      Update(RenameCommand("ndes-1", "renamed", seeded.etag())),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("PreconditionFailed")));
}

TEST_F(GraphConnectorStoreTest, ClientRequestIdIsFreshForEveryCall) {
  MakeStore();
  Seed("ndes-1");
  ASSERT_THAT(Get("ndes-1"), IsOk());
  ASSERT_THAT(Update(RenameCommand("ndes-1", "a")), IsOk());
  ASSERT_THAT(Update(RenameCommand("ndes-1", "b")), IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(3));
  std::set<std::string> ids;
  for (const RecordedRequest& request : seen) {
    std::optional<std::string> id = request.Header("client-request-id");
    ASSERT_TRUE(id.has_value());
    EXPECT_THAT(*id, MatchesRegex(kUuidPattern));
    ids.insert(*id);
  }
  EXPECT_THAT(ids, SizeIs(3));
}

TEST_F(GraphConnectorStoreTest,
       ClientRequestIdStaysTheSameAcrossRetriesAndTheFollowUpGet) {
  MakeStore();
  Seed("ndes-1");
  fake_.SetPatchAlwaysNoContent(true);
  fake_.Enqueue(Throttled(503, "0"));
  fake_.Enqueue(Throttled(429, "0"));
  ASSERT_THAT(Update(RenameCommand("ndes-1", "renamed")), IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(4));  // PATCH 503, PATCH 429, PATCH 204, GET
  EXPECT_EQ(seen[3].method, "GET");
  const std::optional<std::string> first = seen[0].Header("client-request-id");
  ASSERT_TRUE(first.has_value());
  for (const RecordedRequest& request : seen) {
    EXPECT_EQ(request.Header("client-request-id"), first) << request.method;
  }
}

// --- Answers -----------------------------------------------------------------

TEST_F(GraphConnectorStoreTest, NoContentAnswerIsFollowedByAGet) {
  MakeStore();
  Seed("ndes-1");
  fake_.SetPatchAlwaysNoContent(true);
  absl::StatusOr<NdesConnector> updated =
      Update(RenameCommand("ndes-1", "renamed"));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name(), "renamed");
  EXPECT_EQ(updated->etag(),
            fake_.FindConnector("ndes-1")->at("@odata.etag").as_string());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].target, seen[0].target);
  EXPECT_THAT(seen[1].Header("authorization"), Optional(IssuedBearer(0)));
}

TEST_F(GraphConnectorStoreTest, RepresentationAnswerIsUsedWithoutAGet) {
  MakeStore();
  Seed("ndes-1");
  absl::StatusOr<NdesConnector> updated =
      Update(RenameCommand("ndes-1", "renamed"));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name(), "renamed");
  EXPECT_THAT(GraphRequests(), SizeIs(1));
}

TEST_F(GraphConnectorStoreTest, EtagIsGraphsODataEtag) {
  MakeStore();
  const NdesConnector seeded = Seed("ndes-1");
  EXPECT_THAT(Get("ndes-1"), store::testing::IsOkAndHolds(::testing::Property(
                                 &NdesConnector::etag, seeded.etag())));
  absl::StatusOr<NdesConnector> updated =
      Update(RenameCommand("ndes-1", "renamed"));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->etag(),
            fake_.FindConnector("ndes-1")->at("@odata.etag").as_string());
  EXPECT_NE(updated->etag(), seeded.etag());
}

TEST_F(GraphConnectorStoreTest, GetAnswersEveryFieldFromGraphJson) {
  MakeStore();
  const NdesConnector seeded = Seed("ndes-1");
  EXPECT_THAT(Get("ndes-1"), store::testing::IsOkAndHolds(EqualsProto(seeded)));
}

TEST_F(GraphConnectorStoreTest, GraphDateTimesWithOffsetsAreNormalised) {
  MakeStore();
  web::json::value json =
      translation::ConnectorToGraphJson(SampleConnector("ndes-tz"));
  json["lastConnectionDateTime"] =
      web::json::value::string("2026-11-28T02:15:30.6670033-08:00");
  fake_.PutConnector(json);
  absl::StatusOr<NdesConnector> got = Get("ndes-tz");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->last_connection_date_time().seconds(), 1795860930);
  EXPECT_EQ(got->last_connection_date_time().nanos(), 667003300);
}

TEST_F(GraphConnectorStoreTest, CreateSendsTheWholeConnectorWithoutEtag) {
  MakeStore();
  NdesConnector connector = SampleConnector("ndes-new");
  connector.set_etag("ignored");
  absl::StatusOr<NdesConnector> created = Create(connector);
  ASSERT_THAT(created, IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, fake_.collection_path());
  EXPECT_THAT(seen[0].Header("content-type"),
              Optional(StartsWith("application/json")));
  EXPECT_TRUE(SameJson(Json(seen[0].body), translation::ConnectorToGraphJson(
                                               WithoutEtag(connector))))
      << seen[0].body;
  EXPECT_EQ(created->etag(),
            fake_.FindConnector("ndes-new")->at("@odata.etag").as_string());
}

TEST_F(GraphConnectorStoreTest, CreateWithoutIdLetsGraphChooseIt) {
  MakeStore();
  absl::StatusOr<NdesConnector> created = Create(SampleConnector(""));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->id(), MatchesRegex(kUuidPattern));
  ASSERT_THAT(GraphRequests(), SizeIs(1));
  const web::json::value body = Json(GraphRequests()[0].body);
  EXPECT_TRUE(!body.has_field("id") || body.at("id").is_null() ||
              body.at("id").as_string().empty())
      << GraphRequests()[0].body;
}

TEST_F(GraphConnectorStoreTest, DeleteSendsIfMatchWhenGivenAnEtag) {
  MakeStore();
  const NdesConnector seeded = Seed("ndes-1");
  Seed("ndes-2");
  ASSERT_THAT(Delete("ndes-1", seeded.etag()), IsOk());
  ASSERT_THAT(Delete("ndes-2"), IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(3));
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_THAT(seen[1].Header("if-match"), Optional(seeded.etag()));
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[2].Header("if-match"), std::nullopt);
  EXPECT_EQ(fake_.connector_count(), 0u);
}

TEST_F(GraphConnectorStoreTest, ListSendsTopAndContinuesFromTheNextLink) {
  MakeStore();
  for (const char* id : {"a", "b", "c"}) Seed(id);
  absl::StatusOr<ListPage> first = List(2, "");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(first->connectors, SizeIs(2));
  ASSERT_THAT(first->next_page_token, Not(IsEmpty()));
  absl::StatusOr<ListPage> second = List(2, first->next_page_token);
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(second->connectors, SizeIs(1));
  EXPECT_EQ(second->connectors[0].id(), "c");
  EXPECT_THAT(second->next_page_token, IsEmpty());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].path, fake_.collection_path());
  EXPECT_EQ(seen[0].query, "$top=2");
  EXPECT_EQ(seen[1].path, fake_.collection_path());
  EXPECT_THAT(seen[1].query, HasSubstr("$skiptoken=b"));
}

TEST_F(GraphConnectorStoreTest, AGraphPageLargerThanAnAnswerIsSplit) {
  MakeStore();
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    NdesConnector connector;
    connector.set_id(id);
    // Graph keeps what it is given: 20 KiB each.
    connector.set_display_name(std::string(20 * 1024, 'x'));
    fake_.PutConnector(translation::ConnectorToGraphJson(connector));
  }
  CallContext context;
  context.max_page_bytes = 45 * 1024;  // two of them
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<ListPage> page = List(1000, token, context);
    ASSERT_THAT(page, IsOk());
    EXPECT_LE(page->connectors.size(), 2u);
    for (const NdesConnector& connector : page->connectors) {
      seen.push_back(connector.id());
    }
    token = page->next_page_token;
  } while (!token.empty() && ++pages < 10);
  EXPECT_THAT(seen, ElementsAre("a", "b", "c", "d", "e"));
  // One Graph page, fetched again for each part of it.
  for (const RecordedRequest& request : GraphRequests()) {
    EXPECT_EQ(request.query, "$top=1000");
  }
}

TEST_F(GraphConnectorStoreTest, AnAlteredTokenOfAPageCutByItsBytesIsRefused) {
  MakeStore();
  for (const char* id : {"a", "b", "c"}) Seed(id);
  CallContext context;
  context.max_page_bytes = 1;  // one connector per page
  absl::StatusOr<ListPage> first = List(1000, "", context);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->connectors.size(), 1u);
  // The rest of Graph's page rides in the token, signed: any change to it
  // is refused.
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(first->next_page_token, &raw));
  raw[raw.size() / 2] ^= 0x01;
  EXPECT_THAT(
      List(1000, absl::WebSafeBase64Escape(raw), context).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  absl::StatusOr<ListPage> second = List(1000, first->next_page_token, context);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->connectors.size(), 1u);
  EXPECT_EQ(second->connectors[0].id(), "b");
}

// --- Status mapping through the store -------------------------------------

struct StoreMappingRow {
  int http_status;
  absl::StatusCode code;
  const char* graph_code;
  bool retried;
};

void PrintTo(const StoreMappingRow& row, std::ostream* os) {
  *os << "HTTP " << row.http_status << " " << row.graph_code << " -> "
      << absl::StatusCodeToString(row.code);
}

class GraphStatusMappingTest
    : public GraphConnectorStoreTest,
      public ::testing::WithParamInterface<StoreMappingRow> {};

TEST_P(GraphStatusMappingTest, GraphErrorBecomesTheDocumentedStatus) {
  const StoreMappingRow& row = GetParam();
  // Passthrough: a 401 is then not answered with a fresh token.
  MakeStore(Auth::kPassthrough);
  Seed("ndes-1");
  CallContext context;
  context.authorization = "Bearer caller";
  const std::string request_id = absl::StrCat("req-", row.http_status);
  auto script = [&] {
    for (int i = 0; i < FastRetry().max_attempts; ++i) {
      ScriptedResponse error = GraphErrorResponse(
          row.http_status, row.graph_code, "Something went wrong", request_id);
      if (row.retried) error.headers.emplace_back("Retry-After", "0");
      fake_.Enqueue(error);
    }
  };
  const int attempts = row.retried ? FastRetry().max_attempts : 1;
  const auto expected = StatusIs(
      row.code, AllOf(HasSubstr(absl::StrCat(row.http_status)),
                      HasSubstr(row.graph_code), HasSubstr(request_id)));

  script();
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x"), context), expected);
  EXPECT_THAT(GraphRequests(), SizeIs(attempts));

  fake_.ClearScripted();
  fake_.ClearRequests();
  script();
  EXPECT_THAT(Get("ndes-1", context), expected);
  EXPECT_THAT(GraphRequests(), SizeIs(attempts));

  fake_.ClearScripted();
  fake_.ClearRequests();
  script();
  EXPECT_THAT(Delete("ndes-1", "", context), expected);
  EXPECT_THAT(GraphRequests(), SizeIs(attempts));
  EXPECT_EQ(fake_.connector_count(), 1u) << "nothing was deleted";
}

INSTANTIATE_TEST_SUITE_P(
    Table, GraphStatusMappingTest,
    ::testing::Values(StoreMappingRow{400, absl::StatusCode::kInvalidArgument,
                                      "BadRequest", false},
                      StoreMappingRow{401, absl::StatusCode::kUnauthenticated,
                                      "InvalidAuthenticationToken", false},
                      StoreMappingRow{403, absl::StatusCode::kPermissionDenied,
                                      "Forbidden", false},
                      StoreMappingRow{404, absl::StatusCode::kNotFound,
                                      "ResourceNotFound", false},
                      StoreMappingRow{409, absl::StatusCode::kAborted,
                                      "Conflict", false},
                      StoreMappingRow{412, absl::StatusCode::kAborted,
                                      "PreconditionFailed", false},
                      StoreMappingRow{429, absl::StatusCode::kResourceExhausted,
                                      "TooManyRequests", true},
                      StoreMappingRow{500, absl::StatusCode::kInternal,
                                      "InternalServerError", false},
                      StoreMappingRow{502, absl::StatusCode::kUnavailable,
                                      "BadGateway", false},
                      StoreMappingRow{503, absl::StatusCode::kUnavailable,
                                      "ServiceUnavailable", true},
                      StoreMappingRow{504, absl::StatusCode::kUnavailable,
                                      "GatewayTimeout", true}),
    [](const ::testing::TestParamInfo<StoreMappingRow>& info) {
      return absl::StrCat("Http", info.param.http_status);
    });

TEST_F(GraphConnectorStoreTest, CreateOfAnExistingIdIsAlreadyExists) {
  MakeStore();
  Seed("ndes-1");
  EXPECT_THAT(Create(SampleConnector("ndes-1")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(HasSubstr("ndes-1"), HasSubstr("Conflict"))));
}

TEST_F(GraphConnectorStoreTest, ErrorMessagesNameTheIdWhateverGraphSays) {
  // Graph's message does not always name the resource; the store's errors
  // do (connector_store.h, and the conformance suite's assumption).
  MakeStore();
  fake_.Enqueue(GraphErrorResponse(404, "ResourceNotFound",
                                   "Resource not found", "req-404"));
  EXPECT_THAT(Get("ndes-quiet"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-quiet")));
  Seed("ndes-quiet");
  fake_.Enqueue(GraphErrorResponse(412, "PreconditionFailed",
                                   "Precondition failed", "req-412"));
  EXPECT_THAT(Update(RenameCommand("ndes-quiet", "x", "W/\"1\"")),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-quiet")));
  fake_.Enqueue(GraphErrorResponse(409, "Conflict", "Conflict", "req-409"));
  EXPECT_THAT(
      Create(SampleConnector("ndes-quiet")),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("ndes-quiet")));
}

// --- Retries -----------------------------------------------------------------

TEST_F(GraphConnectorStoreTest, ThrottledRequestHonoursRetryAfterSeconds) {
  MakeStore();
  Seed("ndes-1");
  fake_.Enqueue(Throttled(429, "1"));
  ASSERT_THAT(Update(RenameCommand("ndes-1", "renamed")), IsOk());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_GE(seen[1].received_at - seen[0].received_at, absl::Milliseconds(950));
  EXPECT_LT(seen[1].received_at - seen[0].received_at, absl::Seconds(5));
}

TEST_F(GraphConnectorStoreTest, UnavailableWithoutRetryAfterBacksOff) {
  RetryPolicy retry = FastRetry();
  retry.max_attempts = 4;
  retry.initial_backoff = absl::Milliseconds(20);
  retry.max_backoff = absl::Milliseconds(40);
  MakeStore(Auth::kClientCredentials, retry);
  Seed("ndes-1");
  for (int i = 0; i < 3; ++i) fake_.Enqueue(Throttled(503, ""));
  const absl::Time start = absl::Now();
  ASSERT_THAT(Get("ndes-1"), IsOk());
  EXPECT_THAT(GraphRequests(), SizeIs(4));
  // Three waits of at most 20, 40 and 40 ms (full jitter).
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(GraphConnectorStoreTest, GatewayTimeoutIsRetried) {
  MakeStore();
  Seed("ndes-1");
  fake_.Enqueue(Throttled(504, ""));
  EXPECT_THAT(Get("ndes-1"), IsOk());
  EXPECT_THAT(GraphRequests(), SizeIs(2));
}

TEST_F(GraphConnectorStoreTest, OtherServerErrorsAreNotRetried) {
  MakeStore();
  Seed("ndes-1");
  fake_.Enqueue(GraphErrorResponse(500, "InternalServerError", "boom", "r1"));
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("500")));
  fake_.Enqueue(GraphErrorResponse(502, "BadGateway", "boom", "r2"));
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("502")));
  EXPECT_THAT(GraphRequests(), SizeIs(2));
}

TEST_F(GraphConnectorStoreTest, ThrottlingThatOutlastsTheAttemptsIsExhausted) {
  MakeStore();
  Seed("ndes-1");
  for (int i = 0; i < 5; ++i) fake_.Enqueue(Throttled(429, "0"));
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("429"), HasSubstr("TooManyRequests"))));
  EXPECT_THAT(GraphRequests(), SizeIs(FastRetry().max_attempts));
  EXPECT_EQ(fake_.FindConnector("ndes-1")->at("displayName").as_string(),
            "NDES-01");
}

TEST_F(GraphConnectorStoreTest, RetryAfterPastTheDeadlineIsNotWaitedFor) {
  MakeStore();
  Seed("ndes-1");
  fake_.Enqueue(Throttled(429, "5"));
  CallContext context;
  const absl::Time start = absl::Now();
  context.deadline = start + absl::Seconds(1);
  absl::StatusOr<NdesConnector> result = Get("ndes-1", context);
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("429")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_THAT(GraphRequests(), SizeIs(1));
}

TEST_F(GraphConnectorStoreTest, BackoffRetriesStopAtTheDeadline) {
  RetryPolicy retry = FastRetry();
  retry.max_attempts = 1000000;
  MakeStore(Auth::kClientCredentials, retry);
  Seed("ndes-1");
  ScriptedResponse slow_unavailable = Throttled(503, "");
  slow_unavailable.delay = absl::Milliseconds(50);
  for (int i = 0; i < 200; ++i) fake_.Enqueue(slow_unavailable);
  CallContext context;
  const absl::Time start = absl::Now();
  context.deadline = start + absl::Milliseconds(500);
  absl::StatusOr<NdesConnector> result = Get("ndes-1", context);
  EXPECT_THAT(result.status().code(),
              ::testing::AnyOf(absl::StatusCode::kUnavailable,
                               absl::StatusCode::kDeadlineExceeded))
      << result.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
  for (const RecordedRequest& request : GraphRequests()) {
    EXPECT_LT(request.received_at, context.deadline);
  }
}

TEST_F(GraphConnectorStoreTest, DeadlineBoundsASlowUpstream) {
  MakeStore();
  Seed("ndes-1");
  ASSERT_THAT(Get("ndes-1"), IsOk());  // the app token is cached now
  fake_.SetResponseDelay(absl::Seconds(30));
  CallContext context;
  const absl::Time start = absl::Now();
  context.deadline = start + absl::Milliseconds(300);
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x"), context),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(GraphConnectorStoreTest, DestroyingTheStoreAnswersAPendingRetry) {
  MakeStore();
  Seed("ndes-1");
  fake_.Enqueue(Throttled(429, "60"));
  auto answered = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> answer = answered->get_future();
  store_->Get({}, "ndes-1", [answered](absl::StatusOr<NdesConnector> result) {
    answered->set_value(result.status());
  });
  ASSERT_TRUE(
      fake_.WaitForRequests(1, absl::Seconds(10), FakeEndpoint::kGraph));
  const absl::Time start = absl::Now();
  store_.reset();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  EXPECT_EQ(answer.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// --- Answers that are not what they should be ------------------------------

TEST_F(GraphConnectorStoreTest, SuccessAnswerThatIsNotAConnectorIsInternal) {
  MakeStore();
  Seed("ndes-1");
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& body :
       {std::string(""), std::string("<html><body>OK</body></html>"),
        std::string("{\"id\":\"ndes-1\",\"displayName\":\"trunc"),
        std::string("[]"), std::string("null"), std::string("\"text\""),
        std::string(R"({"id":"ndes-1","state":7})"), std::string(R"({"id":5})"),
        std::string(R"({"id":"ndes-1","lastConnectionDateTime":"yesterday"})"),
        std::string(R"({"id":"ndes-1","roleScopeTagIds":"0"})"), deep}) {
    SCOPED_TRACE(body.substr(0, 60));
    fake_.Enqueue(Answer(200, body));
    EXPECT_THAT(Get("ndes-1"),
                StatusIs(absl::StatusCode::kInternal, ::testing::_));
  }
}

TEST_F(GraphConnectorStoreTest, WriteAnswersThatAreNotAConnectorAreInternal) {
  MakeStore();
  Seed("ndes-1");
  ScriptedResponse patch_answer = Answer(200, "<html>oops</html>");
  patch_answer.method = "PATCH";
  fake_.Enqueue(patch_answer);
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kInternal, ::testing::_));
}

TEST_F(GraphConnectorStoreTest, CreateAnswerThatIsNotAConnectorIsReadBack) {
  // Graph created the connector: whatever its answer looks like, the call
  // never ends INTERNAL and is never sent again.
  MakeStore();
  Seed("ndes-2");  // as if the POST below had created it
  ScriptedResponse post_answer = Answer(201, R"({"id":"ndes-2","state":7})");
  post_answer.method = "POST";
  fake_.Enqueue(post_answer);
  absl::StatusOr<NdesConnector> created = Create(SampleConnector("ndes-2"));
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->id(), "ndes-2");
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].target, fake_.collection_path() + "/ndes-2");
}

TEST_F(GraphConnectorStoreTest, CreateAnswerNamingNoConnectorIsUnknown) {
  MakeStore();
  ScriptedResponse located = Answer(201, "");
  located.method = "POST";
  located.headers.emplace_back("Location",
                               fake_.collection_url() + "('ndes-located')");
  fake_.Enqueue(located);
  Seed("ndes-located");
  absl::StatusOr<NdesConnector> created = Create(SampleConnector(""));
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->id(), "ndes-located");

  ScriptedResponse nameless = Answer(201, R"({"value":[]})");
  nameless.method = "POST";
  fake_.Enqueue(nameless);
  EXPECT_THAT(Create(SampleConnector("")),
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("list the connectors before creating it "
                                 "again")));
  EXPECT_EQ(fake_.requests(FakeEndpoint::kGraph).back().method, "POST")
      << "nothing is sent again";
}

TEST_F(GraphConnectorStoreTest, SuccessAnswerForNoOrAnotherIdIsInternal) {
  // A JSON object with no connector in it (a collection, an empty object)
  // is not a connector, though every property it lacks has a default; nor
  // is another connector than the one asked for.
  MakeStore();
  Seed("ndes-1");
  const std::string other =
      translation::ConnectorToGraphJson(SampleConnector("ndes-other"))
          .serialize();
  for (const std::string& body : {std::string("{}"), other}) {
    SCOPED_TRACE(body);
    fake_.Enqueue(Answer(200, body));
    EXPECT_THAT(Get("ndes-1"),
                StatusIs(absl::StatusCode::kInternal, ::testing::_));
    ScriptedResponse patch_answer = Answer(200, body);
    patch_answer.method = "PATCH";
    fake_.Enqueue(patch_answer);
    EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
                StatusIs(absl::StatusCode::kInternal, ::testing::_));
  }
}

TEST_F(GraphConnectorStoreTest, ListAnswerThatIsNotAPageIsInternal) {
  MakeStore();
  for (const std::string& body :
       {std::string("not json"), std::string("{}"),
        std::string(R"({"value":"x"})"), std::string(R"({"value":[42]})"),
        std::string(R"({"value":[{"id":"a","state":7}]})"),
        std::string(R"({"value":[], "@odata.nextLink": 7})")}) {
    SCOPED_TRACE(body);
    fake_.Enqueue(Answer(200, body));
    absl::StatusOr<ListPage> page = List(5, "");
    if (body == R"({"value":[], "@odata.nextLink": 7})") {
      // A nextLink that is not a string cannot be followed: either refused
      // or the list ends.
      if (page.ok()) {
        EXPECT_THAT(page->next_page_token, IsEmpty());
      }
      continue;
    }
    EXPECT_THAT(page, StatusIs(absl::StatusCode::kInternal, ::testing::_));
  }
}

TEST_F(GraphConnectorStoreTest, ErrorAnswerWithoutAnEnvelopeKeepsItsMapping) {
  MakeStore();
  fake_.Enqueue(
      Answer(404, "<html>Not Found</html>", {{"Content-Type", "text/html"}}));
  EXPECT_THAT(Get("ndes-1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("404")));
  fake_.Enqueue(Answer(403, "", {}));
  EXPECT_THAT(Get("ndes-1"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("403")));
}

TEST_F(GraphConnectorStoreTest, IntuneMessageInsideTheEnvelopeIsUnwrapped) {
  MakeStore();
  Seed("ndes-1");
  ScriptedResponse error = GraphErrorResponse(
      400, "BadRequest", IntuneErrorMessage("Invalid value for property state"),
      "req-intune");
  fake_.Enqueue(error);
  EXPECT_THAT(
      Update(RenameCommand("ndes-1", "x")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("Invalid value for property state"),
                     HasSubstr("req-intune"), Not(HasSubstr("_version")))));
}

TEST_F(GraphConnectorStoreTest, ConnectionClosedWithoutAnswerIsUnavailable) {
  // Passthrough, so that the Get is the first request on a fresh connection
  // (cpprestsdk resends a request once when a *reused* connection closes
  // before the answer; see cpprest_http_client_test).
  MakeStore(Auth::kPassthrough);
  Seed("ndes-1");
  ScriptedResponse hang_up;
  hang_up.close_without_answer = true;
  fake_.Enqueue(hang_up);
  CallContext context;
  context.authorization = "Bearer caller";
  EXPECT_THAT(Get("ndes-1", context),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_THAT(GraphRequests(), SizeIs(1));
}

// Graph applied a write and its answer was lost with the connection: the
// outcome is unknown to the gateway, so the answer is UNAVAILABLE (the
// caller may retry and learn the state then), never a silent resend whose
// answer reports the gateway's own write as someone else's (ALREADY_EXISTS,
// ABORTED, NOT_FOUND). The loss is scripted on reused connections only,
// where cpprestsdk resends; `write` is made until one went out on one.
class LostAnswerTest : public GraphConnectorStoreTest {
 protected:
  // The status of the first `write(round)` whose `method` request went out
  // on a reused connection and lost its answer; nullopt if none did.
  std::optional<absl::Status> WriteWithLostAnswer(
      const std::string& method,
      absl::FunctionRef<absl::Status(int round)> write) {
    Seed("ndes-warm");
    for (int round = 0; round < 50; ++round) {
      if (!Get("ndes-warm").ok()) return std::nullopt;  // pools a connection
      ScriptedResponse lost;
      lost.method = method;
      lost.only_on_reused_connection = true;
      lost.close_without_answer = true;
      lost.handle_before_closing = true;
      fake_.Enqueue(lost);
      absl::Status status = write(round);
      if (fake_.scripted_pending() == 0) return status;
      fake_.ClearScripted();  // went out on a new connection: again
    }
    return std::nullopt;
  }
};

TEST_F(LostAnswerTest, CreateWhoseAnswerIsLostIsNeverAlreadyExists) {
  MakeStore();
  std::string id;
  std::optional<absl::Status> status =
      WriteWithLostAnswer("POST", [&](int round) {
        id = absl::StrCat("ndes-lost-", round);
        return Create(SampleConnector(id)).status();
      });
  ASSERT_TRUE(status.has_value()) << "no POST went out on a reused connection";
  EXPECT_THAT(*status, StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_TRUE(fake_.FindConnector(id).has_value()) << "Graph did create it";
}

TEST_F(LostAnswerTest, ConditionalUpdateWhoseAnswerIsLostIsNeverAborted) {
  MakeStore();
  Seed("ndes-1");
  std::optional<absl::Status> status =
      WriteWithLostAnswer("PATCH", [&](int round) {
        const std::string etag =
            fake_.FindConnector("ndes-1")->at("@odata.etag").as_string();
        return Update(
                   RenameCommand("ndes-1", absl::StrCat("name ", round), etag))
            .status();
      });
  ASSERT_TRUE(status.has_value()) << "no PATCH went out on a reused connection";
  EXPECT_THAT(*status, StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

TEST_F(LostAnswerTest, DeleteWhoseAnswerIsLostIsNeverNotFound) {
  MakeStore();
  std::optional<absl::Status> status =
      WriteWithLostAnswer("DELETE", [&](int round) {
        const std::string id = absl::StrCat("ndes-del-", round);
        Seed(id);
        return Delete(id);
      });
  ASSERT_TRUE(status.has_value())
      << "no DELETE went out on a reused connection";
  EXPECT_THAT(*status, StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

// --- Hostile input -----------------------------------------------------------

// The one path segment after the collection path in `request`'s target, if
// the target is exactly the collection path plus one segment.
std::optional<std::string> IdSegment(const FakeGraphServer& fake,
                                     const RecordedRequest& request) {
  const std::string prefix = fake.collection_path() + "/";
  if (!absl::StartsWith(request.target, prefix)) return std::nullopt;
  return request.target.substr(prefix.size());
}

TEST_F(GraphConnectorStoreTest, HostileIdsArePercentEncodedIntoOneSegment) {
  MakeStore();
  for (const std::string& id :
       {std::string("a/b"), std::string("a?b=c"), std::string("a#b"),
        std::string("100%"), std::string("%2F"), std::string("../x"),
        std::string("a/../../b"), std::string("a b"), std::string("x\x01y"),
        std::string("line\r\nX-Injected: 1"), std::string("caf\xc3\xa9"),
        std::string("a;b"), std::string("a\\b")}) {
    SCOPED_TRACE(absl::CHexEscape(id));
    Seed(id);
    fake_.ClearRequests();
    EXPECT_THAT(Get(id), store::testing::IsOkAndHolds(
                             ::testing::Property(&NdesConnector::id, id)));
    EXPECT_THAT(Update(RenameById(id, "renamed")), IsOk());
    EXPECT_THAT(Delete(id), IsOk());
    std::vector<RecordedRequest> seen = GraphRequests();
    ASSERT_THAT(seen, SizeIs(3));
    for (const RecordedRequest& request : seen) {
      SCOPED_TRACE(request.method);
      std::optional<std::string> segment = IdSegment(fake_, request);
      ASSERT_TRUE(segment.has_value()) << request.target;
      EXPECT_EQ(segment->find_first_of("/?# \\\r\n"), std::string::npos)
          << request.target;
      EXPECT_EQ(request.query, "");
      EXPECT_THAT(PercentDecode(*segment), Optional(id)) << request.target;
    }
  }
}

TEST_F(GraphConnectorStoreTest, DotSegmentsNeverReachGraphAsPathSegments) {
  MakeStore();
  for (const std::string& id : {std::string("."), std::string("..")}) {
    SCOPED_TRACE(id);
    fake_.ClearRequests();
    absl::StatusOr<NdesConnector> got = Get(id);
    if (got.status().code() == absl::StatusCode::kInvalidArgument) {
      EXPECT_THAT(GraphRequests(), IsEmpty());
      continue;
    }
    for (const RecordedRequest& request : GraphRequests()) {
      std::optional<std::string> segment = IdSegment(fake_, request);
      ASSERT_TRUE(segment.has_value()) << request.target;
      EXPECT_NE(*segment, ".");
      EXPECT_NE(*segment, "..");
    }
  }
}

TEST_F(GraphConnectorStoreTest, ForeignPageTokensAreRefusedWithoutARequest) {
  MakeStore();
  Seed("ndes-1");
  std::vector<std::string> tokens;
  const std::string port = absl::StrCat(fake_.port());
  for (const std::string& url :
       {std::string("https://evil.example/beta/deviceManagement/"
                    "ndesConnectors?$top=1&$skiptoken=a"),
        absl::StrCat("http://127.0.0.1:", port, "/beta/users?$top=1"),
        absl::StrCat("http://127.0.0.1:", port,
                     "/beta/deviceManagement/ndesConnectors/../../users"),
        absl::StrCat("ftp://127.0.0.1:", port,
                     "/beta/deviceManagement/ndesConnectors?$top=1"),
        std::string("file:///etc/passwd"),
        std::string("//evil.example/x?$top=1"),
        std::string("$top=1&$skiptoken=a"), std::string("?$top=1"),
        std::string("graph.v1:$top=1\r\nHost: evil.example")}) {
    tokens.push_back(url);
    tokens.push_back(absl::WebSafeBase64Escape(url));
    tokens.push_back(absl::Base64Escape(url));
  }
  for (const std::string& token : tokens) {
    SCOPED_TRACE(token);
    EXPECT_THAT(List(1, token), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("page_token")));
  }
  EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(GraphConnectorStoreTest, NextLinkToAnotherHostIsFollowedOnTheBaseUrl) {
  MakeStore();
  for (const char* id : {"a", "b", "c"}) Seed(id);
  FakeGraphServer elsewhere;
  for (const std::string& next_link :
       {absl::StrCat(elsewhere.collection_url(), "?$top=1&$skiptoken=a"),
        absl::StrCat(fake_.base_url(), "/users?$top=1&$skiptoken=a"),
        absl::StrCat("https://evil.example:", fake_.port(),
                     "/beta/deviceManagement/ndesConnectors?$top=1&"
                     "$skiptoken=a")}) {
    SCOPED_TRACE(next_link);
    web::json::value page = web::json::value::object();
    page["value"] = web::json::value::array({*fake_.FindConnector("a")});
    page["@odata.nextLink"] = web::json::value::string(next_link);
    fake_.Enqueue(Answer(200, page.serialize()));
    fake_.ClearRequests();
    absl::StatusOr<ListPage> first = List(1, "");
    ASSERT_THAT(first, IsOk());
    ASSERT_THAT(first->next_page_token, Not(IsEmpty()));
    absl::StatusOr<ListPage> second = List(1, first->next_page_token);
    // Whatever the answer, the second request went to the configured
    // collection and nowhere else.
    std::vector<RecordedRequest> seen = GraphRequests();
    ASSERT_THAT(seen, SizeIs(2));
    EXPECT_EQ(seen[1].path, fake_.collection_path());
    if (second.ok()) {
      ASSERT_THAT(second->connectors, SizeIs(1));
      EXPECT_EQ(second->connectors[0].id(), "b");
    }
  }
  EXPECT_THAT(elsewhere.requests(), IsEmpty());
}

TEST(GraphConnectorStoreCreateTest, BaseUrlMustBeAnAbsoluteHttpUrl) {
  for (const char* base_url :
       {"", "not a url", "ftp://graph.example/beta", "/beta",
        "https://graph.example/beta?x=1", "https://graph.example/beta#frag",
        "graph.microsoft.com/beta"}) {
    SCOPED_TRACE(base_url);
    GraphStoreOptions options;
    options.base_url = base_url;
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        GraphConnectorStore::Create(
            options, std::make_shared<http::CpprestHttpClient>(),
            std::make_unique<PassthroughAuthorization>(),
            std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(GraphConnectorStoreCreateTest, TrailingSlashOfTheBaseUrlIsIgnored) {
  for (const char* base_url : {"https://graph.microsoft.com/beta",
                               "https://graph.microsoft.com/beta/"}) {
    GraphStoreOptions options;
    options.base_url = base_url;
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        GraphConnectorStore::Create(
            options, std::make_shared<http::CpprestHttpClient>(),
            std::make_unique<PassthroughAuthorization>(),
            std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ((*store)->collection_url(),
              "https://graph.microsoft.com/beta/deviceManagement/"
              "ndesConnectors");
  }
}

// --- create_if_missing -------------------------------------------------------

TEST_F(GraphConnectorStoreTest, CreateIfMissingPostsAfterThePatchIs404) {
  MakeStore();
  const NdesConnector sample = SampleConnector("ndes-upsert");
  UpdateCommand command = MakeUpdate(sample, {"display_name"});
  command.create_if_missing = true;
  absl::StatusOr<NdesConnector> created = Update(std::move(command));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(WithoutEtag(*created), EqualsProto(sample));
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].target, fake_.collection_path());
  EXPECT_TRUE(
      SameJson(Json(seen[1].body), translation::ConnectorToGraphJson(sample)))
      << seen[1].body;
}

TEST_F(GraphConnectorStoreTest,
       CreateIfMissingWithAnEtagIsAbortedAndPostsNothing) {
  MakeStore();
  const NdesConnector sample = SampleConnector("ndes-upsert");
  UpdateCommand command = MakeUpdate(sample, {"display_name"}, "W/\"3\"");
  command.create_if_missing = true;
  EXPECT_THAT(Update(std::move(command)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-upsert")));
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "GET") << "the read of the etag compare";
  EXPECT_EQ(fake_.connector_count(), 0u);
}

TEST_F(GraphConnectorStoreTest, CreateIfMissingLosingARaceIsAborted) {
  MakeStore();
  const NdesConnector sample = SampleConnector("ndes-upsert");
  UpdateCommand command = MakeUpdate(sample, {"display_name"});
  command.create_if_missing = true;
  ScriptedResponse conflict =
      GraphErrorResponse(409, "Conflict", "already exists", "req-409");
  conflict.method = "POST";
  fake_.Enqueue(conflict);
  EXPECT_THAT(Update(std::move(command)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-upsert")));
}

// --- Authorization -----------------------------------------------------------

TEST_F(GraphConnectorStoreTest, RevokedAppTokenIsReplacedOnceAfterA401) {
  MakeStore();
  Seed("ndes-1");
  ASSERT_THAT(Get("ndes-1"), IsOk());
  fake_.RevokeIssuedTokens();
  fake_.ClearRequests();
  ASSERT_THAT(Get("ndes-1"), IsOk());
  EXPECT_EQ(fake_.token_requests(), 2);
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_THAT(seen[0].Header("authorization"), Optional(IssuedBearer(0)));
  EXPECT_THAT(seen[1].Header("authorization"), Optional(IssuedBearer(1)));
  EXPECT_EQ(seen[0].Header("client-request-id"),
            seen[1].Header("client-request-id"));
}

TEST_F(GraphConnectorStoreTest, PersistentUnauthorizedIsRetriedOnlyOnce) {
  MakeStore();
  Seed("ndes-1");
  for (int i = 0; i < 3; ++i) {
    fake_.Enqueue(GraphErrorResponse(401, "InvalidAuthenticationToken",
                                     "Access token validation failure.",
                                     "req-401"));
  }
  EXPECT_THAT(Get("ndes-1"), StatusIs(absl::StatusCode::kUnauthenticated,
                                      HasSubstr("InvalidAuthenticationToken")));
  EXPECT_THAT(GraphRequests(), SizeIs(2));
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(GraphConnectorStoreTest, RefusedAppCredentialsAreUnauthenticated) {
  MakeStore();
  ScriptedResponse refused;
  refused.endpoint = FakeEndpoint::kToken;
  refused.status = 401;
  refused.headers = {{"Content-Type", "application/json"}};
  refused.body = IdentityErrorBody(
      "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  fake_.Enqueue(refused);
  EXPECT_THAT(Get("ndes-1"), StatusIs(absl::StatusCode::kUnauthenticated,
                                      HasSubstr("AADSTS7000215")));
  EXPECT_THAT(GraphRequests(), IsEmpty());
}

TEST_F(GraphConnectorStoreTest, PassthroughForwardsTheCallersAuthorization) {
  fake_.RequireAuthorization("Bearer caller-token");
  MakeStore(Auth::kPassthrough);
  Seed("ndes-1");
  CallContext context;
  context.authorization = "Bearer caller-token";
  ASSERT_THAT(Get("ndes-1", context), IsOk());
  ASSERT_THAT(GraphRequests(), SizeIs(1));
  EXPECT_THAT(GraphRequests()[0].Header("authorization"),
              Optional(std::string("Bearer caller-token")));
  EXPECT_EQ(fake_.token_requests(), 0);
}

TEST_F(GraphConnectorStoreTest, PassthroughWithoutAuthorizationMakesNoRequest) {
  MakeStore(Auth::kPassthrough);
  Seed("ndes-1");
  EXPECT_THAT(Get("ndes-1"),
              StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT(Update(RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT(List(5, ""),
              StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT(Create(SampleConnector("ndes-2")),
              StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT(Delete("ndes-1"),
              StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(GraphConnectorStoreTest, PassthroughUnauthorizedIsNotRetried) {
  fake_.RequireAuthorization("Bearer right");
  MakeStore(Auth::kPassthrough);
  Seed("ndes-1");
  CallContext context;
  context.authorization = "Bearer wrong";
  EXPECT_THAT(Get("ndes-1", context),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("InvalidAuthenticationToken")));
  EXPECT_THAT(GraphRequests(), SizeIs(1));
}

}  // namespace
}  // namespace ndes::graph
