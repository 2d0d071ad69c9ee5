#include "logging/library_logs.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "gtest/gtest.h"
#include "logging/log.h"
#include "support/captured_stderr.h"

namespace ndes::logging {
namespace {

using ::ndes::testing::CapturedStderr;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class LibraryLogsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RouteLibraryLogs();
    // What grpc_init does: print ERROR and up (GRPC_VERBOSITY).
    gpr_log_verbosity_init();
  }
  void TearDown() override { SetLogFormat(LogFormat::kText); }
};

TEST_F(LibraryLogsTest, GrpcLinesAreJsonObjectsWithTheirOrigin) {
  SetLogFormat(LogFormat::kJson);
  CapturedStderr captured;
  gpr_log(__FILE__, 42, GPR_LOG_SEVERITY_ERROR, "%s",
          "Error parsing metadata: key=grpc-timeout value=\n\x1b[31mx");
  const std::vector<std::string> lines = Lines(captured.Contents());
  ASSERT_EQ(lines.size(), 1u) << captured.Contents();
  std::error_code error;
  const web::json::value line = web::json::value::parse(lines[0], error);
  ASSERT_FALSE(error) << lines[0];
  EXPECT_EQ(line.at("level").as_string(), "warning");
  EXPECT_EQ(line.at("logger").as_string(), "grpc");
  EXPECT_EQ(line.at("file").as_string(), "library_logs_test.cc");
  EXPECT_EQ(line.at("line").as_integer(), 42);
  EXPECT_THAT(line.at("msg").as_string(), HasSubstr("value=\n\x1b[31mx"));
}

TEST_F(LibraryLogsTest, ProtobufLinesKeepTheirLevelInText) {
  CapturedStderr captured;
  GOOGLE_LOG(ERROR) << "String field 'x' contains invalid UTF-8 data";
  const std::string text = captured.Contents();
  EXPECT_THAT(text, HasSubstr(" ERROR protobuf "));
  EXPECT_THAT(text, HasSubstr("library_logs_test.cc:"));
  EXPECT_THAT(text, HasSubstr("contains invalid UTF-8 data"));
  // Not protobuf's own format ("[libprotobuf ERROR ...]").
  EXPECT_THAT(text, Not(HasSubstr("[libprotobuf")));
}

TEST_F(LibraryLogsTest, GrpcDebugLinesAreDropped) {
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
  CapturedStderr captured;
  gpr_log(__FILE__, 1, GPR_LOG_SEVERITY_DEBUG, "chatter");
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
  EXPECT_EQ(captured.Contents(), "");
}

TEST_F(LibraryLogsTest, AFloodOfLinesIsCutAndTheCutIsCounted) {
  // Spend what is left of the burst first.
  absl::SleepFor(absl::Seconds(1));
  CapturedStderr captured;
  for (int i = 0; i < 1000; ++i) {
    gpr_log(__FILE__, 7, GPR_LOG_SEVERITY_ERROR, "peer said %d", i);
  }
  const int logged = static_cast<int>(Lines(captured.Contents()).size());
  EXPECT_LE(logged, kLibraryLineBurst + kMaxLibraryLinesPerSecond);
  EXPECT_GE(logged, kLibraryLineBurst - 1);
  // Once the budget has refilled, the next line says what was dropped.
  absl::SleepFor(absl::Milliseconds(200));
  gpr_log(__FILE__, 7, GPR_LOG_SEVERITY_ERROR, "after the flood");
  EXPECT_THAT(captured.Contents(), HasSubstr("dropped before this one"));
}

}  // namespace
}  // namespace ndes::logging
