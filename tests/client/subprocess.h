// Runs a program to completion and captures what it writes: for tests of
// ndesctl and of the installed package's consumer build.
//
//   ProcessResult result = RunProcess({NdesctlBinaryPath(), "list"});
//   EXPECT_EQ(result.exit_code, 0) << result.err;
#ifndef NDES_TESTS_CLIENT_SUBPROCESS_H_
#define NDES_TESTS_CLIENT_SUBPROCESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ndes::testing {

struct ProcessResult {
  // The exit code; -N when killed by signal N; kCouldNotStart or kTimedOut.
  int exit_code = 0;
  std::string out;  // standard output
  std::string err;  // standard error (and why it could not start)

  static constexpr int kCouldNotStart = -1000;
  static constexpr int kTimedOut = -2000;
};

// Runs argv[0] (a path) with `argv`, standard input from /dev/null, in
// `working_directory` when not empty, with `env` ("NAME=value") added to
// the environment. Past `timeout` the process and everything it started
// (its process group) are killed.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         absl::Duration timeout = absl::Seconds(60),
                         const std::vector<std::string>& env = {},
                         const std::string& working_directory = "");

}  // namespace ndes::testing

#endif  // NDES_TESTS_CLIENT_SUBPROCESS_H_
