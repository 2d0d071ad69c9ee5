#include "store/sqlite_file_guard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "logging/log.h"
#include "store/sqlite_connection.h"

namespace ndes::store::sqlite_internal {
namespace {

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileGuard>> FileGuard::Acquire(
    const std::string& path) {
  // O_NONBLOCK: a FIFO at the path must not hang the start.
  const int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int error = errno;
    if (error == EISDIR) return RefuseOpen(path, "it is not a regular file");
    return RefuseOpen(path, ErrnoMessage(error));
  }
  struct stat status;
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return RefuseOpen(path, "it is not a regular file");
  }
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = kLockedByte;
  lock.l_len = 1;
  if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EAGAIN || error == EACCES) {
      return absl::FailedPreconditionError(
          absl::StrCat("SQLite store \"", path,
                       "\" is in use by another ndes-gateway process (the "
                       "file itself is locked)"));
    }
    return RefuseOpen(path,
                      absl::StrCat("cannot lock it: ", ErrnoMessage(error)));
  }
  return std::unique_ptr<FileGuard>(
      new FileGuard(path, fd, status.st_dev, status.st_ino));
}

FileGuard::~FileGuard() { ::close(fd_); }

absl::Status FileGuard::Check() {
  absl::MutexLock lock(&mu_);
  if (!lost_.ok()) return lost_;
  struct stat named;
  std::string what;
  if (::stat(path_.c_str(), &named) != 0) {
    if (errno != ENOENT) return absl::OkStatus();  // cannot tell: assume not
    what = "deleted";
  } else if (named.st_dev != device_ || named.st_ino != inode_) {
    what = "replaced by another file";
  } else {
    return absl::OkStatus();
  }
  lost_ = absl::UnavailableError(absl::StrCat(
      "SQLite store \"", path_, "\" was ", what,
      " while the gateway had it open; writes are refused (they would go to "
      "a file nothing can open again) until the gateway restarts"));
  logging::LogEvent(
      logging::LogSeverity::kError,
      absl::StrCat(lost_.message(),
                   ". Health is NOT_SERVING. Restart the gateway to use the "
                   "file now at that path; until then reads are answered "
                   "over the connections already open to the old file, which "
                   "holds every acknowledged write."));
  return lost_;
}

}  // namespace ndes::store::sqlite_internal
