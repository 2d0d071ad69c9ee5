// The installed package as another team uses it: install this build tree
// into a fresh prefix, build a consumer project against that prefix alone
// (find_package(ndes_gateway CONFIG REQUIRED)), and run it against the real
// gateway: client/examples, and a program that also links its own
// googleapis google.rpc code. Slow: each configures and compiles a project.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/subprocess.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;

constexpr absl::Duration kStepTimeout = absl::Minutes(10);

// Runs one step, failing the test with its output when it fails.
::testing::AssertionResult Step(const std::vector<std::string>& argv) {
  const absl::Time start = absl::Now();
  const ProcessResult result = RunProcess(argv, kStepTimeout);
  std::cerr << "[ step ] " << argv[0] << " " << (argv.size() > 1 ? argv[1] : "")
            << ": " << absl::FormatDuration(absl::Now() - start) << "\n";
  if (result.exit_code == 0) return ::testing::AssertionSuccess();
  std::string command;
  for (const std::string& arg : argv) absl::StrAppend(&command, arg, " ");
  return ::testing::AssertionFailure()
         << command << "exited " << result.exit_code << "\nstdout:\n"
         << result.out << "\nstderr:\n"
         << result.err;
}

class ConsumerExampleTest : public ::testing::Test {
 protected:
  // Installs this (built) tree into an empty prefix.
  ::testing::AssertionResult Install() {
    return Step(
        {NDES_CMAKE_COMMAND, "--install", NDES_BUILD_DIR, "--prefix", prefix_});
  }

  // Configures and builds the project in `source_dir` against the prefix
  // only.
  ::testing::AssertionResult Build(const std::string& source_dir) {
    std::vector<std::string> configure = {
        NDES_CMAKE_COMMAND,
        "-S",
        source_dir,
        "-B",
        build_,
        "-G",
        NDES_CMAKE_GENERATOR,
        "-DCMAKE_MAKE_PROGRAM=" + std::string(NDES_CMAKE_MAKE_PROGRAM),
        "-DCMAKE_CXX_COMPILER=" + std::string(NDES_CXX_COMPILER),
        "-DCMAKE_PREFIX_PATH=" + prefix_,
        "-DCMAKE_BUILD_TYPE=Release"};
    if (!std::string(NDES_CXX_COMPILER_LAUNCHER).empty()) {
      configure.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=" +
                          std::string(NDES_CXX_COMPILER_LAUNCHER));
    }
    if (!std::string(NDES_CONSUMER_CXX_FLAGS).empty()) {
      configure.push_back("-DCMAKE_CXX_FLAGS=" +
                          std::string(NDES_CONSUMER_CXX_FLAGS));
      configure.push_back("-DCMAKE_EXE_LINKER_FLAGS=" +
                          std::string(NDES_CONSUMER_CXX_FLAGS));
    }
    if (::testing::AssertionResult configured = Step(configure); !configured) {
      return configured;
    }
    // The package came from the prefix, not from anywhere else.
    const ProcessResult cache =
        RunProcess({NDES_CMAKE_COMMAND, "-L", "-N", build_}, absl::Minutes(1));
    if (!absl::StrContains(cache.out,
                           "ndes_gateway_DIR:PATH=" + prefix_ + "/")) {
      return ::testing::AssertionFailure()
             << "ndes_gateway was not found in " << prefix_ << ":\n"
             << cache.out;
    }
    return Step({NDES_CMAKE_COMMAND, "--build", build_});
  }

  // Declared first: the paths below are initialized from it.
  TempDir dir_;
  const std::string prefix_ = dir_.Path("prefix");
  const std::string build_ = dir_.Path("build");
};

// The whole file, or "" when it cannot be read.
std::string FileContents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(ConsumerExampleTest,
       InstalledPackageBuildsAProgramThatUpdatesAConnector) {
  // 1. Install this (built) tree into an empty prefix.
  ASSERT_TRUE(Install());
  const std::string include = prefix_ + "/include/ndes_gateway/";
  for (const char* header :
       {"ndes/v1/ndes_connector.pb.h", "ndes/v1/ndes_connector_service.pb.h",
        "ndes/v1/ndes_connector_service.grpc.pb.h",
        "ndes/v1/ndes_connector_service_mock.grpc.pb.h",
        "ndes/client/ndes_connector_client.h", "ndes/client/connector_update.h",
        "ndes/client/client_options.h", "ndes/client/error_details.h"}) {
    EXPECT_TRUE(std::filesystem::exists(include + header)) << header;
  }
  EXPECT_FALSE(std::filesystem::exists(include + "ndes/client/internal"));
  EXPECT_TRUE(std::filesystem::exists(prefix_ + "/bin/ndesctl"));
  EXPECT_TRUE(std::filesystem::exists(prefix_ + "/bin/ndes-gateway"));

  // 2. Configure and build the examples against that prefix only.
  ASSERT_TRUE(Build(NDES_EXAMPLES_DIR));

  // 3. Run both examples against the real gateway.
  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  auto stub = v1::NdesConnectorService::NewStub(gateway.Channel());
  NdesConnector original;
  {
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id("ndes-01");
    request.mutable_ndes_connector()->set_display_name("before");
    request.mutable_ndes_connector()->set_machine_name("ndes01.contoso.local");
    request.mutable_ndes_connector()->set_state(
        v1::NDES_CONNECTOR_STATE_ACTIVE);
    grpc::ClientContext context;
    ASSERT_TRUE(stub->CreateNdesConnector(&context, request, &original).ok());
  }
  auto stored = [&] {
    v1::GetNdesConnectorRequest request;
    request.set_id("ndes-01");
    grpc::ClientContext context;
    NdesConnector connector;
    EXPECT_TRUE(stub->GetNdesConnector(&context, request, &connector).ok());
    return connector;
  };

  ProcessResult result =
      RunProcess({build_ + "/update_display_name", gateway.address(), "ndes-01",
                  "renamed by a consumer"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("\"displayName\": \"renamed by a consumer\""));
  NdesConnector now = stored();
  EXPECT_EQ(now.display_name(), "renamed by a consumer");
  EXPECT_EQ(now.machine_name(), original.machine_name());
  EXPECT_EQ(now.state(), original.state());

  result =
      RunProcess({build_ + "/client_update_display_name", gateway.address(),
                  "ndes-01", "renamed by ndes::client"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("renamed by ndes::client"));
  now = stored();
  EXPECT_EQ(now.display_name(), "renamed by ndes::client");
  EXPECT_EQ(now.machine_name(), original.machine_name());

  // Errors reach the consumer as status codes.
  result = RunProcess({build_ + "/client_update_display_name",
                       gateway.address(), "absent", "x"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

// googleapis' generated code (google-cloud-cpp links it) registers
// google/rpc/status.proto and error_details.proto; the package must carry
// neither, or a program that links both aborts at start (the package's
// layout before it decoded the details itself crashed this very program).
TEST_F(ConsumerExampleTest,
       InstalledPackageLinksBesideAProgramsOwnGoogleRpcProtos) {
  ASSERT_TRUE(Install());
  EXPECT_FALSE(
      std::filesystem::exists(prefix_ + "/include/ndes_gateway/google"));
  int libraries = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(prefix_)) {
    const std::string name = entry.path().filename().string();
    if (name != "libndes_proto.a" && name != "libndes_client.a") continue;
    ++libraries;
    EXPECT_FALSE(absl::StrContains(FileContents(entry.path()), "google/rpc/"))
        << entry.path() << " holds generated google.rpc code";
  }
  EXPECT_EQ(libraries, 2);

  ASSERT_TRUE(Build(NDES_GOOGLEAPIS_CONSUMER_DIR));

  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  const ProcessResult result =
      RunProcess({build_ + "/googleapis_consumer", gateway.address()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("linked google/rpc/status.proto and "
                                    "google/rpc/error_details.proto"));
  EXPECT_THAT(result.out,
              HasSubstr("ndes::client: update_mask.paths[0]: \"colour\" is "
                        "not a field of ndes.v1.NdesConnector"));
  EXPECT_THAT(result.out,
              HasSubstr("google::rpc:  update_mask.paths[0]: \"colour\" is "
                        "not a field of ndes.v1.NdesConnector"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

}  // namespace
}  // namespace ndes::testing
