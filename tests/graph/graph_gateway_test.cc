// The real gRPC server (in-process, port 0) over a GraphConnectorStore with
// passthrough authorization against the fake Graph: what a gRPC caller sees
// of the Graph backend.

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/in_process_gateway.h"
#include "translation/graph_json.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::GraphErrorResponse;
using ::ndes::graph::testing::RecordedRequest;
using ::ndes::graph::testing::ScriptedResponse;
using ::ndes::v1::GetNdesConnectorRequest;
using ::ndes::v1::ListNdesConnectorsRequest;
using ::ndes::v1::ListNdesConnectorsResponse;
using ::ndes::v1::NdesConnector;
using ::ndes::v1::UpdateNdesConnectorsRequest;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;

constexpr char kCallerToken[] = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.caller";

class GraphGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.RequireAuthorization(kCallerToken);
    GraphStoreOptions options;
    options.base_url = fake_.base_url();
    options.retry.max_attempts = 2;
    options.retry.initial_backoff = absl::Milliseconds(5);
    options.retry.max_backoff = absl::Milliseconds(10);
    options.budget = RequestBudget::Off();
    absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
        GraphConnectorStore::Create(
            options, std::make_shared<http::CpprestHttpClient>(),
            std::make_unique<PassthroughAuthorization>(),
            std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
    ASSERT_TRUE(store.ok()) << store.status();
    gateway_ =
        std::make_unique<ndes::testing::InProcessGateway>(*std::move(store));
  }

  v1::NdesConnectorService::Stub& stub() { return gateway_->stub(); }

  // A client context that carries the caller's token, with a deadline.
  static std::unique_ptr<grpc::ClientContext> CallerContext() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", kCallerToken);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    return context;
  }

  NdesConnector Seed(const std::string& id) {
    NdesConnector connector;
    connector.set_id(id);
    connector.set_display_name("NDES-01");
    connector.set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
    connector.set_machine_name("ndes01.contoso.com");
    connector.add_role_scope_tag_ids("0");
    connector.set_connector_version("6.2301.1.0");
    connector.set_etag(
        fake_.PutConnector(translation::ConnectorToGraphJson(connector)));
    return connector;
  }

  std::vector<RecordedRequest> GraphRequests() const {
    return fake_.requests(FakeEndpoint::kGraph);
  }

  // Declared first: outlives the gateway and its store.
  FakeGraphServer fake_;
  std::unique_ptr<ndes::testing::InProcessGateway> gateway_;
};

TEST_F(GraphGatewayTest, CallersAuthorizationMetadataReachesGraph) {
  const NdesConnector seeded = Seed("ndes-1");
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  NdesConnector answer;
  grpc::Status status =
      stub().GetNdesConnector(CallerContext().get(), request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.display_name(), "NDES-01");
  EXPECT_EQ(answer.etag(), seeded.etag());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_THAT(seen[0].Header("authorization"),
              Optional(std::string(kCallerToken)));
  EXPECT_EQ(seen[0].target, fake_.collection_path() + "/ndes-1");
}

TEST_F(GraphGatewayTest, CallWithoutAuthorizationNeverReachesGraph) {
  Seed("ndes-1");
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  grpc::ClientContext context;
  NdesConnector answer;
  grpc::Status status = stub().GetNdesConnector(&context, request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("authorization"));
  EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(GraphGatewayTest, UpdateWithFieldMaskSendsThePatchDocument) {
  const NdesConnector seeded = Seed("ndes-1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("ndes-1");
  request.mutable_ndes_connector()->set_display_name("NDES-02");
  request.mutable_ndes_connector()->set_state(
      v1::NDES_CONNECTOR_STATE_INACTIVE);
  request.mutable_ndes_connector()->set_machine_name("not in the mask");
  request.mutable_ndes_connector()->set_etag(seeded.etag());
  request.mutable_update_mask()->add_paths("display_name");
  request.mutable_update_mask()->add_paths("state");
  NdesConnector answer;
  grpc::Status status =
      stub().UpdateNdesConnectors(CallerContext().get(), request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // With an etag: the connector is read and compared, then patched.
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].method, "GET");
  const RecordedRequest& patch = seen[1];
  EXPECT_EQ(patch.method, "PATCH");
  EXPECT_EQ(patch.target, fake_.collection_path() + "/ndes-1");
  EXPECT_THAT(patch.Header("if-match"), Optional(seeded.etag()));
  EXPECT_THAT(patch.Header("prefer"),
              Optional(std::string("return=representation")));
  std::error_code error;
  const web::json::value body = web::json::value::parse(patch.body, error);
  ASSERT_FALSE(error) << patch.body;
  ASSERT_TRUE(body.is_object()) << patch.body;
  EXPECT_EQ(body.size(), 3u) << patch.body;
  EXPECT_EQ(body.at("@odata.type").as_string(),
            "#microsoft.graph.ndesConnector");
  EXPECT_EQ(body.at("displayName").as_string(), "NDES-02");
  EXPECT_EQ(body.at("state").as_string(), "inactive");

  EXPECT_EQ(answer.display_name(), "NDES-02");
  EXPECT_EQ(answer.state(), v1::NDES_CONNECTOR_STATE_INACTIVE);
  EXPECT_EQ(answer.machine_name(), "ndes01.contoso.com");
  EXPECT_EQ(answer.etag(),
            fake_.FindConnector("ndes-1")->at("@odata.etag").as_string());
}

TEST_F(GraphGatewayTest, InvalidMaskIsRefusedBeforeGraph) {
  Seed("ndes-1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("ndes-1");
  request.mutable_update_mask()->add_paths("colour");
  NdesConnector answer;
  grpc::Status status =
      stub().UpdateNdesConnectors(CallerContext().get(), request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("colour"));
  EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(GraphGatewayTest, ListPagesThroughGraphsNextLink) {
  for (const char* id : {"a", "b", "c"}) Seed(id);
  ListNdesConnectorsRequest request;
  request.set_page_size(2);
  ListNdesConnectorsResponse first;
  grpc::Status status =
      stub().ListNdesConnectors(CallerContext().get(), request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(first.ndes_connectors_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  ListNdesConnectorsResponse second;
  status = stub().ListNdesConnectors(CallerContext().get(), request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(second.ndes_connectors_size(), 1);
  EXPECT_EQ(second.ndes_connectors(0).id(), "c");
  EXPECT_TRUE(second.next_page_token().empty());
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(2));
  EXPECT_EQ(seen[0].query, "$top=2");
}

TEST_F(GraphGatewayTest, ListQueryFieldsBecomeGraphQueryOptions) {
  for (const char* id : {"a", "b"}) Seed(id);
  ListNdesConnectorsRequest request;
  request.set_page_size(5);
  request.set_filter(
      "state = ACTIVE AND starts_with(machine_name, \"ndes\") OR "
      "NOT enrolled_date_time:*");
  request.set_order_by("display_name desc, id");
  request.mutable_read_mask()->add_paths("machine_name");
  request.mutable_read_mask()->add_paths("state");
  ListNdesConnectorsResponse answer;
  grpc::Status status =
      stub().ListNdesConnectors(CallerContext().get(), request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<RecordedRequest> seen = GraphRequests();
  ASSERT_THAT(seen, SizeIs(1));
  // AIP's OR binds tighter than AND: the OData text needs the parentheses.
  EXPECT_EQ(seen[0].query,
            "$top=5"
            "&$filter=state%20eq%20'active'%20and%20"
            "(startswith(machineName,'ndes')%20or%20"
            "not%20(enrolledDateTime%20ne%20null))"
            "&$orderby=displayName%20desc,id"
            "&$select=state,machineName");
  ASSERT_EQ(answer.ndes_connectors_size(), 2);
  EXPECT_EQ(answer.ndes_connectors(0).machine_name(), "ndes01.contoso.com");
  EXPECT_THAT(answer.ndes_connectors(0).display_name(), IsEmpty());
}

TEST_F(GraphGatewayTest, InvalidFilterIsRefusedBeforeGraph) {
  Seed("ndes-1");
  ListNdesConnectorsRequest request;
  request.set_filter("colour = \"red\"");
  ListNdesConnectorsResponse answer;
  grpc::Status status =
      stub().ListNdesConnectors(CallerContext().get(), request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid filter"));
  EXPECT_THAT(fake_.requests(), IsEmpty());
}

TEST_F(GraphGatewayTest, GetReadMaskReducesTheAnswer) {
  const NdesConnector seeded = Seed("ndes-1");
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  request.mutable_read_mask()->add_paths("display_name");
  NdesConnector answer;
  grpc::Status status =
      stub().GetNdesConnector(CallerContext().get(), request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  NdesConnector expected;
  expected.set_id("ndes-1");
  expected.set_etag(seeded.etag());
  expected.set_display_name("NDES-01");
  EXPECT_EQ(answer.SerializeAsString(), expected.SerializeAsString())
      << answer.DebugString();
}

struct GrpcMappingRow {
  int http_status;
  const char* graph_code;
  grpc::StatusCode grpc_code;
};

void PrintTo(const GrpcMappingRow& row, std::ostream* os) {
  *os << "HTTP " << row.http_status << " " << row.graph_code << " -> gRPC "
      << static_cast<int>(row.grpc_code);
}

class GraphGatewayStatusTest
    : public GraphGatewayTest,
      public ::testing::WithParamInterface<GrpcMappingRow> {};

TEST_P(GraphGatewayStatusTest, GraphErrorIsAGrpcStatusNamingCodeAndRequestId) {
  const GrpcMappingRow& row = GetParam();
  Seed("ndes-1");
  const std::string request_id = absl::StrCat("req-grpc-", row.http_status);
  for (int i = 0; i < 2; ++i) {  // enough for the retried statuses
    ScriptedResponse error = GraphErrorResponse(row.http_status, row.graph_code,
                                                "Graph said no", request_id);
    error.headers.emplace_back("Retry-After", "0");
    fake_.Enqueue(error);
  }
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("ndes-1");
  request.mutable_ndes_connector()->set_display_name("NDES-02");
  NdesConnector answer;
  grpc::Status status =
      stub().UpdateNdesConnectors(CallerContext().get(), request, &answer);
  EXPECT_EQ(status.error_code(), row.grpc_code) << status.error_message();
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr(row.graph_code), HasSubstr(request_id)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, GraphGatewayStatusTest,
    ::testing::Values(
        GrpcMappingRow{400, "BadRequest", grpc::StatusCode::INVALID_ARGUMENT},
        GrpcMappingRow{403, "Forbidden", grpc::StatusCode::PERMISSION_DENIED},
        GrpcMappingRow{404, "ResourceNotFound", grpc::StatusCode::NOT_FOUND},
        GrpcMappingRow{412, "PreconditionFailed", grpc::StatusCode::ABORTED},
        GrpcMappingRow{429, "TooManyRequests",
                       grpc::StatusCode::RESOURCE_EXHAUSTED},
        GrpcMappingRow{503, "ServiceUnavailable",
                       grpc::StatusCode::UNAVAILABLE}),
    [](const ::testing::TestParamInfo<GrpcMappingRow>& info) {
      return absl::StrCat("Http", info.param.http_status);
    });

TEST_F(GraphGatewayTest, CallDeadlineBoundsTheGraphRequest) {
  Seed("ndes-1");
  fake_.SetResponseDelay(absl::Seconds(30));
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  grpc::ClientContext context;
  context.AddMetadata("authorization", kCallerToken);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(300));
  NdesConnector answer;
  const absl::Time start = absl::Now();
  grpc::Status status = stub().GetNdesConnector(&context, request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(
      fake_.WaitForRequests(1, absl::Seconds(10), FakeEndpoint::kGraph));
  // The store waits for its requests in flight when it is destroyed: that
  // is prompt only if the Graph request was itself cut at the deadline.
  gateway_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// The budget, as a gRPC caller sees it: a call whose deadline cannot be met
// in the queue is answered at once, with when to come back.
TEST(GraphGatewayBudgetTest,
     ACallThatCannotWaitIsResourceExhaustedWithRetryInfo) {
  FakeGraphServer fake;
  fake.RequireAuthorization(kCallerToken);
  for (const char* id : {"ndes-1", "ndes-2"}) {
    NdesConnector connector;
    connector.set_id(id);
    fake.PutConnector(translation::ConnectorToGraphJson(connector));
  }
  GraphStoreOptions options;
  options.base_url = fake.base_url();
  options.budget = {1, 1000, absl::Seconds(30)};  // one write per 30 s
  absl::StatusOr<std::unique_ptr<GraphConnectorStore>> store =
      GraphConnectorStore::Create(
          options, std::make_shared<http::CpprestHttpClient>(),
          std::make_unique<PassthroughAuthorization>(),
          std::make_unique<http::ThreadScheduler>(), GraphStats::Unexposed());
  ASSERT_TRUE(store.ok()) << store.status();
  ndes::testing::InProcessGateway gateway(*std::move(store));

  auto rename = [&](const std::string& id) {
    UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id(id);
    request.mutable_ndes_connector()->set_display_name("renamed");
    grpc::ClientContext context;
    context.AddMetadata("authorization", kCallerToken);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    NdesConnector answer;
    return gateway.stub().UpdateNdesConnectors(&context, request, &answer);
  };
  ASSERT_TRUE(rename("ndes-1").ok());
  const absl::Time asked = absl::Now();
  grpc::Status refused = rename("ndes-2");
  EXPECT_LT(absl::Now() - asked, absl::Seconds(2)) << "answered at once";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("budget"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(refused.error_details()));
  google::rpc::RetryInfo retry_info;
  bool found = false;
  for (const google::protobuf::Any& detail : details.details()) {
    found = found || detail.UnpackTo(&retry_info);
  }
  ASSERT_TRUE(found) << details.ShortDebugString();
  EXPECT_GT(retry_info.retry_delay().seconds(), 25);
  EXPECT_LE(retry_info.retry_delay().seconds(), 30);
  EXPECT_EQ(fake.requests(FakeEndpoint::kGraph).size(), 1u)
      << "the PATCH of the first call only";
}

}  // namespace
}  // namespace ndes::graph
