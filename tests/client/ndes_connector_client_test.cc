#include "ndes/client/ndes_connector_client.h"

#include <chrono>
#include <memory>

#include "absl/time/clock.h"
#include "client/fake_ndes_connector_stub.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "ndes/client/error_details.h"
#include "ndes/v1/ndes_connector_service_mock.grpc.pb.h"

namespace ndes::client {
namespace {

using ::ndes::testing::FakeNdesConnectorStub;
using ::ndes::v1::MockNdesConnectorServiceStub;
using ::ndes::v1::NdesConnector;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::Return;

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE, "try later");

ClientOptions QuickRetries() {
  ClientOptions options;
  options.retry_policy.initial_backoff = absl::Milliseconds(1);
  options.retry_policy.max_backoff = absl::Milliseconds(2);
  return options;
}

NdesConnector Connector(const std::string& id) {
  NdesConnector connector;
  connector.set_id(id);
  connector.set_display_name("name of " + id);
  connector.set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.set_machine_name(id + ".contoso.local");
  connector.add_role_scope_tag_ids("0");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"100\"");
  return connector;
}

class NdesConnectorClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeNdesConnectorStub> stub_ =
      std::make_shared<FakeNdesConnectorStub>();
};

TEST_F(NdesConnectorClientTest, GetReturnsTheStoredConnector) {
  stub_->Put(Connector("ndes-01"));
  NdesConnectorClient client(stub_);
  absl::StatusOr<NdesConnector> connector = client.GetNdesConnector("ndes-01");
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_EQ(connector->display_name(), "name of ndes-01");
}

TEST_F(NdesConnectorClientTest, GetOfAnUnknownIdIsNotFound) {
  NdesConnectorClient client(stub_);
  absl::StatusOr<NdesConnector> connector = client.GetNdesConnector("nope");
  EXPECT_EQ(connector.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(connector.status().message(), HasSubstr("nope"));
}

TEST_F(NdesConnectorClientTest, EveryCallHasTheDefaultTenSecondDeadline) {
  stub_->Put(Connector("c"));
  NdesConnectorClient client(stub_);
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(client.GetNdesConnector("c").ok());
  ASSERT_TRUE(client.ListAllNdesConnectors().ok());
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(stub_->calls().size(), 2u);
  for (const auto& call : stub_->calls()) {
    EXPECT_GE(call.deadline, before + std::chrono::seconds(10));
    EXPECT_LE(call.deadline, after + std::chrono::seconds(10));
  }
}

TEST_F(NdesConnectorClientTest, BearerTokenIsSentAsAuthorizationMetadata) {
  stub_->Put(Connector("c"));
  ClientOptions options;
  options.bearer_token = "eyJ0eXAi.payload.sig";
  NdesConnectorClient client(stub_, options);
  ASSERT_TRUE(client.GetNdesConnector("c").ok());
  ASSERT_TRUE(client.DeleteNdesConnector("c").ok());
  for (const auto& call : stub_->calls()) {
    EXPECT_THAT(call.metadata, ElementsAre(Pair("authorization",
                                                "Bearer eyJ0eXAi.payload.sig")))
        << call.method;
  }
}

TEST_F(NdesConnectorClientTest, WithoutTokenNoMetadataIsSent) {
  stub_->Put(Connector("c"));
  NdesConnectorClient client(stub_);
  ASSERT_TRUE(client.GetNdesConnector("c").ok());
  EXPECT_TRUE(stub_->calls().at(0).metadata.empty());
}

TEST_F(NdesConnectorClientTest, UpdateSendsTheBuildersMaskAndChangesOnlyThat) {
  const NdesConnector original = Connector("ndes-01");
  stub_->Put(original);
  NdesConnectorClient client(stub_);
  absl::StatusOr<NdesConnector> updated = client.UpdateNdesConnectors(
      ConnectorUpdate("ndes-01").SetDisplayName("renamed").Clear(
          ConnectorField::kMachineName));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_THAT(stub_->calls().at(0).update_request.update_mask().paths(),
              ElementsAre("display_name", "machine_name"));
  NdesConnector expected = original;
  expected.set_display_name("renamed");
  expected.clear_machine_name();
  expected.set_etag(updated->etag());
  EXPECT_EQ(updated->SerializeAsString(), expected.SerializeAsString());
  EXPECT_NE(updated->etag(), original.etag());
}

TEST_F(NdesConnectorClientTest, GetRetriesUnavailableUntilItSucceeds) {
  stub_->Put(Connector("c"));
  stub_->FailNext(kUnavailable, 2);
  NdesConnectorClient client(stub_, QuickRetries());
  absl::StatusOr<NdesConnector> connector = client.GetNdesConnector("c");
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_EQ(stub_->calls().size(), 3u);
}

TEST_F(NdesConnectorClientTest, ListGivesUpAfterMaxAttempts) {
  stub_->FailNext(kUnavailable, 10);
  ClientOptions options = QuickRetries();
  options.retry_policy.max_attempts = 3;
  NdesConnectorClient client(stub_, options);
  absl::StatusOr<std::vector<NdesConnector>> all =
      client.ListAllNdesConnectors();
  EXPECT_EQ(all.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(all.status().message(), "try later (gave up after 3 attempts)");
  EXPECT_EQ(stub_->calls().size(), 3u);
}

TEST_F(NdesConnectorClientTest, RetryThatWouldOutliveTheDeadlineIsNotMade) {
  stub_->FailNext(kUnavailable, 10);
  ClientOptions options;
  options.timeout = absl::Milliseconds(200);
  options.retry_policy.initial_backoff = absl::Seconds(30);
  options.retry_policy.max_backoff = absl::Seconds(30);
  NdesConnectorClient client(stub_, options);
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.GetNdesConnector("c").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(stub_->calls().size(), 1u);
}

TEST_F(NdesConnectorClientTest, ListAllPagesThroughEveryPageInOrder) {
  for (const char* id : {"e", "a", "d", "b", "c"}) stub_->Put(Connector(id));
  NdesConnectorClient client(stub_);
  absl::StatusOr<std::vector<NdesConnector>> all =
      client.ListAllNdesConnectors(/*page_size=*/2);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> ids;
  for (const NdesConnector& connector : *all) ids.push_back(connector.id());
  EXPECT_THAT(ids, ElementsAre("a", "b", "c", "d", "e"));
  const auto calls = stub_->calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].list_request.page_token(), "");
  EXPECT_EQ(calls[1].list_request.page_token(), "b");
  EXPECT_EQ(calls[2].list_request.page_token(), "d");
  for (const auto& call : calls) EXPECT_EQ(call.list_request.page_size(), 2);
}

TEST_F(NdesConnectorClientTest, ErrorDetailsReachTheCaller) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("update_mask.paths[0]");
  violation->set_description("\"colour\" is not a field");
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.add_details()->PackFrom(bad_request);
  stub_->FailNext(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "invalid update_mask",
                               details.SerializeAsString()));
  NdesConnectorClient client(stub_);
  absl::StatusOr<NdesConnector> updated =
      client.UpdateNdesConnectors(ConnectorUpdate("c").SetDisplayName("x"));
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<BadRequest> carried = BadRequestOf(updated.status());
  ASSERT_TRUE(carried.has_value());
  ASSERT_EQ(carried->field_violations.size(), 1u);
  EXPECT_EQ(carried->field_violations[0].field, "update_mask.paths[0]");
  EXPECT_EQ(carried->field_violations[0].description,
            "\"colour\" is not a field");
  EXPECT_FALSE(BadRequestOf(absl::NotFoundError("x")).has_value());
}

TEST_F(NdesConnectorClientTest, CreateReturnsTheStoredConnector) {
  NdesConnectorClient client(stub_);
  NdesConnector request = Connector("new");
  request.clear_etag();
  absl::StatusOr<NdesConnector> created = client.CreateNdesConnector(request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id(), "new");
  EXPECT_FALSE(created->etag().empty());
  EXPECT_EQ(client.CreateNdesConnector(request).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(NdesConnectorClientTest, DeleteWithStaleEtagIsAbortedAndKeepsIt) {
  stub_->Put(Connector("c"));
  NdesConnectorClient client(stub_);
  EXPECT_EQ(client.DeleteNdesConnector("c", "W/\"1\"").code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(stub_->Stored("c").id(), "c");
  EXPECT_TRUE(client.DeleteNdesConnector("c", "W/\"100\"").ok());
  EXPECT_EQ(stub_->Stored("c").id(), "");
}

// Which calls are retried is the interaction under test: the generated mock
// counts the attempts.
class RetryIdempotencyTest : public ::testing::Test {
 protected:
  std::shared_ptr<MockNdesConnectorServiceStub> mock_ =
      std::make_shared<MockNdesConnectorServiceStub>();
  NdesConnectorClient client_{mock_, QuickRetries()};  // 4 attempts
};

TEST_F(RetryIdempotencyTest, CreateIsNeverRetried) {
  EXPECT_CALL(*mock_, CreateNdesConnector(_, _, _))
      .Times(1)
      .WillRepeatedly(Return(kUnavailable));
  EXPECT_EQ(client_.CreateNdesConnector(NdesConnector()).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(RetryIdempotencyTest, UpdateWithoutEtagIsNotRetried) {
  EXPECT_CALL(*mock_, UpdateNdesConnectors(_, _, _))
      .Times(1)
      .WillRepeatedly(Return(kUnavailable));
  EXPECT_EQ(
      client_.UpdateNdesConnectors(ConnectorUpdate("c").SetDisplayName("x"))
          .status()
          .code(),
      absl::StatusCode::kUnavailable);
}

TEST_F(RetryIdempotencyTest, UpdateWithEtagIsRetried) {
  EXPECT_CALL(*mock_, UpdateNdesConnectors(_, _, _))
      .Times(4)
      .WillRepeatedly(Return(kUnavailable));
  absl::StatusOr<NdesConnector> updated = client_.UpdateNdesConnectors(
      ConnectorUpdate("c").SetDisplayName("x").SetEtag("W/\"1\""));
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(updated.status().message(), HasSubstr("gave up after 4"));
}

TEST_F(RetryIdempotencyTest, DeleteWithoutEtagIsNotRetried) {
  EXPECT_CALL(*mock_, DeleteNdesConnector(_, _, _))
      .Times(1)
      .WillRepeatedly(Return(kUnavailable));
  EXPECT_EQ(client_.DeleteNdesConnector("c").code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(RetryIdempotencyTest, DeleteWithEtagIsRetriedUntilItSucceeds) {
  EXPECT_CALL(*mock_, DeleteNdesConnector(_, _, _))
      .WillOnce(Return(kUnavailable))
      .WillOnce(Return(grpc::Status::OK));
  EXPECT_TRUE(client_.DeleteNdesConnector("c", "W/\"1\"").ok());
}

TEST_F(RetryIdempotencyTest, ListStopsWhenTheServerRepeatsItsPageToken) {
  EXPECT_CALL(*mock_, ListNdesConnectors(_, _, _))
      .Times(2)
      .WillRepeatedly([](grpc::ClientContext*,
                         const v1::ListNdesConnectorsRequest&,
                         v1::ListNdesConnectorsResponse* response) {
        response->add_ndes_connectors()->set_id("a");
        response->set_next_page_token("same");
        return grpc::Status::OK;
      });
  absl::StatusOr<std::vector<NdesConnector>> all =
      client_.ListAllNdesConnectors();
  EXPECT_EQ(all.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(all.status().message(), HasSubstr("next_page_token"));
}

TEST(MakeNdesConnectorClientTest, KeepsTheOptions) {
  ClientOptions options;
  options.timeout = absl::Seconds(3);
  options.bearer_token = "x";
  NdesConnectorClient client = MakeNdesConnectorClient(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()),
      options);
  EXPECT_EQ(client.options().timeout, absl::Seconds(3));
  EXPECT_EQ(client.options().bearer_token, "x");
}

}  // namespace
}  // namespace ndes::client
