// The client library against the real ndes-gateway binary (--store=memory)
// over loopback: what the fakes cannot show — the real status codes and
// details, real paging, and a channel with nothing behind it.

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "ndes/client/error_details.h"
#include "ndes/client/ndes_connector_client.h"
#include "support/gateway_process.h"

namespace ndes::client {
namespace {

using ::ndes::testing::GatewayProcess;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;

class ClientIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = new GatewayProcess({"--store=memory"});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gateway_->Terminate(), 0) << gateway_->Log();
    delete gateway_;
    gateway_ = nullptr;
  }

  NdesConnectorClient Client(ClientOptions options = {}) {
    return MakeNdesConnectorClient(gateway_->Channel(), options);
  }

  // A connector with every field set, under an id unique to the test.
  NdesConnector Create(const std::string& suffix = "") {
    NdesConnector connector;
    connector.set_id(
        std::string(
            ::testing::UnitTest::GetInstance()->current_test_info()->name()) +
        suffix);
    connector.set_display_name("NDES-01");
    connector.set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
    connector.mutable_last_connection_date_time()->set_seconds(1795860930);
    connector.set_machine_name("ndes01.contoso.local");
    connector.mutable_enrolled_date_time()->set_seconds(1735787045);
    connector.add_role_scope_tag_ids("0");
    connector.add_role_scope_tag_ids("7");
    connector.set_connector_version("6.2301.1.0");
    absl::StatusOr<NdesConnector> created =
        Client().CreateNdesConnector(connector);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : NdesConnector();
  }

  static GatewayProcess* gateway_;
};

GatewayProcess* ClientIntegrationTest::gateway_ = nullptr;

TEST_F(ClientIntegrationTest, MaskedUpdateChangesTheNamedFieldsAndNothingElse) {
  const NdesConnector original = Create();
  absl::StatusOr<NdesConnector> updated = Client().UpdateNdesConnectors(
      ConnectorUpdate(original.id())
          .SetDisplayName("NDES-01 (primary)")
          .SetState(v1::NDES_CONNECTOR_STATE_NONE)
          .Clear(ConnectorField::kRoleScopeTagIds));
  ASSERT_TRUE(updated.ok()) << updated.status();

  NdesConnector expected = original;
  expected.set_display_name("NDES-01 (primary)");
  expected.set_state(v1::NDES_CONNECTOR_STATE_NONE);
  expected.clear_role_scope_tag_ids();
  expected.set_etag(updated->etag());
  EXPECT_NE(updated->etag(), original.etag());
  EXPECT_EQ(updated->DebugString(), expected.DebugString());

  absl::StatusOr<NdesConnector> read = Client().GetNdesConnector(original.id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->DebugString(), expected.DebugString());
}

TEST_F(ClientIntegrationTest, StaleEtagIsAbortedAndWritesNothing) {
  const NdesConnector original = Create();
  absl::StatusOr<NdesConnector> updated =
      Client().UpdateNdesConnectors(ConnectorUpdate(original.id())
                                        .SetDisplayName("first")
                                        .SetEtag(original.etag()));
  ASSERT_TRUE(updated.ok()) << updated.status();
  absl::StatusOr<NdesConnector> stale =
      Client().UpdateNdesConnectors(ConnectorUpdate(original.id())
                                        .SetDisplayName("second")
                                        .SetEtag(original.etag()));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Client().GetNdesConnector(original.id())->display_name(), "first");
  EXPECT_EQ(Client().DeleteNdesConnector(original.id(), original.etag()).code(),
            absl::StatusCode::kAborted);
  EXPECT_TRUE(
      Client().DeleteNdesConnector(original.id(), updated->etag()).ok());
  EXPECT_EQ(Client().GetNdesConnector(original.id()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ClientIntegrationTest, AllowMissingCreatesFromTheUpdate) {
  const std::string id = "allow-missing-created";
  EXPECT_EQ(Client()
                .UpdateNdesConnectors(ConnectorUpdate(id).SetDisplayName("x"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<NdesConnector> created = Client().UpdateNdesConnectors(
      ConnectorUpdate(id).SetDisplayName("x").SetAllowMissing(true));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->display_name(), "x");
}

TEST_F(ClientIntegrationTest, InvalidMaskComesBackWithFieldViolations) {
  const NdesConnector original = Create();
  v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id(original.id());
  request.mutable_update_mask()->add_paths("colour");
  absl::StatusOr<NdesConnector> updated =
      Client().UpdateNdesConnectors(request);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("colour"));
  std::optional<BadRequest> bad_request = BadRequestOf(updated.status());
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations.size(), 1u);
  EXPECT_EQ(bad_request->field_violations[0].field, "update_mask.paths[0]");
  EXPECT_THAT(bad_request->field_violations[0].description,
              HasSubstr("\"colour\" is not a field"));
}

TEST_F(ClientIntegrationTest, DuplicateCreateIsAlreadyExists) {
  const NdesConnector original = Create();
  NdesConnector again;
  again.set_id(original.id());
  EXPECT_EQ(Client().CreateNdesConnector(again).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(ClientIntegrationTest, ListAllPagesThroughMoreThanOnePage) {
  for (int i = 0; i < 7; ++i) Create("-" + std::to_string(i));
  absl::StatusOr<std::vector<NdesConnector>> all =
      Client().ListAllNdesConnectors(/*page_size=*/3);
  ASSERT_TRUE(all.ok()) << all.status();
  int mine = 0;
  for (const NdesConnector& connector : *all) {
    if (connector.id().rfind("ListAllPagesThroughMoreThanOnePage-", 0) == 0) {
      ++mine;
    }
  }
  EXPECT_EQ(mine, 7);
  absl::StatusOr<v1::ListNdesConnectorsResponse> first_page = [&] {
    v1::ListNdesConnectorsRequest request;
    request.set_page_size(3);
    return Client().ListNdesConnectors(request);
  }();
  ASSERT_TRUE(first_page.ok());
  EXPECT_EQ(first_page->ndes_connectors_size(), 3);
  EXPECT_FALSE(first_page->next_page_token().empty());
}

TEST_F(ClientIntegrationTest, BearerTokenDoesNotDisturbTheCall) {
  const NdesConnector original = Create();
  ClientOptions options;
  options.bearer_token = "integration-token";
  EXPECT_TRUE(Client(options).GetNdesConnector(original.id()).ok());
}

TEST(ClientWithoutServerTest, NothingListeningIsUnavailableAfterRetries) {
  std::string address;
  {
    GatewayProcess gone({"--store=memory"});
    ASSERT_TRUE(gone.Start().ok()) << gone.Log();
    address = gone.address();
    ASSERT_EQ(gone.Terminate(), 0);
  }
  ClientOptions options;
  options.timeout = absl::Seconds(5);
  options.retry_policy.max_attempts = 3;
  options.retry_policy.initial_backoff = absl::Milliseconds(10);
  NdesConnectorClient client = MakeNdesConnectorClient(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      options);
  const absl::Time start = absl::Now();
  absl::StatusOr<NdesConnector> connector = client.GetNdesConnector("any");
  EXPECT_EQ(connector.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(connector.status().message(),
              HasSubstr("gave up after 3 attempts"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace ndes::client
