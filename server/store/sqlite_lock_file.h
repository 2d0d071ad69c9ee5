// The lock file "<path>.lock" of a SQLite store: the exclusive advisory lock
// (flock) that keeps a second process off the store's file, and the stamp of
// the file that a clean close leaves in it. Internal to SqliteConnectorStore
// (sqlite_connector_store.h, whose header comment gives the rules: when the
// stamp is written, and when Open may trust it to skip the integrity check).
//
// A stamp holds the store file's device, inode, size, and modification and
// change times to the nanosecond: whatever writes the file changes it.
// File systems with whole-second times give no stamp.
//
// Thread-safety: one thread at a time.
#ifndef NDES_SERVER_STORE_SQLITE_LOCK_FILE_H_
#define NDES_SERVER_STORE_SQLITE_LOCK_FILE_H_

#include <sys/stat.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace ndes::store::sqlite_internal {

class LockFile {
 public:
  // Creates "<path>.lock" when missing, locks it, takes the stamp the last
  // clean close left in it and empties it. FAILED_PRECONDITION naming
  // `path` when the lock file cannot be created, locked or written, or
  // another process holds the lock ("... is in use by another
  // ndes-gateway process ...").
  static absl::StatusOr<std::unique_ptr<LockFile>> Acquire(
      const std::string& path);

  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  // Releases the lock; the lock file stays in place.
  ~LockFile();

  // Whether the store file, whose status is `file_status`, is as the last
  // clean close stamped it, with no write-ahead log to replay beside it.
  bool UnchangedSinceCleanClose(const struct stat& file_status) const;

  // After a clean close, once the last connection is closed: writes the
  // store file's stamp. Best effort: writes nothing when the file has a
  // write-ahead log with frames beside it (another process has it open),
  // the file system has whole-second times, or the clock does not move past
  // the file's change time within a short while; the next Open then checks
  // the whole file.
  void StampCleanClose();

 private:
  LockFile(std::string path, int fd, std::string clean_close_stamp)
      : path_(std::move(path)),
        fd_(fd),
        clean_close_stamp_(std::move(clean_close_stamp)) {}

  // The store file's path (not the lock file's).
  const std::string path_;
  const int fd_;
  // What the last clean close left; empty when none.
  const std::string clean_close_stamp_;
};

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_LOCK_FILE_H_
