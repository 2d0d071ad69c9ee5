// ndes-populate-store and ndes-grpc-load as processes, against a real
// gateway on the file the first one writes: every call of a varying payload
// is checked, a failing call is counted and makes the exit code 1, and a
// full List by paging sees every row.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "support/gateway_process.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kRows = 50;

ProcessResult RunTool(const char* binary, std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  return RunProcess(args, absl::Seconds(60));
}

// `message` as one gRPC message (flag 0, big-endian length) in a file.
std::string WritePayload(const std::string& path,
                         const google::protobuf::MessageLite& message) {
  const std::string bytes = message.SerializeAsString();
  const auto n = static_cast<unsigned>(bytes.size());
  std::ofstream(path, std::ios::binary)
      << std::string{0, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)}
      << bytes;
  return path;
}

class GrpcLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const ProcessResult populated = RunTool(
        NDES_POPULATE_BINARY,
        {"--path=" + dir_->Path("store.db"), absl::StrCat("--rows=", kRows)});
    ASSERT_EQ(populated.exit_code, 0) << populated.err;
    ASSERT_THAT(populated.out, HasSubstr(absl::StrCat("\"rows\":", kRows)));
    gateway_ = new GatewayProcess({"--store=sqlite:" + dir_->Path("store.db")});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    v1::GetNdesConnectorRequest get;
    get.set_id("row-0000000");
    get_payload_ = new std::string(WritePayload(dir_->Path("get.grpc"), get));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete get_payload_;
    delete dir_;
  }

  static ProcessResult Load(std::vector<std::string> args) {
    args.push_back("--target=" + gateway_->address());
    return RunTool(NDES_GRPC_LOAD_BINARY, args);
  }

  static TempDir* dir_;
  static GatewayProcess* gateway_;
  static std::string* get_payload_;
};
TempDir* GrpcLoadTest::dir_ = nullptr;
GatewayProcess* GrpcLoadTest::gateway_ = nullptr;
std::string* GrpcLoadTest::get_payload_ = nullptr;

TEST_F(GrpcLoadTest, EveryCallOfARowDrawnAmongThePopulatedOnesSucceeds) {
  const ProcessResult result =
      Load({"--path=/ndes.v1.NdesConnectorService/GetNdesConnector",
            "--payload=" + *get_payload_, absl::StrCat("--vary_rows=", kRows),
            "--requests=300", "--connections=2", "--streams=4"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_THAT(result.out, HasSubstr("\"requests\":300,\"ok\":300,"
                                    "\"failed\":0"));
}

TEST_F(GrpcLoadTest, CallsThatFailAreCountedAndMakeTheExitCodeOne) {
  // Half of these ids do not exist: NOT_FOUND (grpc-status 5), which an
  // HTTP-level count (200 for every gRPC answer) would call a success.
  const ProcessResult result = Load(
      {"--path=/ndes.v1.NdesConnectorService/GetNdesConnector",
       "--payload=" + *get_payload_, absl::StrCat("--vary_rows=", 2 * kRows),
       "--requests=200", "--connections=2", "--streams=4"});
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("\"failed\":0")));
  EXPECT_THAT(result.err, HasSubstr("grpc-status 5"));
}

TEST_F(GrpcLoadTest, AFullListByPagingSeesEveryRow) {
  const ProcessResult result = Load({"--list_all", "--page_size=7"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr(absl::StrCat("\"connectors\":", kRows,
                                     ",\"pages\":", (kRows + 6) / 7)));
}

}  // namespace
}  // namespace ndes::testing
