#include "logging/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_stderr.h"

namespace ndes::logging {
namespace {

using ::ndes::testing::CapturedStderr;
using ::testing::HasSubstr;
using ::testing::SizeIs;

CallRecord Call(absl::string_view request_id,
                absl::StatusCode code = absl::StatusCode::kOk) {
  CallRecord call;
  call.method = "GetNdesConnector";
  call.code = code;
  call.error = code == absl::StatusCode::kOk ? "" : "it failed";
  call.latency = absl::Microseconds(840);
  call.request_id = request_id;
  return call;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class CallLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogFormat(LogFormat::kText);
    SetLogLevel(LogSeverity::kInfo);
  }
  void TearDown() override { StopBackgroundLogWriter(); }
};

TEST_F(CallLogTest, WithoutTheBackgroundWriterALineIsWrittenAtOnce) {
  CapturedStderr err;
  LogCall(Call("direct-1"));
  const std::string text = err.Contents();
  EXPECT_THAT(text, HasSubstr("INFO call method=GetNdesConnector code=OK "
                              "latency_ms=0.840 request_id=direct-1\n"));
  // The timestamp: 2026-11-28T10:15:30.123Z.
  ASSERT_GE(text.size(), 24u);
  EXPECT_EQ(text[4], '-');
  EXPECT_EQ(text[10], 'T');
  EXPECT_EQ(text[19], '.');
  EXPECT_EQ(text[23], 'Z');
}

TEST_F(CallLogTest, BufferedLinesReachStderrWithoutAnyFurtherLogging) {
  CapturedStderr err;
  StartBackgroundLogWriter();
  LogCall(Call("buffered-1"));
  EXPECT_TRUE(err.WaitFor("request_id=buffered-1\n")) << err.Contents();
}

TEST_F(CallLogTest, StopWritesOutEveryLineOfEveryThreadWhole) {
  CapturedStderr err;
  StartBackgroundLogWriter();
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i) {
        LogCall(Call(absl::StrCat("t", t, "-", i)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  StopBackgroundLogWriter();
  const std::vector<std::string> lines = Lines(err.Contents());
  ASSERT_THAT(lines, SizeIs(kThreads * kLinesEach));
  // Whole lines, and each thread's lines in the order it logged them.
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    ASSERT_THAT(line, HasSubstr(" INFO call method=GetNdesConnector code=OK"));
    const std::size_t at = line.find("request_id=t");
    ASSERT_NE(at, std::string::npos) << line;
    const std::vector<std::string> parts =
        absl::StrSplit(line.substr(at + 12), '-');
    ASSERT_THAT(parts, SizeIs(2)) << line;
    const int thread = std::stoi(parts[0]);
    EXPECT_EQ(std::stoi(parts[1]), next[thread]++) << line;
  }
}

TEST_F(CallLogTest, WarningsAndEventsAreWrittenAtOnceAfterWhatIsBuffered) {
  CapturedStderr err;
  StartBackgroundLogWriter();
  LogCall(Call("before"));
  LogCall(Call("failed", absl::StatusCode::kUnavailable));
  // Written by the call itself, not by the background writer: the line is
  // on stderr when LogCall returns, after the buffered line before it.
  std::vector<std::string> lines = Lines(err.Contents());
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], HasSubstr("request_id=before"));
  EXPECT_THAT(lines[1], HasSubstr("WARNING call"));
  EXPECT_THAT(lines[1], HasSubstr("request_id=failed"));

  LogCall(Call("after"));
  LogEvent(LogSeverity::kInfo, "an event");
  lines = Lines(err.Contents());
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_THAT(lines[2], HasSubstr("request_id=after"));
  EXPECT_THAT(lines[3], HasSubstr("INFO an event"));
}

TEST_F(CallLogTest, AfterStopLinesAreWrittenAtOnceAgain) {
  CapturedStderr err;
  StartBackgroundLogWriter();
  StopBackgroundLogWriter();
  LogCall(Call("after-stop"));
  EXPECT_THAT(err.Contents(), HasSubstr("request_id=after-stop\n"));
}

TEST_F(CallLogTest, JsonLinesAreBufferedToo) {
  CapturedStderr err;
  SetLogFormat(LogFormat::kJson);
  StartBackgroundLogWriter();
  LogCall(Call("json-1"));
  StopBackgroundLogWriter();
  const std::vector<std::string> lines = Lines(err.Contents());
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("\"msg\":\"call\""));
  EXPECT_THAT(lines[0], HasSubstr("\"request_id\":\"json-1\""));
  EXPECT_EQ(lines[0].back(), '}');
}

}  // namespace
}  // namespace ndes::logging
