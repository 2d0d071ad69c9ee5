// One SQLite connection of the SQLite store, its cached prepared statements,
// and how a SQLite failure becomes a status. Internal to
// SqliteConnectorStore (sqlite_connector_store.h).
//
// Errors: every status names the store's file. UNAVAILABLE for a failure
// that may go away on a retry (busy, locked, disk full, I/O error, cannot
// open, out of memory, protocol), INTERNAL for any other SQLite failure.
//
// Thread-safety: a Connection and its Statements are used by one thread at
// a time.
#ifndef NDES_SERVER_STORE_SQLITE_CONNECTION_H_
#define NDES_SERVER_STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::store::sqlite_internal {

// The status code of SQLite result code `rc` (primary or extended).
absl::StatusCode CodeForSqliteError(int rc);

// The FAILED_PRECONDITION of an Open that cannot use the file at `path`,
// for `reason`.
absl::Status RefuseOpen(const std::string& path, absl::string_view reason);
// The same for a failure whose message already names the store's path.
absl::Status RefuseOpen(const absl::Status& status);

// A cached prepared statement while in use: reset and unbound when it goes
// out of scope, which also ends the read snapshot it may hold.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binding failures are kept and reported by the next Step.
  void BindText(int index, absl::string_view text);
  void BindBlob(int index, absl::string_view bytes);
  void BindInt64(int index, std::int64_t value);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();

  // Valid until the next Step or the end of the statement.
  absl::string_view ColumnText(int column);
  // The bytes of a BLOB (or TEXT) column, unconverted.
  absl::string_view ColumnBytes(int column);
  std::int64_t ColumnInt64(int column);
  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB, ...
  int ColumnType(int column);

 private:
  void Keep(int rc);

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One SQLite connection, used by one thread at a time, with its prepared
// statements cached for its lifetime.
class Connection {
 public:
  // UNAVAILABLE or INTERNAL (by SQLite's code) naming `path` on failure.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, bool read_only);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The status of a call that failed with `rc` while doing `what`.
  absl::Status Error(int rc, absl::string_view what) const;

  // Errors name `what` the statement was for (default: its SQL text).
  absl::StatusOr<Statement> Prepare(const char* sql,
                                    absl::string_view what = {});

  // Runs `sql`, ignoring any rows it returns.
  absl::Status Execute(const char* sql, absl::string_view what = {});

  // The first column of the first row of `sql` (which takes no parameters).
  absl::StatusOr<std::int64_t> QueryInt(const char* sql,
                                        absl::string_view what = {});
  absl::StatusOr<std::string> QueryText(const char* sql,
                                        absl::string_view what = {});

  // False once SQLite has rolled back an open transaction by itself (it
  // does on some I/O and out-of-memory errors).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  // `sql` (which takes no parameters) stepped to its first row; an error
  // when it has none.
  absl::StatusOr<Statement> FirstRow(const char* sql, absl::string_view what);
  static std::string Describe(const char* sql, absl::string_view what);

  const std::string path_;
  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_CONNECTION_H_
