// The SQLite store's hold on its database file itself, beside the lock
// file (sqlite_lock_file.h): an exclusive lock on the file, and a watch
// that the path still names the file the store has open. Internal to
// SqliteConnectorStore (sqlite_connector_store.h).
//
// The lock: an open file description lock (F_OFD_SETLK) on one byte that
// SQLite never locks (its own locks are the 512 bytes from 0x40000000).
// Deleting the lock file therefore does not let a second gateway open the
// file while the first has it. OFD locks, unlike POSIX record locks, are
// not dropped when SQLite closes another descriptor of the same file.
//
// The watch: a file deleted (or replaced, e.g. renamed over) while the
// store has it open goes on taking writes into an inode no path names any
// more, and everything written is gone when the gateway stops. Check
// compares the open file's device and inode with the path's.
//
// Thread-safe.
#ifndef NDES_SERVER_STORE_SQLITE_FILE_GUARD_H_
#define NDES_SERVER_STORE_SQLITE_FILE_GUARD_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace ndes::store::sqlite_internal {

class FileGuard {
 public:
  // The byte locked (see above).
  static constexpr off_t kLockedByte = 0x40000000 + 4096;

  // Opens the file at `path` (creating it, empty, when missing), locks it
  // and notes which file it is. FAILED_PRECONDITION naming `path` when it
  // cannot be opened, is not a regular file, or another process holds the
  // lock ("... is in use by another ndes-gateway process").
  static absl::StatusOr<std::unique_ptr<FileGuard>> Acquire(
      const std::string& path);

  FileGuard(const FileGuard&) = delete;
  FileGuard& operator=(const FileGuard&) = delete;
  // Closes the file, releasing the lock.
  ~FileGuard();

  // OK while the path names the file opened. Once it does not (deleted,
  // replaced), UNAVAILABLE saying so, for good; the first time, an error
  // line is logged.
  absl::Status Check();

 private:
  FileGuard(std::string path, int fd, dev_t device, ino_t inode)
      : path_(std::move(path)), fd_(fd), device_(device), inode_(inode) {}

  const std::string path_;
  const int fd_;
  const dev_t device_;
  const ino_t inode_;

  absl::Mutex mu_;
  // Set once the file is found gone: what writes are answered.
  absl::Status lost_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_FILE_GUARD_H_
