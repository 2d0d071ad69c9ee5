// The gateway driven the way grpcurl drives it: a client that links none of
// the gateway's generated code and learns every message from server
// reflection, against the real ndes-gateway binary. Every row of the update
// table runs through it.

#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/reflection_client.h"
#include "support/gateway_process.h"

namespace ndes::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kService[] = "ndes.v1.NdesConnectorService";

class ReflectionOnlyClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = new GatewayProcess({"--store=memory"});
    absl::Status started = gateway_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gateway_->Terminate(), 0) << gateway_->Log();
    delete gateway_;
    gateway_ = nullptr;
  }

  ReflectionClient client_{gateway_->Channel()};
  static GatewayProcess* gateway_;
};

GatewayProcess* ReflectionOnlyClientTest::gateway_ = nullptr;

TEST_F(ReflectionOnlyClientTest, ListsTheServiceHealthAndReflection) {
  absl::StatusOr<std::vector<std::string>> services = client_.ListServices();
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_THAT(*services, Contains(kService));
  EXPECT_THAT(*services, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(*services, Contains("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(ReflectionOnlyClientTest, DescribesEveryRpcAndGraphJsonNames) {
  auto service = client_.FindService(kService);
  ASSERT_TRUE(service.ok()) << service.status();
  for (const char* method :
       {"UpdateNdesConnectors", "GetNdesConnector", "ListNdesConnectors",
        "CreateNdesConnector", "DeleteNdesConnector"}) {
    EXPECT_NE((*service)->FindMethodByName(method), nullptr) << method;
  }
  auto connector = client_.FindMessage("ndes.v1.NdesConnector");
  ASSERT_TRUE(connector.ok()) << connector.status();
  const std::vector<std::pair<std::string, std::string>> names = {
      {"id", "id"},
      {"display_name", "displayName"},
      {"state", "state"},
      {"last_connection_date_time", "lastConnectionDateTime"},
      {"machine_name", "machineName"},
      {"enrolled_date_time", "enrolledDateTime"},
      {"role_scope_tag_ids", "roleScopeTagIds"},
      {"connector_version", "connectorVersion"},
      {"etag", "etag"}};
  ASSERT_EQ((*connector)->field_count(), static_cast<int>(names.size()));
  for (const auto& [proto_name, json_name] : names) {
    const auto* field = (*connector)->FindFieldByName(proto_name);
    ASSERT_NE(field, nullptr) << proto_name;
    EXPECT_EQ(field->json_name(), json_name);
  }
  auto request = client_.FindMessage("ndes.v1.UpdateNdesConnectorsRequest");
  ASSERT_TRUE(request.ok());
  const auto* mask = (*request)->FindFieldByName("update_mask");
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(mask->message_type()->full_name(), "google.protobuf.FieldMask");
  EXPECT_NE((*request)->FindFieldByName("allow_missing"), nullptr);
}

TEST_F(ReflectionOnlyClientTest, DescribeShowsTheFieldComments) {
  auto file = client_.FileProtoOf("ndes.v1.NdesConnector");
  ASSERT_TRUE(file.ok()) << file.status();
  std::string comments;
  for (const auto& location : file->source_code_info().location()) {
    comments += location.leading_comments();
  }
  EXPECT_THAT(comments, HasSubstr("Graph `displayName`"));
  EXPECT_THAT(comments, HasSubstr("Output only"));
}

// One step of the update table, through JSON only.
struct Step {
  std::string row;  // the row of the update table this step proves
  std::string method;
  std::string request;  // JSON; "$ETAG" is replaced by the last etag seen
  grpc::StatusCode code;
  std::vector<std::string> response_has;  // in the response JSON or message
  std::vector<std::string> response_lacks;
};

std::string LastEtag(const std::string& json) {
  static const std::regex kEtag(R"re("etag":"((?:[^"\\]|\\.)*)")re");
  std::smatch match;
  return std::regex_search(json, match, kEtag) ? match[1].str() : "";
}

TEST_F(ReflectionOnlyClientTest, EveryUpdateRuleHoldsThroughJson) {
  const std::string full =
      R"({"ndesConnector":{"id":"r1","displayName":"NDES-01",)"
      R"("state":"NDES_CONNECTOR_STATE_ACTIVE","machineName":"ndes01",)"
      R"("lastConnectionDateTime":"2016-12-31T23:58:36.6670033-08:00",)"
      R"("roleScopeTagIds":["0","7"],"connectorVersion":"6.1"}})";
  const std::vector<Step> steps = {
      {"create",
       "CreateNdesConnector",
       full,
       grpc::StatusCode::OK,
       {R"("id":"r1")",
        R"("lastConnectionDateTime":"2017-01-01T07:58:36.667003300Z")"},
       {}},
      {"id empty -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"displayName":"x"}})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"ndes_connector.id"},
       {}},
      {"unknown mask path -> INVALID_ARGUMENT naming it",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","displayName":"x"},"updateMask":"displayName,colour"})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"colour", "update_mask.paths[1]"},
       {}},
      {"path into a scalar -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1"},"updateMask":"state.x"})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"state.x"},
       {}},
      {"path into a list -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1"},"updateMask":"roleScopeTagIds.0"})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"role_scope_tag_ids.0"},
       {}},
      {"nothing written by the refused calls",
       "GetNdesConnector",
       R"({"id":"r1"})",
       grpc::StatusCode::OK,
       {R"("displayName":"NDES-01")"},
       {}},
      {"mask names id -> ignored",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","displayName":"A"},"updateMask":"id,displayName"})",
       grpc::StatusCode::OK,
       {R"("id":"r1")", R"("displayName":"A")"},
       {}},
      {"mask names etag -> ignored",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","machineName":"m2","etag":""},"updateMask":"etag,machineName"})",
       grpc::StatusCode::OK,
       {R"("machineName":"m2")"},
       {}},
      {"mask omitted -> populated fields",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","connectorVersion":"6.2"}})",
       grpc::StatusCode::OK,
       {R"("connectorVersion":"6.2")", R"("displayName":"A")",
        R"("machineName":"m2")"},
       {}},
      {"implied mask empty -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1"}})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"at least one property must be changed"},
       {}},
      {"* mixed with paths -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1"},"updateMask":"*,displayName"})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"*"},
       {}},
      {"masked unset field -> cleared",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1"},"updateMask":"machineName,lastConnectionDateTime"})",
       grpc::StatusCode::OK,
       {R"("displayName":"A")"},
       {"machineName", "lastConnectionDateTime"}},
      {"repeated field -> whole list replaced",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","roleScopeTagIds":["9"]},"updateMask":"roleScopeTagIds"})",
       grpc::StatusCode::OK,
       {R"("roleScopeTagIds":["9"])"},
       {}},
      {"enum outside declared values -> INVALID_ARGUMENT",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","state":7},"updateMask":"state"})",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"ndes_connector.state"},
       {}},
      {"id missing, allow_missing false -> NOT_FOUND",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"ghost","displayName":"x"}})",
       grpc::StatusCode::NOT_FOUND,
       {"ghost"},
       {}},
      {"id missing, allow_missing true -> created, mask ignored",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r2","displayName":"n","machineName":"m"},"updateMask":"displayName","allowMissing":true})",
       grpc::StatusCode::OK,
       {R"("id":"r2")", R"("machineName":"m")"},
       {}},
      {"* alone -> full replacement",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r2","displayName":"only"},"updateMask":"*"})",
       grpc::StatusCode::OK,
       {R"("displayName":"only")"},
       {"machineName"}},
      {"read the current etag",
       "GetNdesConnector",
       R"({"id":"r1"})",
       grpc::StatusCode::OK,
       {R"("etag":)"},
       {}},
      {"etag current -> written, new etag",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","displayName":"B","etag":"$ETAG"}})",
       grpc::StatusCode::OK,
       {R"("displayName":"B")"},
       {"$ETAG"}},
      {"etag stale -> ABORTED",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","displayName":"C","etag":"W/\"1\""}})",
       grpc::StatusCode::ABORTED,
       {"etag"},
       {}},
      {"etag empty -> unconditional",
       "UpdateNdesConnectors",
       R"({"ndesConnector":{"id":"r1","displayName":"D"}})",
       grpc::StatusCode::OK,
       {R"("displayName":"D")", R"("id":"r1")"},
       {}},
      {"error writes nothing",
       "GetNdesConnector",
       R"({"id":"r1"})",
       grpc::StatusCode::OK,
       {R"("displayName":"D")", R"("roleScopeTagIds":["9"])"},
       {}},
  };
  std::string etag;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.row);
    std::string request = absl::StrReplaceAll(step.request, {{"$ETAG", etag}});
    ReflectionClient::CallResult result =
        client_.Invoke(absl::StrCat(kService, "/", step.method), request);
    ASSERT_EQ(result.status.error_code(), step.code)
        << result.status.error_message();
    const std::string seen =
        result.status.ok()
            ? result.response_json
            : result.status.error_message() + " " + result.details_json;
    for (const std::string& part : step.response_has) {
      EXPECT_THAT(seen, HasSubstr(part));
    }
    for (std::string part : step.response_lacks) {
      part = absl::StrReplaceAll(part, {{"$ETAG", etag}});
      EXPECT_THAT(seen, Not(HasSubstr(part)));
    }
    if (step.code == grpc::StatusCode::INVALID_ARGUMENT) {
      EXPECT_THAT(result.details_json, HasSubstr("fieldViolations"))
          << "INVALID_ARGUMENT without google.rpc.BadRequest details";
    }
    if (result.status.ok()) etag = LastEtag(result.response_json);
  }
}

}  // namespace
}  // namespace ndes::testing
