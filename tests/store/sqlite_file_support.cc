#include "store/sqlite_file_support.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <string>

#include "gtest/gtest.h"

namespace ndes::store::testing {

void RunSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "") << " in " << sql;
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string QuerySql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) value = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

FileSizeLimit::FileSizeLimit(rlim_t max_bytes) {
  EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &saved_limit_), 0);
  saved_handler_ = ::signal(SIGXFSZ, SIG_IGN);
  rlimit limit = saved_limit_;
  limit.rlim_cur = max_bytes;
  EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
}

FileSizeLimit::~FileSizeLimit() {
  ::setrlimit(RLIMIT_FSIZE, &saved_limit_);
  ::signal(SIGXFSZ, saved_handler_);
}

}  // namespace ndes::store::testing
