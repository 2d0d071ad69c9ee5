// The ndes-gateway binary as users run it: flags and their environment
// variables, --help, start-up refusals, restarts on the same SQLite file, and
// SIGTERM/SIGINT.

#include "support/gateway_process.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

grpc::Status CreateConnector(GatewayProcess& gateway, const std::string& id,
                             const std::string& name, NdesConnector* out) {
  auto stub = v1::NdesConnectorService::NewStub(gateway.Channel());
  v1::CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_id(id);
  request.mutable_ndes_connector()->set_display_name(name);
  grpc::ClientContext context;
  return stub->CreateNdesConnector(&context, request, out);
}

grpc::Status GetConnector(GatewayProcess& gateway, const std::string& id,
                          NdesConnector* out) {
  auto stub = v1::NdesConnectorService::NewStub(gateway.Channel());
  v1::GetNdesConnectorRequest request;
  request.set_id(id);
  grpc::ClientContext context;
  return stub->GetNdesConnector(&context, request, out);
}

TEST(GatewayProcessTest, DataSurvivesRestartOnTheSameFile) {
  TempDir dir;
  const std::string store = "--store=sqlite:" + dir.Path("connectors.db");
  NdesConnector created;
  {
    GatewayProcess gateway({store});
    ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
    ASSERT_TRUE(CreateConnector(gateway, "keep-me", "durable", &created).ok());
    EXPECT_EQ(gateway.Terminate(), 0) << gateway.Log();
  }
  GatewayProcess gateway({store});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  NdesConnector read;
  ASSERT_TRUE(GetConnector(gateway, "keep-me", &read).ok());
  EXPECT_EQ(read.display_name(), "durable");
  EXPECT_EQ(read.etag(), created.etag());
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(GatewayProcessTest, DefaultStoreIsSqliteFileInWorkingDirectory) {
  TempDir dir;
  GatewayProcess gateway({});
  gateway.set_working_directory(dir.path());
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  NdesConnector created;
  ASSERT_TRUE(CreateConnector(gateway, "c1", "x", &created).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.Path("ndes-gateway.db")));
  EXPECT_THAT(gateway.Log(), HasSubstr("store: sqlite:ndes-gateway.db"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(GatewayProcessTest, SigtermTurnsHealthNotServingThenExitsZero) {
  GatewayProcess gateway({"--store=memory", "--shutdown_grace=10s"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  absl::Time signalled;
  {
    auto health = grpc::health::v1::Health::NewStub(gateway.Channel());
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    auto watch = health->Watch(&context, request);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(watch->Read(&response));
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING);

    gateway.Signal(SIGTERM);
    signalled = absl::Now();
    ASSERT_TRUE(watch->Read(&response)) << "watch ended without NOT_SERVING";
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    // A watcher that saw NOT_SERVING goes away; with no call left in flight
    // the drain ends without waiting for the grace period.
    context.TryCancel();
    watch->Finish();
  }
  EXPECT_EQ(gateway.WaitForExit(absl::Seconds(30)), 0) << gateway.Log();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5));
  EXPECT_THAT(gateway.Log(), HasSubstr("received SIGTERM"));
}

TEST(GatewayProcessTest, SigintExitsZero) {
  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  gateway.Signal(SIGINT);
  EXPECT_EQ(gateway.WaitForExit(absl::Seconds(30)), 0) << gateway.Log();
}

TEST(GatewayProcessTest, CorruptStoreFileIsRefusedAndLeftUntouched) {
  TempDir dir;
  const std::string path = dir.Path("corrupt.db");
  std::string garbage = "this is not a database";
  garbage.append(8192, '\x5a');
  WriteFile(path, garbage);
  GatewayProcess gateway({"--store=sqlite:" + path});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr(path));
  EXPECT_EQ(ReadFile(path), garbage);
}

TEST(GatewayProcessTest, UnopenableStorePathIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.Path("no/such/dir/gw.db");
  GatewayProcess gateway({"--store=sqlite:" + path});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(GatewayProcessTest, UnknownStoreIsRefusedListingTheAcceptedForms) {
  GatewayProcess gateway({"--store=bogus"});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr("sqlite:PATH"));
  EXPECT_THAT(gateway.Log(), HasSubstr("memory"));
}

TEST(GatewayProcessTest, AddressInUseIsRefused) {
  GatewayProcess first({"--store=memory"});
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  GatewayProcess second({"--store=memory", "--listen=" + first.address()});
  EXPECT_EQ(second.RunToExit(), 1);
  EXPECT_THAT(second.Log(), HasSubstr(first.address()));
  EXPECT_EQ(first.Terminate(), 0);
}

TEST(GatewayProcessTest, HelpExplainsEveryFlagAndTheEnvironment) {
  GatewayProcess gateway({"--help"});
  gateway.RunToExit();
  const std::string help = gateway.Log();
  for (const char* part : {"--listen", "--store", "--shutdown_grace",
                           "NDES_GATEWAY_", "sqlite:PATH", "unix:"}) {
    EXPECT_THAT(help, HasSubstr(part));
  }
  // The flags are listed under the program's name, not under the path of
  // the source file that defines them on the machine that built it.
  EXPECT_THAT(help, HasSubstr("Flags from ndes-gateway:"));
  EXPECT_THAT(help, Not(HasSubstr(".cc")));
}

TEST(GatewayProcessTest, EnvironmentVariablesSetFlags) {
  GatewayProcess gateway({"--listen=127.0.0.1:0"},
                         {"NDES_GATEWAY_STORE=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr("(store: memory)"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(GatewayProcessTest, CommandLineWinsOverEnvironment) {
  GatewayProcess gateway({"--store=memory"},
                         {"NDES_GATEWAY_STORE=sqlite:/nonexistent/x.db"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr("(store: memory)"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(GatewayProcessTest, InvalidEnvironmentValueIsRefusedNamingTheVariable) {
  GatewayProcess gateway({}, {"NDES_GATEWAY_SHUTDOWN_GRACE=banana"});
  EXPECT_EQ(gateway.RunToExit(), 2);
  EXPECT_THAT(gateway.Log(), HasSubstr("NDES_GATEWAY_SHUTDOWN_GRACE"));
}

TEST(GatewayProcessTest, LogsOneLinePerCallAndNeverTheToken) {
  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  {
    auto stub = v1::NdesConnectorService::NewStub(gateway.Channel());
    v1::GetNdesConnectorRequest request;
    request.set_id("absent");
    NdesConnector out;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer secret-token-123");
    EXPECT_EQ(stub->GetNdesConnector(&context, request, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // With the client gone, the drain has no connection to wait for (an idle
  // sync client answers the server's GOAWAY only from its 5 s backup poller).
  EXPECT_EQ(gateway.Terminate(), 0);
  const std::string log = gateway.Log();
  EXPECT_THAT(log, HasSubstr("method=GetNdesConnector code=NOT_FOUND"));
  EXPECT_THAT(log, HasSubstr("latency_ms="));
  EXPECT_THAT(log, Not(HasSubstr("secret-token-123")));
}

}  // namespace
}  // namespace ndes::testing
