// Microsoft's JavaScript Graph client (graph_client_test.mjs, run by node)
// against the real ndes-gateway binary's REST face over TLS, with a test CA
// node trusts through NODE_EXTRA_CA_CERTS: with --auth=none, with --auth=jwt
// and minted tokens, and across faces (what gRPC writes, the Graph client
// reads at once, and the other way round).

#include <stdlib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/subprocess.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/jwt_minter.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

namespace ndes::testing {
namespace {

using ::google::protobuf::Struct;
using ::ndes::v1::NdesConnector;
using ::testing::StartsWith;

// The marker of the gateway's log line that names the face's URL.
constexpr char kRestFaceMarker[] = "REST face on ";

// A field of a JSON object as a string; empty when absent or not a string.
std::string StringField(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? "" : it->second.string_value();
}

class GraphJsClientTest : public ::testing::Test {
 protected:
  GraphJsClientTest() : ca_("graphjs test CA") {
    const CertificateAndKey server =
        ca_.Issue("127.0.0.1", {"localhost"}, {"127.0.0.1"});
    WriteTextFile(dir_.Path("server.pem"), server.cert_pem);
    WriteTextFile(dir_.Path("server.key"), server.key_pem);
    WriteTextFile(dir_.Path("ca.pem"), ca_.cert_pem());
  }

  void TearDown() override {
    stub_.reset();
    if (started_) {
      EXPECT_EQ(gateway_->Terminate(), 0);
    }
  }

  // Starts the gateway (memory store) with both faces on TLS and the REST
  // face on a free port, `extra` flags after these; sets rest_url_.
  void StartGateway(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--store=memory", "--listen=127.0.0.1:0", "--rest_listen=127.0.0.1:0",
        "--tls_cert_file=" + dir_.Path("server.pem"),
        "--tls_key_file=" + dir_.Path("server.key")};
    args.insert(args.end(), extra.begin(), extra.end());
    gateway_ = std::make_unique<GatewayProcess>(args);
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_.cert_pem();
    gateway_->set_channel_credentials(grpc::SslCredentials(options),
                                      "localhost");
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    started_ = true;
    // The face's line follows the "serving on" line Start waits for.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while ((rest_url_ = gateway_->LoggedWord(kRestFaceMarker)).empty() &&
           absl::Now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_THAT(rest_url_, StartsWith("https://127.0.0.1:")) << gateway_->Log();
    stub_ = v1::NdesConnectorService::NewStub(gateway_->Channel());
  }

  // Runs graph_client_test.mjs with `args` against the face, the client's
  // authProvider handing out `token`.
  ProcessResult Node(const std::vector<std::string>& args,
                     const std::string& token = "") {
    std::vector<std::string> argv = {NDES_NODE_BINARY, GRAPHJS_SCRIPT};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = {
        "NODE_EXTRA_CA_CERTS=" + dir_.Path("ca.pem"),
        "NDES_REST_URL=" + rest_url_, "NO_COLOR=1"};
    if (!token.empty()) env.push_back("NDES_REST_TOKEN=" + token);
    // RunProcess adds `env` after the inherited environment, and node reads
    // the first NODE_EXTRA_CA_CERTS: drop one this process inherited.
    unsetenv("NODE_EXTRA_CA_CERTS");
    return RunProcess(argv, absl::Seconds(90), env);
  }

  // Runs a scenario that prints a connector (get, create) and parses it;
  // an empty object, with a failure recorded, when node fails.
  Struct NodeConnector(const std::vector<std::string>& args) {
    const ProcessResult result = Node(args);
    Struct connector;
    if (result.exit_code != 0) {
      ADD_FAILURE() << Transcript(result);
    } else if (!google::protobuf::util::JsonStringToMessage(result.out,
                                                            &connector)
                    .ok()) {
      ADD_FAILURE() << "not a JSON object: " << result.out;
    }
    return connector;
  }

  // What node printed and the gateway logged, for a failure message.
  std::string Transcript(const ProcessResult& result) const {
    return "node exit code " + std::to_string(result.exit_code) +
           "\n--- node stdout\n" + result.out + "\n--- node stderr\n" +
           result.err + "\n--- gateway log\n" + gateway_->Log();
  }

  TempDir dir_;
  TestCertificateAuthority ca_;
  std::unique_ptr<GatewayProcess> gateway_;
  bool started_ = false;  // and so to be stopped
  std::string rest_url_;
  std::unique_ptr<v1::NdesConnectorService::Stub> stub_;
};

TEST_F(GraphJsClientTest, CreatePagePatchBatchAndDeleteAnswerAsGraphDocuments) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const ProcessResult result = Node({"conformance"});
  EXPECT_EQ(result.exit_code, 0) << Transcript(result);
}

TEST_F(GraphJsClientTest, GrpcCreatedConnectorIsReadByTheGraphClientAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  v1::CreateNdesConnectorRequest request;
  NdesConnector& connector = *request.mutable_ndes_connector();
  connector.set_id("made-over-grpc");
  connector.set_display_name("NDES-gRPC");
  connector.set_state(v1::NDES_CONNECTOR_STATE_INACTIVE);
  connector.set_machine_name("ndes-grpc.contoso.test");
  connector.add_role_scope_tag_ids("7");
  grpc::ClientContext context;
  NdesConnector created;
  ASSERT_TRUE(stub_->CreateNdesConnector(&context, request, &created).ok());

  const Struct read = NodeConnector({"get", "made-over-grpc"});
  ASSERT_FALSE(read.fields().empty());
  EXPECT_EQ(StringField(read, "id"), "made-over-grpc");
  EXPECT_EQ(StringField(read, "displayName"), "NDES-gRPC");
  EXPECT_EQ(StringField(read, "state"), "inactive");
  EXPECT_EQ(StringField(read, "machineName"), "ndes-grpc.contoso.test");
  EXPECT_EQ(StringField(read, "@odata.etag"), created.etag());
}

TEST_F(GraphJsClientTest, GraphClientCreatedConnectorIsReadOverGrpcAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  const Struct posted = NodeConnector({"create", "NDES-from-graph-js"});
  const std::string id = StringField(posted, "id");
  ASSERT_FALSE(id.empty());

  v1::GetNdesConnectorRequest request;
  request.set_id(id);
  grpc::ClientContext context;
  NdesConnector read;
  const grpc::Status status = stub_->GetNdesConnector(&context, request, &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.display_name(), "NDES-from-graph-js");
  EXPECT_EQ(read.etag(), StringField(posted, "@odata.etag"));
}

// The same, with --auth=jwt: the client's authProvider hands out a token
// minted for the gateway's JWKS.
class GraphJsClientWithJwtTest : public GraphJsClientTest {
 protected:
  void SetUp() override {
    minter_.AddEcKey("ec-1");
    minter_.WriteJwks(dir_.Path("jwks.json"));
    ASSERT_NO_FATAL_FAILURE(
        StartGateway({"--auth=jwt", "--jwt_jwks_file=" + dir_.Path("jwks.json"),
                      std::string("--jwt_issuer=") + kTestIssuer,
                      std::string("--jwt_audience=") + kTestAudience}));
  }

  // A token the gateway accepts, granting `roles` (server/auth/permissions.h).
  std::string Token(const std::vector<std::string>& roles) {
    return minter_.Mint("ec-1", JwtClaims::Standard().Set("roles", roles));
  }

  JwtMinter minter_;
};

TEST_F(GraphJsClientWithJwtTest, ReadWriteTokenRunsEverythingAsGraphDocuments) {
  const ProcessResult result = Node(
      {"conformance"}, Token({"DeviceManagementConfiguration.ReadWrite.All"}));
  EXPECT_EQ(result.exit_code, 0) << Transcript(result);
}

TEST_F(GraphJsClientWithJwtTest, ReadOnlyTokenListsButPostIsRefusedWith403) {
  const ProcessResult result =
      Node({"read-only"}, Token({"DeviceManagementConfiguration.Read.All"}));
  EXPECT_EQ(result.exit_code, 0) << Transcript(result);
}

TEST_F(GraphJsClientWithJwtTest, TokenSignedByAnUnknownKeyIsRefusedWith401) {
  minter_.AddEcKey("not-in-the-jwks");
  const ProcessResult result =
      Node({"unauthenticated"},
           minter_.Mint("not-in-the-jwks", JwtClaims::Standard()));
  EXPECT_EQ(result.exit_code, 0) << Transcript(result);
}

}  // namespace
}  // namespace ndes::testing
