// Helpers for tests of the SQLite store that look at or change its file
// behind its back: SQL on the file with a connection of the test's own, and
// a disk that fills up.
#ifndef NDES_TESTS_STORE_SQLITE_FILE_SUPPORT_H_
#define NDES_TESTS_STORE_SQLITE_FILE_SUPPORT_H_

#include <signal.h>
#include <sys/resource.h>

#include <string>

namespace ndes::store::testing {

// Runs `sql` on `path` with a connection of its own (the store closed).
void RunSql(const std::string& path, const std::string& sql);

// The first column of the first row of `sql` on `path`, as text; empty when
// there is none.
std::string QuerySql(const std::string& path, const std::string& sql);

// Lowers the largest file this process may write (RLIMIT_FSIZE) while in
// scope, with SIGXFSZ ignored so that an oversized write fails with EFBIG:
// a disk that fills up, for one process only.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t max_bytes);
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit();

 private:
  rlimit saved_limit_{};
  sighandler_t saved_handler_ = SIG_DFL;
};

}  // namespace ndes::store::testing

#endif  // NDES_TESTS_STORE_SQLITE_FILE_SUPPORT_H_
