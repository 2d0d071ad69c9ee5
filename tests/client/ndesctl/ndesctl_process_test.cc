// The real ndesctl binary against the real ndes-gateway binary
// (--store=memory) over loopback: what an operator sees in a shell — stdout,
// stderr and the exit code.

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "client/subprocess.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::google::protobuf::Value;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

Value ParseJson(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return value;
}

const Value& Field(const Value& object, const std::string& name) {
  static const Value* const kMissing = new Value();
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(name);
  if (it == fields.end()) {
    ADD_FAILURE() << "no property " << name;
    return *kMissing;
  }
  return it->second;
}

class NdesctlProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(gateway_.Start().ok()) << gateway_.Log();
    stub_ = v1::NdesConnectorService::NewStub(gateway_.Channel());
  }

  // Runs ndesctl with --addr of the test's gateway, then `args`.
  ProcessResult Ndesctl(std::vector<std::string> args) {
    args.insert(args.begin(), {NDESCTL_BINARY, "--addr=" + gateway_.address()});
    return RunProcess(args);
  }

  NdesConnector Create(const std::string& id) {
    v1::CreateNdesConnectorRequest request;
    NdesConnector& connector = *request.mutable_ndes_connector();
    connector.set_id(id);
    connector.set_display_name("NDES-01");
    connector.set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
    connector.mutable_last_connection_date_time()->set_seconds(1795860930);
    connector.set_machine_name("ndes01.contoso.local");
    connector.mutable_enrolled_date_time()->set_seconds(1735787045);
    connector.add_role_scope_tag_ids("0");
    connector.add_role_scope_tag_ids("7");
    connector.set_connector_version("6.2301.1.0");
    grpc::ClientContext context;
    NdesConnector created;
    EXPECT_TRUE(stub_->CreateNdesConnector(&context, request, &created).ok());
    return created;
  }

  NdesConnector Get(const std::string& id) {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    NdesConnector connector;
    EXPECT_TRUE(stub_->GetNdesConnector(&context, request, &connector).ok());
    return connector;
  }

  GatewayProcess gateway_{{"--store=memory"}};
  std::unique_ptr<v1::NdesConnectorService::Stub> stub_;
};

TEST_F(NdesctlProcessTest, UpdateDisplayNameChangesThatFieldAndNothingElse) {
  const NdesConnector original = Create("ndes-01");
  const ProcessResult result =
      Ndesctl({"update", "ndes-01", "--display_name=X"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, IsEmpty());

  const NdesConnector stored = Get("ndes-01");
  NdesConnector expected = original;
  expected.set_display_name("X");
  expected.set_etag(stored.etag());
  EXPECT_NE(stored.etag(), original.etag());
  EXPECT_EQ(stored.DebugString(), expected.DebugString());

  // stdout is the stored connector with Graph's property names.
  const Value printed = ParseJson(result.out);
  EXPECT_EQ(Field(printed, "id").string_value(), "ndes-01");
  EXPECT_EQ(Field(printed, "displayName").string_value(), "X");
  EXPECT_EQ(Field(printed, "state").string_value(), "active");
  EXPECT_EQ(Field(printed, "machineName").string_value(),
            "ndes01.contoso.local");
  EXPECT_EQ(Field(printed, "lastConnectionDateTime").string_value(),
            "2026-11-28T10:15:30Z");
  EXPECT_EQ(Field(printed, "roleScopeTagIds").list_value().values_size(), 2);
  EXPECT_EQ(Field(printed, "connectorVersion").string_value(), "6.2301.1.0");
  EXPECT_EQ(Field(printed, "@odata.etag").string_value(), stored.etag());
}

TEST_F(NdesctlProcessTest, UpdateFlagsClearEtagAndDateTimesEndToEnd) {
  const NdesConnector original = Create("c");
  ProcessResult result = Ndesctl(
      {"update", "c", "--clear=machineName,role_scope_tag_ids",
       "--state=inactive", "--enrolled_date_time=2026-11-28T02:15:30.25-08:00",
       "--etag=" + original.etag()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const NdesConnector stored = Get("c");
  EXPECT_EQ(stored.machine_name(), "");
  EXPECT_EQ(stored.role_scope_tag_ids_size(), 0);
  EXPECT_EQ(stored.state(), v1::NDES_CONNECTOR_STATE_INACTIVE);
  EXPECT_EQ(stored.display_name(), "NDES-01");
  EXPECT_EQ(Field(ParseJson(result.out), "enrolledDateTime").string_value(),
            "2026-11-28T10:15:30.25Z");

  // The same etag again is stale now.
  result = Ndesctl(
      {"update", "c", "--display_name=late", "--etag=" + original.etag()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("ABORTED: "));
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_EQ(Get("c").display_name(), "NDES-01");
}

TEST_F(NdesctlProcessTest, ErrorsExitNonZeroWithTheCodeNameOnStderr) {
  ProcessResult result = Ndesctl({"get", "absent"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("NOT_FOUND: "));
  EXPECT_THAT(result.err, HasSubstr("absent"));
  EXPECT_THAT(result.out, IsEmpty());

  result = Ndesctl({"update", "absent", "--display_name=X"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("NOT_FOUND: "));

  // An id the gateway refuses: INVALID_ARGUMENT with its field violation.
  result = Ndesctl({"get", "no/slashes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("INVALID_ARGUMENT: "));
  EXPECT_THAT(result.err, HasSubstr("\n  id: "));

  Create("dup");
  result = Ndesctl({"create", "dup"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("ALREADY_EXISTS: "));
}

TEST_F(NdesctlProcessTest, UsageErrorsExitTwoAndCallNothing) {
  const NdesConnector original = Create("c");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"update", "c"},
           {"update", "c", "--state=on"},
           {"update", "c", "--colour=red"},
           {"frobnicate"},
           {},
       }) {
    const ProcessResult result = Ndesctl(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_THAT(result.err, StartsWith("ndesctl: "));
    EXPECT_THAT(result.err, HasSubstr("ndesctl help"));
    EXPECT_THAT(result.out, IsEmpty());
  }
  EXPECT_EQ(Get("c").etag(), original.etag());
}

TEST_F(NdesctlProcessTest, CreateGetDeleteRoundTrip) {
  ProcessResult result =
      Ndesctl({"create", "made-by-ndesctl", "--display_name=Made",
               "--state=active", "--role_scope_tag_ids=1,2,3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Value created = ParseJson(result.out);
  EXPECT_EQ(Field(created, "roleScopeTagIds").list_value().values_size(), 3);
  const std::string etag = Field(created, "@odata.etag").string_value();

  result = Ndesctl({"get", "made-by-ndesctl"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Field(ParseJson(result.out), "displayName").string_value(), "Made");

  result = Ndesctl({"delete", "made-by-ndesctl", "--etag=" + etag});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_EQ(Ndesctl({"get", "made-by-ndesctl"}).exit_code, 1);

  // Without an id the gateway generates one.
  result = Ndesctl({"create", "--display_name=anonymous"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(Field(ParseJson(result.out), "id").string_value(),
              Not(IsEmpty()));
}

TEST_F(NdesctlProcessTest, ListPagesThroughMoreThanOnePage) {
  for (int i = 0; i < 7; ++i) Create("c" + std::to_string(i));
  const ProcessResult result = Ndesctl({"list", "--page_size=2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Value list = ParseJson(result.out);
  ASSERT_EQ(list.list_value().values_size(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Field(list.list_value().values(i), "id").string_value(),
              "c" + std::to_string(i));
  }
  // An empty gateway lists an empty array.
  GatewayProcess empty({"--store=memory"});
  ASSERT_TRUE(empty.Start().ok()) << empty.Log();
  const ProcessResult none =
      RunProcess({NDESCTL_BINARY, "--addr=" + empty.address(), "list"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "[]\n");
}

TEST_F(NdesctlProcessTest, HelpForEveryCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"help"}, {"-h"}}) {
    const ProcessResult result = RunProcess({NDESCTL_BINARY, args[0]});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_THAT(result.out, HasSubstr("Usage:"));
    EXPECT_THAT(result.out, HasSubstr("--token_file"));
    EXPECT_THAT(result.err, IsEmpty());
  }
  const std::pair<const char*, const char*> commands[] = {
      {"get", "get ID"},         {"list", "--page_size"},
      {"create", "create [ID]"}, {"update", "--clear=FIELD"},
      {"delete", "--etag"},
  };
  for (const auto& [command, part] : commands) {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{
             {NDESCTL_BINARY, command, "--help"},
             {NDESCTL_BINARY, "help", command}}) {
      const ProcessResult result = RunProcess(args);
      EXPECT_EQ(result.exit_code, 0) << command;
      EXPECT_THAT(
          result.out,
          HasSubstr(std::string("ndesctl [GLOBAL OPTIONS] ") + command));
      EXPECT_THAT(result.out, HasSubstr(part));
    }
  }
}

TEST_F(NdesctlProcessTest, TokenFileIsUsedAndNeverPrinted) {
  TempDir dir;
  const std::string token_file = dir.Path("token");
  std::ofstream(token_file) << "s3cr3t-t0ken\n";
  Create("c");
  ProcessResult result = Ndesctl({"--token_file=" + token_file, "get", "c"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  result = Ndesctl({"--token_file=" + token_file, "get", "absent"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("s3cr3t")));

  result = Ndesctl({"--token_file=" + dir.Path("missing"), "get", "c"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr(dir.Path("missing")));
}

TEST_F(NdesctlProcessTest, TlsFlagsSwitchToTls) {
  // The gateway serves plaintext, so a TLS handshake with it must fail:
  // proof that --tls reaches the channel.
  ProcessResult result = Ndesctl({"--tls", "--timeout=3s", "get", "c"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("UNAVAILABLE: "));
  // One line: gRPC's own log lines are kept out of ndesctl's stderr.
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
      << result.err;

  TempDir dir;
  result = Ndesctl({"--tls_ca_file=" + dir.Path("ca.pem"), "get", "c"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("ca.pem"));
}

}  // namespace
}  // namespace ndes::testing
