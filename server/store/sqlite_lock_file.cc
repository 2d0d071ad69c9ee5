#include "store/sqlite_lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/sqlite_connection.h"

namespace ndes::store::sqlite_internal {
namespace {

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Closes the lock file (releasing its flock) unless released.
class LockFileGuard {
 public:
  explicit LockFileGuard(int fd) : fd_(fd) {}
  LockFileGuard(const LockFileGuard&) = delete;
  LockFileGuard& operator=(const LockFileGuard&) = delete;
  ~LockFileGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The stamp of a store file as a clean close leaves it: what identifies the
// file and changes whenever anything writes it. Whole-second file times
// (nanoseconds 0) cannot tell a change within the same second apart, so they
// give no stamp.
std::optional<std::string> FileStamp(const struct stat& file_status) {
  if (file_status.st_ctim.tv_nsec == 0) return std::nullopt;
  return absl::StrCat(
      "ndes-gateway clean close v1 ", file_status.st_dev, " ",
      file_status.st_ino, " ", file_status.st_size, " ",
      file_status.st_mtim.tv_sec, ".", file_status.st_mtim.tv_nsec, " ",
      file_status.st_ctim.tv_sec, ".", file_status.st_ctim.tv_nsec, "\n");
}

// True when `path` has a write-ahead log with frames in it: a run that did
// not close cleanly, or another process that has the file open.
bool HasWalFrames(const std::string& path) {
  struct stat wal_status;
  return ::stat((path + "-wal").c_str(), &wal_status) == 0 &&
         wal_status.st_size > 0;
}

// The stamp a clean close left in the lock file, if any.
std::string ReadCleanCloseStamp(int lock_fd) {
  char buffer[256];
  const ssize_t size = ::pread(lock_fd, buffer, sizeof(buffer), 0);
  return size > 0 ? std::string(buffer, static_cast<std::size_t>(size))
                  : std::string();
}

// Waits until the file system clock has moved past `time`, so that any
// later change of the file gets a later change time; false if it does not
// within a short while (a clock set back).
bool WaitForClockPast(const struct timespec& time) {
  const absl::Time deadline = absl::Now() + absl::Milliseconds(200);
  while (true) {
    struct timespec now;
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (now.tv_sec > time.tv_sec ||
        (now.tv_sec == time.tv_sec && now.tv_nsec > time.tv_nsec)) {
      return true;
    }
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<LockFile>> LockFile::Acquire(
    const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int lock_fd =
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return RefuseOpen(path,
                      absl::StrCat("cannot create lock file \"", lock_path,
                                   "\": ", ErrnoMessage(errno)));
  }
  LockFileGuard lock(lock_fd);
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "SQLite store \"", path,
          "\" is in use by another ndes-gateway process (lock file \"",
          lock_path, "\" is held)"));
    }
    return RefuseOpen(path, absl::StrCat("cannot lock \"", lock_path,
                                         "\": ", ErrnoMessage(error)));
  }
  // What the last clean close left; from now on the file may change. The
  // mark in meta, cleared before serving, is what makes this safe should the
  // truncation be lost in a crash.
  std::string clean_close_stamp = ReadCleanCloseStamp(lock_fd);
  if (!clean_close_stamp.empty() && ::ftruncate(lock_fd, 0) != 0) {
    return RefuseOpen(path, absl::StrCat("cannot write lock file \"", lock_path,
                                         "\": ", ErrnoMessage(errno)));
  }
  return std::unique_ptr<LockFile>(
      new LockFile(path, lock.Release(), std::move(clean_close_stamp)));
}

LockFile::~LockFile() { ::close(fd_); }

bool LockFile::UnchangedSinceCleanClose(const struct stat& file_status) const {
  const std::optional<std::string> stamp = FileStamp(file_status);
  return stamp.has_value() && *stamp == clean_close_stamp_ &&
         !HasWalFrames(path_);
}

void LockFile::StampCleanClose() {
  struct stat file_status;
  // A log left beside the file (another process still has it open) is
  // replayed by the next open: no stamp, so that open checks everything.
  if (::stat(path_.c_str(), &file_status) != 0 || HasWalFrames(path_)) return;
  const std::optional<std::string> stamp = FileStamp(file_status);
  // File times come from a clock that advances in ticks: a change within
  // the tick of the checkpoint would leave the same times.
  if (!stamp.has_value() || !WaitForClockPast(file_status.st_ctim)) return;
  // Acquire emptied the lock file. A partial stamp never matches: the next
  // open checks everything.
  [[maybe_unused]] const ssize_t written =
      ::pwrite(fd_, stamp->data(), stamp->size(), 0);
}

}  // namespace ndes::store::sqlite_internal
