// The sidecar's listeners and transport security, through the real binary:
// a Unix socket API, the health-only probe listener, TLS and mutual TLS,
// the plaintext rule, and the message size limit.

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;

grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& id, const std::string& name,
                    absl::Duration timeout = absl::Seconds(10)) {
  auto stub = v1::NdesConnectorService::NewStub(channel);
  v1::CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_id(id);
  request.mutable_ndes_connector()->set_display_name(name);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  NdesConnector created;
  return stub->CreateNdesConnector(&context, request, &created);
}

grpc::Status Get(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& id, NdesConnector* out) {
  auto stub = v1::NdesConnectorService::NewStub(channel);
  v1::GetNdesConnectorRequest request;
  request.set_id(id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return stub->GetNdesConnector(&context, request, out);
}

// ---- Unix socket ----------------------------------------------------------

TEST(SidecarProcessTest, UnixSocketServesTheApiAndIsRemovedOnExit) {
  TempDir dir;
  const std::string socket = dir.Path("gateway.sock");
  GatewayProcess gateway({"--listen=unix:" + socket, "--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_EQ(gateway.address(), "unix:" + socket);

  struct stat info;
  ASSERT_EQ(lstat(socket.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  // Owner and group only: another user in the Pod cannot connect.
  EXPECT_EQ(info.st_mode & 0777, 0660) << std::oct << (info.st_mode & 0777);

  {
    auto channel = gateway.Channel();
    ASSERT_TRUE(Create(channel, "over-unix", "socket").ok());
    NdesConnector read;
    ASSERT_TRUE(Get(channel, "over-unix", &read).ok());
    EXPECT_EQ(read.display_name(), "socket");
  }
  EXPECT_EQ(gateway.Terminate(), 0) << gateway.Log();
  EXPECT_NE(lstat(socket.c_str(), &info), 0) << "socket file left behind";
}

TEST(SidecarProcessTest, UnixSocketOfALiveGatewayIsNotTaken) {
  TempDir dir;
  const std::string socket = dir.Path("gateway.sock");
  GatewayProcess first({"--listen=unix:" + socket, "--store=memory"});
  ASSERT_TRUE(first.Start().ok()) << first.Log();

  GatewayProcess second({"--listen=unix:" + socket, "--store=memory"});
  EXPECT_NE(second.RunToExit(), 0);
  EXPECT_THAT(second.Log(), HasSubstr("another process is serving"));
  // The first one still has its socket and its clients.
  {
    auto channel = first.Channel();
    EXPECT_TRUE(Create(channel, "still-mine", "first").ok());
  }
  EXPECT_EQ(first.Terminate(), 0);
}

TEST(SidecarProcessTest, StaleUnixSocketFromACrashIsReplaced) {
  TempDir dir;
  const std::string socket = dir.Path("gateway.sock");
  {
    // A socket file whose server is gone, as a killed gateway leaves it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket.data(), socket.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
              0);
    close(fd);
  }
  GatewayProcess gateway({"--listen=unix:" + socket, "--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  {
    auto channel = gateway.Channel();
    EXPECT_TRUE(Create(channel, "after-crash", "ok").ok());
  }
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(SidecarProcessTest, PathThatIsNotASocketIsRefused) {
  TempDir dir;
  const std::string path = dir.Path("data.txt");
  WriteTextFile(path, "not a socket");
  GatewayProcess gateway({"--listen=unix:" + path, "--store=memory"});
  EXPECT_NE(gateway.RunToExit(), 0);
  EXPECT_THAT(gateway.Log(), HasSubstr("is not a socket"));
}

// ---- Probe listener --------------------------------------------------------

TEST(SidecarProcessTest, HealthListenerServesOnlyHealth) {
  TempDir dir;
  GatewayProcess gateway({"--listen=unix:" + dir.Path("gateway.sock"),
                          "--health_listen=127.0.0.1:0", "--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  const std::string health_address = gateway.LoggedWord("health probes on ");
  ASSERT_THAT(health_address, HasSubstr("127.0.0.1:"));
  {
    auto probe =
        grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials());
    EXPECT_EQ(CheckHealth(probe), "SERVING");
    EXPECT_EQ(CheckHealth(probe, "ndes.v1.NdesConnectorService"), "SERVING");
    // No API and no reflection there.
    EXPECT_EQ(Create(probe, "via-probe-port", "x").error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
    auto reflection =
        grpc::reflection::v1alpha::ServerReflection::NewStub(probe);
    grpc::ClientContext context;
    auto stream = reflection->ServerReflectionInfo(&context);
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_list_services("");
    stream->Write(request);
    stream->WritesDone();
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  EXPECT_EQ(gateway.Terminate(), 0) << gateway.Log();
}

TEST(SidecarProcessTest, HealthListenerAddressInUseIsRefused) {
  GatewayProcess first({"--store=memory", "--health_listen=127.0.0.1:0"});
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  const std::string taken = first.LoggedWord("health probes on ");
  GatewayProcess second({"--store=memory", "--health_listen=" + taken});
  EXPECT_EQ(second.RunToExit(), 1);
  EXPECT_THAT(second.Log(), HasSubstr(taken));
  EXPECT_EQ(first.Terminate(), 0);
}

// ---- Plaintext rule --------------------------------------------------------

TEST(SidecarProcessTest, PlaintextOffLoopbackIsRefused) {
  GatewayProcess gateway({"--listen=0.0.0.0:0", "--store=memory"});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr("refusing to serve plaintext"));
  EXPECT_THAT(gateway.Log(), HasSubstr("--tls_cert_file"));
}

TEST(SidecarProcessTest, PlaintextOffLoopbackNeedsAllowPlaintext) {
  GatewayProcess gateway(
      {"--listen=0.0.0.0:0", "--store=memory", "--allow_plaintext"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_EQ(gateway.Terminate(), 0);
}

// ---- TLS and mutual TLS ----------------------------------------------------

class TlsProcessTest : public ::testing::Test {
 protected:
  TlsProcessTest() : ca_("ndes test CA"), stranger_ca_("someone else's CA") {
    const CertificateAndKey server =
        ca_.Issue("localhost", {"localhost"}, {"127.0.0.1"});
    WriteTextFile(dir_.Path("server.pem"), server.cert_pem);
    WriteTextFile(dir_.Path("server.key"), server.key_pem);
    WriteTextFile(dir_.Path("ca.pem"), ca_.cert_pem());
    client_ = ca_.Issue("trusted-client");
    stranger_ = stranger_ca_.Issue("stranger");
  }

  std::vector<std::string> TlsArgs(bool mutual) {
    std::vector<std::string> args = {
        "--store=memory", "--listen=127.0.0.1:0",
        "--tls_cert_file=" + dir_.Path("server.pem"),
        "--tls_key_file=" + dir_.Path("server.key")};
    if (mutual) args.push_back("--tls_client_ca_file=" + dir_.Path("ca.pem"));
    return args;
  }

  std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(
      const CertificateAndKey* identity) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_.cert_pem();
    if (identity != nullptr) {
      options.pem_cert_chain = identity->cert_pem;
      options.pem_private_key = identity->key_pem;
    }
    return grpc::SslCredentials(options);
  }

  std::shared_ptr<grpc::Channel> Dial(
      const GatewayProcess& gateway,
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(gateway.address(), credentials, arguments);
  }

  TempDir dir_;
  TestCertificateAuthority ca_;
  TestCertificateAuthority stranger_ca_;
  CertificateAndKey client_;
  CertificateAndKey stranger_;
};

TEST_F(TlsProcessTest, TlsClientIsServedAndPlaintextClientIsNot) {
  GatewayProcess gateway(TlsArgs(/*mutual=*/false));
  gateway.set_channel_credentials(ClientCredentials(nullptr), "localhost");
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr(") over TLS"));
  EXPECT_TRUE(
      Create(Dial(gateway, ClientCredentials(nullptr)), "tls", "ok").ok());
  const grpc::Status plaintext =
      Create(grpc::CreateChannel(gateway.address(),
                                 grpc::InsecureChannelCredentials()),
             "plain", "no", absl::Seconds(3));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE)
      << plaintext.error_message();
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST_F(TlsProcessTest, TlsOffLoopbackNeedsNoAllowPlaintext) {
  std::vector<std::string> args = TlsArgs(/*mutual=*/false);
  args[1] = "--listen=0.0.0.0:0";
  GatewayProcess gateway(args);
  gateway.set_channel_credentials(ClientCredentials(nullptr), "localhost");
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST_F(TlsProcessTest, MutualTlsServesOnlyClientsTheCaSigned) {
  GatewayProcess gateway(TlsArgs(/*mutual=*/true));
  gateway.set_channel_credentials(ClientCredentials(&client_), "localhost");
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr(") over mutual TLS"));

  EXPECT_TRUE(
      Create(Dial(gateway, ClientCredentials(&client_)), "mtls", "ok").ok());
  const grpc::Status anonymous =
      Create(Dial(gateway, ClientCredentials(nullptr)), "anon", "no",
             absl::Seconds(3));
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAVAILABLE)
      << anonymous.error_message();
  const grpc::Status stranger =
      Create(Dial(gateway, ClientCredentials(&stranger_)), "stranger", "no",
             absl::Seconds(3));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAVAILABLE)
      << stranger.error_message();
  // Nothing the refused clients sent was written.
  NdesConnector read;
  auto trusted = Dial(gateway, ClientCredentials(&client_));
  EXPECT_EQ(Get(trusted, "anon", &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(trusted, "stranger", &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST_F(TlsProcessTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  WriteTextFile(dir_.Path("other.key"), client_.key_pem);
  std::vector<std::string> args = TlsArgs(/*mutual=*/false);
  args[3] = "--tls_key_file=" + dir_.Path("other.key");
  GatewayProcess gateway(args);
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr("does not match the certificate"));
  EXPECT_THAT(gateway.Log(), HasSubstr(dir_.Path("other.key")));
}

TEST_F(TlsProcessTest, MissingCertificateFileIsRefusedNamingIt) {
  std::vector<std::string> args = TlsArgs(/*mutual=*/true);
  args.back() = "--tls_client_ca_file=" + dir_.Path("missing-ca.pem");
  GatewayProcess gateway(args);
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr(dir_.Path("missing-ca.pem")));
}

TEST_F(TlsProcessTest, KeyWithoutCertificateIsAUsageError) {
  GatewayProcess gateway(
      {"--store=memory", "--tls_key_file=" + dir_.Path("server.key")});
  EXPECT_EQ(gateway.RunToExit(), 2);
  EXPECT_THAT(gateway.Log(), HasSubstr("need --tls_cert_file"));
}

// ---- Limits ----------------------------------------------------------------

TEST(SidecarProcessTest, MessageOverTheLimitIsRefusedAndNothingWritten) {
  GatewayProcess gateway({"--store=memory", "--max_message_bytes=262144"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  {
    auto channel = gateway.Channel();
    const grpc::Status big =
        Create(channel, "too-big", std::string(300 * 1024, 'x'));
    EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << big.error_message();
    NdesConnector read;
    EXPECT_EQ(Get(channel, "too-big", &read).error_code(),
              grpc::StatusCode::NOT_FOUND);
    EXPECT_TRUE(Create(channel, "small", std::string(200, 'x')).ok());
  }
  EXPECT_EQ(gateway.Terminate(), 0);
}

}  // namespace
}  // namespace ndes::testing
