#include "ndesctl/commands.h"

#include <memory>
#include <sstream>

#include "client/fake_ndes_connector_stub.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace ndes::ndesctl {
namespace {

using ::google::protobuf::Value;
using ::ndes::testing::FakeNdesConnectorStub;
using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

Value ParseJson(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return value;
}

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest() {
    ndes::client::ClientOptions options;
    options.retry_policy.initial_backoff = absl::Milliseconds(1);
    client_ =
        std::make_unique<ndes::client::NdesConnectorClient>(stub_, options);
  }

  int Run(const std::vector<std::string>& args,
          RunOptions options = RunOptions()) {
    out_.str("");
    err_.str("");
    absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
    EXPECT_TRUE(invocation.ok()) << invocation.status();
    if (!invocation.ok()) return -1;
    return RunCommand(*invocation, *client_, out_, err_, options);
  }

  void PutConnector(const std::string& id) {
    NdesConnector connector;
    connector.set_id(id);
    connector.set_display_name("name of " + id);
    connector.set_machine_name(id + ".local");
    connector.set_etag("W/\"1\"");
    stub_->Put(connector);
  }

  std::shared_ptr<FakeNdesConnectorStub> stub_ =
      std::make_shared<FakeNdesConnectorStub>();
  std::unique_ptr<ndes::client::NdesConnectorClient> client_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, GetPrintsTheConnectorAsGraphJson) {
  PutConnector("ndes-01");
  EXPECT_EQ(Run({"get", "ndes-01"}), kExitOk);
  EXPECT_THAT(err_.str(), IsEmpty());
  const Value value = ParseJson(out_.str());
  const auto& fields = value.struct_value().fields();
  EXPECT_EQ(fields.at("displayName").string_value(), "name of ndes-01");
  EXPECT_EQ(fields.at("@odata.etag").string_value(), "W/\"1\"");
}

TEST_F(CommandsTest, ErrorsGoToStderrAsCodeNameAndMessage) {
  EXPECT_EQ(Run({"get", "absent"}), kExitCallFailed);
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_EQ(err_.str(), "NOT_FOUND: no connector absent\n");
}

TEST_F(CommandsTest, FieldViolationsArePrintedUnderTheError) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("ndes_connector.state");
  violation->set_description("7 is not a state");
  google::rpc::Status details;
  details.add_details()->PackFrom(bad_request);
  stub_->FailNext(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "invalid state", details.SerializeAsString()));
  EXPECT_EQ(Run({"update", "c", "--state=active"}), kExitCallFailed);
  EXPECT_EQ(err_.str(),
            "INVALID_ARGUMENT: invalid state\n"
            "  ndes_connector.state: 7 is not a state\n");
}

TEST_F(CommandsTest, RetryInfoIsPrintedUnderTheError) {
  google::rpc::RetryInfo retry_info;
  retry_info.mutable_retry_delay()->set_seconds(2);
  retry_info.mutable_retry_delay()->set_nanos(500000000);
  google::rpc::Status details;
  details.add_details()->PackFrom(retry_info);
  stub_->FailNext(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "the Graph budget is spent",
                               details.SerializeAsString()));
  EXPECT_EQ(Run({"update", "c", "--state=active"}), kExitCallFailed);
  EXPECT_EQ(err_.str(),
            "RESOURCE_EXHAUSTED: the Graph budget is spent\n"
            "  retry after: 2.5s\n");
}

TEST_F(CommandsTest, UpdateSendsOnlyTheGivenFlagsAndPrintsTheResult) {
  PutConnector("c");
  EXPECT_EQ(Run({"update", "c", "--display_name=X"}), kExitOk) << err_.str();
  const auto calls = stub_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0].update_request.update_mask().paths(),
              ElementsAre("display_name"));
  const Value value = ParseJson(out_.str());
  const auto& fields = value.struct_value().fields();
  EXPECT_EQ(fields.at("displayName").string_value(), "X");
  EXPECT_EQ(fields.at("machineName").string_value(), "c.local");
}

TEST_F(CommandsTest, CreateAndDelete) {
  EXPECT_EQ(Run({"create", "new", "--state=inactive"}), kExitOk);
  EXPECT_EQ(
      ParseJson(out_.str()).struct_value().fields().at("state").string_value(),
      "inactive");
  EXPECT_EQ(Run({"delete", "new"}), kExitOk);
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_EQ(Run({"delete", "new"}), kExitCallFailed);
  EXPECT_THAT(err_.str(), StartsWith("NOT_FOUND: "));
}

TEST_F(CommandsTest, ListPagesThroughEverythingIntoOneArray) {
  for (const char* id : {"a", "b", "c", "d", "e"}) PutConnector(id);
  EXPECT_EQ(Run({"list", "--page_size=2"}), kExitOk);
  const Value value = ParseJson(out_.str());
  ASSERT_EQ(value.list_value().values_size(), 5);
  EXPECT_EQ(value.list_value()
                .values(4)
                .struct_value()
                .fields()
                .at("id")
                .string_value(),
            "e");
  EXPECT_EQ(stub_->calls().size(), 3u);
  // Fast listing: no progress lines.
  EXPECT_THAT(err_.str(), IsEmpty());
}

TEST_F(CommandsTest, SlowListingReportsProgressOnStderr) {
  for (const char* id : {"a", "b", "c", "d", "e"}) PutConnector(id);
  RunOptions options;
  options.progress_after = absl::ZeroDuration();
  EXPECT_EQ(Run({"list", "--page_size=2"}, options), kExitOk);
  EXPECT_EQ(err_.str(),
            "listed 2 connectors...\n"
            "listed 4 connectors...\n");
  EXPECT_EQ(ParseJson(out_.str()).list_value().values_size(), 5);
}

TEST_F(CommandsTest, ListThatFailsMidwayPrintsNothingOnStdout) {
  for (const char* id : {"a", "b", "c"}) PutConnector(id);
  stub_->FailNext(grpc::Status::OK);  // the first page goes through
  stub_->FailNext(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no"));
  EXPECT_EQ(Run({"list", "--page_size=2"}), kExitCallFailed);
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_EQ(err_.str(), "PERMISSION_DENIED: no\n");
  EXPECT_EQ(stub_->calls().size(), 2u);
}

}  // namespace
}  // namespace ndes::ndesctl
