#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ndes::store::sqlite_internal {
namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

// Busy, full, I/O and out-of-memory failures may go away on a retry; any
// other failure is a fault of the store.
absl::StatusCode CodeForSqliteError(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status RefuseOpen(const std::string& path, absl::string_view reason) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot open SQLite store \"", path, "\": ", reason));
}

absl::Status RefuseOpen(const absl::Status& status) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot open ", status.message()));
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::BindText(int index, absl::string_view text) {
  Keep(sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                           SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindBlob(int index, absl::string_view bytes) {
  Keep(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                           SQLITE_TRANSIENT));
}

void Statement::BindInt64(int index, std::int64_t value) {
  Keep(sqlite3_bind_int64(stmt_, index, value));
}

int Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

absl::string_view Statement::ColumnText(int column) {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return absl::string_view(
      reinterpret_cast<const char*>(text),
      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::string_view Statement::ColumnBytes(int column) {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return {};
  return absl::string_view(
      static_cast<const char*>(bytes),
      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Statement::ColumnInt64(int column) {
  return sqlite3_column_int64(stmt_, column);
}

int Statement::ColumnType(int column) {
  return sqlite3_column_type(stmt_, column);
}

void Statement::Keep(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY
                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason =
        db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::Status(
        CodeForSqliteError(rc),
        absl::StrCat("SQLite store \"", path, "\": opening the file: ", reason,
                     " (SQLite error ", rc, ")"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return std::unique_ptr<Connection>(new Connection(path, db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::Status Connection::Error(int rc, absl::string_view what) const {
  const bool current = (sqlite3_extended_errcode(db_) == rc);
  return absl::Status(
      CodeForSqliteError(rc),
      absl::StrCat("SQLite store \"", path_, "\": ", what, ": ",
                   current ? sqlite3_errmsg(db_) : sqlite3_errstr(rc),
                   " (SQLite error ", rc, ")"));
}

absl::StatusOr<Statement> Connection::Prepare(const char* sql,
                                              absl::string_view what) {
  auto [it, inserted] = statements_.try_emplace(sql, nullptr);
  if (inserted) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) {
      statements_.erase(it);
      return Error(rc, Describe(sql, what));
    }
    it->second = stmt;
  }
  return Statement(it->second);
}

absl::Status Connection::Execute(const char* sql, absl::string_view what) {
  absl::StatusOr<Statement> stmt = Prepare(sql, what);
  if (!stmt.ok()) return stmt.status();
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return Error(rc, Describe(sql, what));
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> Connection::QueryInt(const char* sql,
                                                  absl::string_view what) {
  absl::StatusOr<Statement> stmt = FirstRow(sql, what);
  if (!stmt.ok()) return stmt.status();
  return stmt->ColumnInt64(0);
}

absl::StatusOr<std::string> Connection::QueryText(const char* sql,
                                                  absl::string_view what) {
  absl::StatusOr<Statement> stmt = FirstRow(sql, what);
  if (!stmt.ok()) return stmt.status();
  return std::string(stmt->ColumnText(0));
}

absl::StatusOr<Statement> Connection::FirstRow(const char* sql,
                                               absl::string_view what) {
  absl::StatusOr<Statement> stmt = Prepare(sql, what);
  if (!stmt.ok()) return stmt;
  const int rc = stmt->Step();
  if (rc != SQLITE_ROW) {
    return Error(rc == SQLITE_DONE ? SQLITE_INTERNAL : rc, Describe(sql, what));
  }
  return stmt;
}

std::string Connection::Describe(const char* sql, absl::string_view what) {
  return what.empty() ? absl::StrCat("running \"", sql, "\"")
                      : std::string(what);
}

}  // namespace ndes::store::sqlite_internal
