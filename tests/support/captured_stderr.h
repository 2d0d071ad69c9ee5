// Points the process's stderr at a temporary file for an object's lifetime,
// for tests of what the process log writes.
//
//   CapturedStderr captured;
//   LogEvent(LogSeverity::kError, "boom");
//   EXPECT_THAT(captured.Contents(), HasSubstr("boom"));
#ifndef NDES_TESTS_SUPPORT_CAPTURED_STDERR_H_
#define NDES_TESTS_SUPPORT_CAPTURED_STDERR_H_

#include <string>

#include "absl/time/time.h"

namespace ndes::testing {

class CapturedStderr {
 public:
  CapturedStderr();
  ~CapturedStderr();
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  // Everything written to stderr so far.
  std::string Contents() const;
  // Polls until the file holds `needle` (the background writer's delay is
  // a few milliseconds); false after `timeout`.
  bool WaitFor(const std::string& needle,
               absl::Duration timeout = absl::Seconds(10)) const;

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_CAPTURED_STDERR_H_
