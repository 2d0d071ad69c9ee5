// ndes-bench as a process: against a real gateway its JSON adds up, and
// failing calls are counted as errors (never as throughput) with a non-zero
// exit.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/subprocess.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/gateway_process.h"

namespace ndes::testing {
namespace {

using ::testing::HasSubstr;

ProcessResult RunBench(std::vector<std::string> args) {
  args.insert(args.begin(), NDES_BENCH_BINARY);
  return RunProcess(args, absl::Seconds(60));
}

web::json::value ParseJsonLine(const std::string& out) {
  try {
    return web::json::value::parse(out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << out << " (" << e.what() << ")";
    return web::json::value::object();
  }
}

// A loopback port with nothing listening on it.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class NdesBenchTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    gateway_ = new GatewayProcess({"--store=memory"});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  static GatewayProcess* gateway_;
};
GatewayProcess* NdesBenchTest::gateway_ = nullptr;

TEST_P(NdesBenchTest, JsonCountsAddUpWithoutErrors) {
  ProcessResult result = RunBench(
      {"--target=" + gateway_->address(), "--mode=" + GetParam(),
       "--requests=200", "--warmup=0", "--json", "--concurrency=8",
       "--channels=2", "--spread_rows=20", "--list_rows=10"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  web::json::value json = ParseJsonLine(result.out);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json.at("mode").as_string(), GetParam());
  EXPECT_EQ(json.at("requests").as_integer(), 200);
  EXPECT_EQ(json.at("ok").as_integer(), 200);
  EXPECT_EQ(json.at("errors").as_integer(), 0);
  EXPECT_EQ(json.at("first_error").as_string(), "");
  EXPECT_EQ(json.at("concurrency").as_integer(), 8);
  EXPECT_GT(json.at("qps").as_double(), 0);
  // Throughput is the ok calls over the measured time.
  EXPECT_NEAR(json.at("qps").as_double(),
              200 / json.at("duration_s").as_double(),
              0.01 * json.at("qps").as_double() + 0.1);
  const double p50 = json.at("p50_ms").as_double();
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, json.at("p90_ms").as_double());
  EXPECT_LE(json.at("p90_ms").as_double(), json.at("p99_ms").as_double());
  EXPECT_LE(json.at("p99_ms").as_double(), json.at("p999_ms").as_double());
  EXPECT_LE(json.at("p999_ms").as_double(), json.at("max_ms").as_double());
}

INSTANTIATE_TEST_SUITE_P(Modes, NdesBenchTest,
                         ::testing::Values("health", "get", "update",
                                           "update_spread", "list"));

TEST_F(NdesBenchTest, NotFoundCallsAreErrorsNotThroughput) {
  ProcessResult result = RunBench(
      {"--target=" + gateway_->address(), "--mode=get", "--skip_setup",
       "--id=no-such-connector", "--requests=50", "--warmup=0", "--json",
       "--concurrency=4"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  web::json::value json = ParseJsonLine(result.out);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json.at("requests").as_integer(), 50);
  EXPECT_EQ(json.at("ok").as_integer(), 0);
  EXPECT_EQ(json.at("errors").as_integer(), 50);
  EXPECT_EQ(json.at("errors_by_code").at("NOT_FOUND").as_integer(), 50);
  EXPECT_EQ(json.at("qps").as_double(), 0);
  EXPECT_THAT(json.at("first_error").as_string(), HasSubstr("NOT_FOUND"));
  EXPECT_THAT(json.at("first_error").as_string(),
              HasSubstr("no-such-connector"));
  EXPECT_THAT(result.err, HasSubstr("50 of 50 calls failed"));
}

TEST(NdesBenchUnavailableTest, UnreachableTargetIsCountedAsErrors) {
  ProcessResult result = RunBench(
      {absl::StrCat("--target=127.0.0.1:", ClosedPort()), "--mode=health",
       "--requests=20", "--warmup=0", "--json", "--concurrency=2",
       "--deadline=5s"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  web::json::value json = ParseJsonLine(result.out);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json.at("ok").as_integer(), 0);
  EXPECT_EQ(json.at("errors").as_integer(), 20);
  EXPECT_EQ(json.at("errors_by_code").at("UNAVAILABLE").as_integer(), 20);
  EXPECT_EQ(json.at("qps").as_double(), 0);
}

TEST(NdesBenchUnavailableTest, FailedSetupExitsTwoBeforeMeasuring) {
  ProcessResult result = RunBench(
      {absl::StrCat("--target=127.0.0.1:", ClosedPort()), "--mode=get",
       "--requests=20", "--warmup=0", "--json", "--deadline=5s"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("setup of get"));
  EXPECT_EQ(result.out, "");
}

TEST(NdesBenchUsageTest, UnknownFlagExitsTwoWithUsage) {
  ProcessResult result = RunBench({"--target=127.0.0.1:1", "--colour=red"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("unknown flag --colour"));
  EXPECT_THAT(result.err, HasSubstr("Usage: ndes-bench"));
}

}  // namespace
}  // namespace ndes::testing
