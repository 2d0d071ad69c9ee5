// Inbound auth (--auth=jwt) through the real binary over real gRPC: every
// kind of refused token is UNAUTHENTICATED, a valid token without the
// permission is PERMISSION_DENIED, a refused call writes nothing, health
// needs no token and reflection follows --reflection. Also the request ids
// and the caller identity in the log.

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "support/jwt_minter.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kReadWrite[] = "DeviceManagementConfiguration.ReadWrite.All";
constexpr char kRead[] = "DeviceManagementConfiguration.Read.All";

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    minter_ = new JwtMinter();
    minter_->AddRsaKey("rsa-1");
    minter_->AddEcKey("ec-1");
    minter_->AddRsaKey("not-published");
    minter_->WriteJwks(dir_->Path("jwks.json"), {"rsa-1", "ec-1"});
    gateway_ =
        new GatewayProcess({"--store=memory", "--auth=jwt",
                            "--jwt_jwks_file=" + dir_->Path("jwks.json"),
                            std::string("--jwt_issuer=") + kTestIssuer,
                            std::string("--jwt_audience=") + kTestAudience});
    const absl::Status started = gateway_->Start();
    ASSERT_TRUE(started.ok()) << started << gateway_->Log();
  }

  static void TearDownTestSuite() {
    if (gateway_ != nullptr) {
      EXPECT_EQ(gateway_->Terminate(), 0);
    }
    delete gateway_;
    delete minter_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(gateway_, nullptr);
    stub_ = v1::NdesConnectorService::NewStub(gateway_->Channel());
    // The connector every refused write tries to change.
    NdesConnector existing;
    existing.set_id("existing");
    existing.set_display_name("original");
    v1::CreateNdesConnectorRequest create;
    *create.mutable_ndes_connector() = existing;
    grpc::ClientContext context;
    context.AddMetadata("authorization", Bearer(Token()));
    NdesConnector created;
    const grpc::Status status =
        stub_->CreateNdesConnector(&context, create, &created);
    ASSERT_TRUE(status.ok() ||
                status.error_code() == grpc::StatusCode::ALREADY_EXISTS)
        << status.error_message();
  }

  static std::string Bearer(const std::string& token) {
    return "Bearer " + token;
  }

  // A valid RS256 token with `claims` (default: read-write app token).
  static std::string Token(JwtClaims claims = JwtClaims::Standard()) {
    return minter_->Mint("rsa-1", claims);
  }

  static JwtClaims WithRoles(std::vector<std::string> roles) {
    return JwtClaims::Standard().Set("roles", roles);
  }

  static JwtClaims WithScopes(const std::string& scp) {
    return JwtClaims::Standard().Remove("roles").Set("scp", scp);
  }

  grpc::Status Update(const std::string& authorization,
                      const std::string& display_name) {
    v1::UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id("existing");
    request.mutable_ndes_connector()->set_display_name(display_name);
    request.mutable_update_mask()->add_paths("display_name");
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    NdesConnector response;
    return stub_->UpdateNdesConnectors(&context, request, &response);
  }

  grpc::Status Get(const std::string& authorization,
                   NdesConnector* out = nullptr) {
    v1::GetNdesConnectorRequest request;
    request.set_id("existing");
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    NdesConnector response;
    return stub_->GetNdesConnector(&context, request,
                                   out != nullptr ? out : &response);
  }

  grpc::Status List(const std::string& authorization) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", authorization);
    v1::ListNdesConnectorsResponse response;
    return stub_->ListNdesConnectors(&context, {}, &response);
  }

  grpc::Status Create(const std::string& authorization, const std::string& id) {
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(id);
    grpc::ClientContext context;
    context.AddMetadata("authorization", authorization);
    NdesConnector response;
    return stub_->CreateNdesConnector(&context, request, &response);
  }

  grpc::Status Delete(const std::string& authorization, const std::string& id) {
    v1::DeleteNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.AddMetadata("authorization", authorization);
    google::protobuf::Empty response;
    return stub_->DeleteNdesConnector(&context, request, &response);
  }

  // Whether the gateway's log comes to hold `text` within a few seconds:
  // the line of a call is written as it finishes and reaches the test
  // through a pipe.
  static bool LogEventuallyHas(const std::string& text) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (absl::StrContains(gateway_->Log(), text)) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // The stored display name, read with a read-write token.
  std::string StoredName() {
    NdesConnector read;
    const grpc::Status status = Get(Bearer(Token()), &read);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return read.display_name();
  }

  // An update with `authorization` is UNAUTHENTICATED (with `reason` in the
  // message), and nothing was written.
  void ExpectUnauthenticated(const std::string& authorization,
                             const std::string& reason) {
    const grpc::Status status = Update(authorization, "hijacked");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(reason));
    EXPECT_EQ(StoredName(), "original");
    // The token never comes back in the message or the log.
    const std::string token = authorization.size() > 7 ? authorization.substr(7)
                                                       : std::string("\x01");
    EXPECT_THAT(status.error_message(), Not(HasSubstr(token)));
    if (token.size() > 20) {
      EXPECT_THAT(gateway_->Log(), Not(HasSubstr(token)));
    }
  }

  static TempDir* dir_;
  static JwtMinter* minter_;
  static GatewayProcess* gateway_;
  std::unique_ptr<v1::NdesConnectorService::Stub> stub_;
};

TempDir* AuthTest::dir_ = nullptr;
JwtMinter* AuthTest::minter_ = nullptr;
GatewayProcess* AuthTest::gateway_ = nullptr;

// ---- UNAUTHENTICATED -------------------------------------------------------

TEST_F(AuthTest, MissingTokenIsUnauthenticated) {
  ExpectUnauthenticated("", "missing bearer token");
  EXPECT_EQ(Get("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, OtherSchemeIsUnauthenticated) {
  ExpectUnauthenticated("Basic dXNlcjpwYXNz", "not a bearer token");
}

TEST_F(AuthTest, MalformedTokenIsUnauthenticated) {
  ExpectUnauthenticated(Bearer("not.a-jwt"), "");
}

TEST_F(AuthTest, TamperedSignatureIsUnauthenticated) {
  ExpectUnauthenticated(Bearer(JwtMinter::TamperSignature(Token())),
                        "signature");
}

TEST_F(AuthTest, ClaimsChangedAfterSigningAreUnauthenticated) {
  const std::string read_only = Token(WithRoles({kRead}));
  ExpectUnauthenticated(
      Bearer(JwtMinter::ReplaceClaims(read_only, JwtClaims::Standard().Json())),
      "signature");
}

TEST_F(AuthTest, ExpiredTokenIsUnauthenticated) {
  ExpectUnauthenticated(Bearer(Token(JwtClaims::Standard().Set(
                            "exp", absl::Now() - absl::Minutes(5)))),
                        "expired");
}

TEST_F(AuthTest, TokenNotYetValidIsUnauthenticated) {
  ExpectUnauthenticated(Bearer(Token(JwtClaims::Standard().Set(
                            "nbf", absl::Now() + absl::Minutes(5)))),
                        "not valid before");
}

TEST_F(AuthTest, WrongIssuerIsUnauthenticated) {
  ExpectUnauthenticated(
      Bearer(Token(JwtClaims::Standard().Set("iss", "https://evil.test/"))),
      "issuer");
}

TEST_F(AuthTest, WrongAudienceIsUnauthenticated) {
  ExpectUnauthenticated(
      Bearer(Token(JwtClaims::Standard().Set("aud", "api://someone-else"))),
      "audience");
}

TEST_F(AuthTest, AlgNoneIsUnauthenticated) {
  ExpectUnauthenticated(
      Bearer(JwtMinter::MintUnsigned(R"({"alg":"none","kid":"rsa-1"})",
                                     JwtClaims::Standard().Json())),
      "none");
}

TEST_F(AuthTest, UnknownKeyIdIsUnauthenticated) {
  ExpectUnauthenticated(
      Bearer(minter_->Mint("not-published", JwtClaims::Standard())),
      "unknown signing key");
}

TEST_F(AuthTest, Hs256SignedWithThePublicKeyIsUnauthenticated) {
  ExpectUnauthenticated(
      Bearer(JwtMinter::MintHs256(minter_->PublicKeyPem("rsa-1"),
                                  R"({"alg":"HS256","kid":"rsa-1"})",
                                  JwtClaims::Standard().Json())),
      "HS256");
}

// ---- Permissions -----------------------------------------------------------

TEST_F(AuthTest, ReadWriteAppTokenMayDoEverything) {
  const std::string token = Bearer(Token(WithRoles({kReadWrite})));
  EXPECT_TRUE(Get(token).ok());
  EXPECT_TRUE(List(token).ok());
  EXPECT_TRUE(Create(token, "rw-created").ok());
  EXPECT_TRUE(Update(token, "changed").ok());
  EXPECT_EQ(StoredName(), "changed");
  EXPECT_TRUE(Update(token, "original").ok());
  EXPECT_TRUE(Delete(token, "rw-created").ok());
}

TEST_F(AuthTest, Es256DelegatedTokenWithReadWriteScopeMayWrite) {
  const std::string token = Bearer(minter_->Mint(
      "ec-1", WithScopes(std::string("openid ") + kReadWrite + " profile")));
  EXPECT_TRUE(Update(token, "by-delegate").ok());
  EXPECT_EQ(StoredName(), "by-delegate");
  EXPECT_TRUE(Update(token, "original").ok());
}

TEST_F(AuthTest, ReadOnlyAppTokenMayReadButNotWrite) {
  const std::string token = Bearer(Token(WithRoles({kRead})));
  EXPECT_TRUE(Get(token).ok());
  EXPECT_TRUE(List(token).ok());
  const grpc::Status update = Update(token, "hijacked");
  EXPECT_EQ(update.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(update.error_message(), HasSubstr(kReadWrite));
  EXPECT_EQ(Create(token, "ro-created").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Delete(token, "existing").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing was written.
  EXPECT_EQ(StoredName(), "original");
  NdesConnector read;
  v1::GetNdesConnectorRequest request;
  request.set_id("ro-created");
  grpc::ClientContext context;
  context.AddMetadata("authorization", Bearer(Token()));
  EXPECT_EQ(stub_->GetNdesConnector(&context, request, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthTest, ReadOnlyDelegatedTokenMayReadButNotWrite) {
  const std::string token = Bearer(Token(WithScopes(kRead)));
  EXPECT_TRUE(Get(token).ok());
  EXPECT_EQ(Update(token, "hijacked").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoredName(), "original");
}

TEST_F(AuthTest, TokenWithoutThePermissionMayNotEvenRead) {
  const std::string token = Bearer(
      Token(WithRoles({"DeviceManagementApps.ReadWrite.All", "User.Read"})));
  const grpc::Status get = Get(token);
  EXPECT_EQ(get.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(get.error_message(), HasSubstr(kRead));
  EXPECT_EQ(List(token).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Update(token, "hijacked").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoredName(), "original");
}

TEST_F(AuthTest, PermissionNamesAreCaseSensitiveLikeGraph) {
  const std::string token =
      Bearer(Token(WithRoles({"devicemanagementconfiguration.readwrite.all"})));
  EXPECT_EQ(Update(token, "hijacked").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// ---- Health, reflection, request ids, log ----------------------------------

TEST_F(AuthTest, HealthNeedsNoToken) {
  EXPECT_EQ(CheckHealth(gateway_->Channel()), "SERVING");
  EXPECT_EQ(CheckHealth(gateway_->Channel(), "ndes.v1.NdesConnectorService"),
            "SERVING");
}

grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& authorization) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  if (!authorization.empty()) {
    context.AddMetadata("authorization", authorization);
  }
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  while (stream->Read(&response)) {
  }
  return stream->Finish();
}

TEST_F(AuthTest, ReflectionNeedsAValidTokenButNoPermission) {
  EXPECT_EQ(ListServices(gateway_->Channel(), "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(
      ListServices(gateway_->Channel(), Bearer(Token(WithRoles({"User.Read"}))))
          .ok());
}

TEST_F(AuthTest, CallerIdentityIsLoggedAndTheTokenIsNot) {
  const std::string token = Token();
  EXPECT_TRUE(Get(Bearer(token)).ok());
  EXPECT_TRUE(LogEventuallyHas(std::string("caller=\"") + kTestAppId + "\""))
      << gateway_->Log();
  EXPECT_THAT(gateway_->Log(), Not(HasSubstr(token)));
}

TEST_F(AuthTest, RequestIdIsEchoedAndQuotedInErrors) {
  v1::GetNdesConnectorRequest request;
  request.set_id("no-such-connector");
  grpc::ClientContext context;
  context.AddMetadata("authorization", Bearer(Token()));
  context.AddMetadata("x-request-id", "caller-chosen-42");
  NdesConnector response;
  const grpc::Status status =
      stub_->GetNdesConnector(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("(request id caller-chosen-42)"));
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()),
            "caller-chosen-42");
  EXPECT_TRUE(LogEventuallyHas("request_id=caller-chosen-42"))
      << gateway_->Log();
}

TEST_F(AuthTest, RequestIdIsGeneratedWhenAbsentOrUnusable) {
  for (const std::string& sent :
       {std::string(), std::string("bad id!"), std::string(200, 'a')}) {
    v1::GetNdesConnectorRequest request;
    request.set_id("existing");
    grpc::ClientContext context;
    context.AddMetadata("authorization", Bearer(Token()));
    if (!sent.empty()) context.AddMetadata("x-request-id", sent);
    NdesConnector response;
    ASSERT_TRUE(stub_->GetNdesConnector(&context, request, &response).ok());
    const auto& metadata = context.GetServerInitialMetadata();
    auto it = metadata.find("x-request-id");
    ASSERT_NE(it, metadata.end());
    const std::string id(it->second.data(), it->second.size());
    // A version 4 UUID.
    EXPECT_THAT(id,
                ::testing::MatchesRegex(
                    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                    "[0-9a-f]{12}"));
  }
}

TEST(AuthProcessTest, ReflectionCanBeTurnedOff) {
  GatewayProcess gateway({"--store=memory", "--reflection=false"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_EQ(ListServices(gateway.Channel(), "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(AuthProcessTest, JwtWithoutJwksFileIsAUsageError) {
  GatewayProcess gateway({"--store=memory", "--auth=jwt"});
  EXPECT_EQ(gateway.RunToExit(), 2);
  EXPECT_THAT(gateway.Log(), HasSubstr("--jwt_jwks_file"));
}

TEST(AuthProcessTest, UnreadableJwksFileIsRefusedNamingIt) {
  TempDir dir;
  GatewayProcess gateway({"--store=memory", "--auth=jwt",
                          "--jwt_jwks_file=" + dir.Path("missing.json")});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr(dir.Path("missing.json")));
}

TEST(AuthProcessTest, UnknownAuthModeIsAUsageError) {
  GatewayProcess gateway({"--store=memory", "--auth=basic"});
  EXPECT_EQ(gateway.RunToExit(), 2);
  EXPECT_THAT(gateway.Log(), HasSubstr("--auth must be none or jwt"));
}

}  // namespace
}  // namespace ndes::testing
