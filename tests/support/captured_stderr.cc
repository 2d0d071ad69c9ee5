#include "support/captured_stderr.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ndes::testing {

CapturedStderr::CapturedStderr() {
  path_ = absl::StrCat(::testing::TempDir(), "/captured_stderr.", ::getpid(),
                       ".log");
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_GE(fd, 0);
  saved_ = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
}

CapturedStderr::~CapturedStderr() {
  ::dup2(saved_, STDERR_FILENO);
  ::close(saved_);
  std::remove(path_.c_str());
}

std::string CapturedStderr::Contents() const {
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool CapturedStderr::WaitFor(const std::string& needle,
                             absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Contents().find(needle) != std::string::npos) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

}  // namespace ndes::testing
