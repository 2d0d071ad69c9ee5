#include "store/sqlite_connector_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "observability/gateway_metrics.h"
#include "store/page_token.h"
#include "store/stored_connector.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

// PRAGMA application_id of an ndes-gateway store: "NDES" in ASCII.
constexpr std::int32_t kApplicationId = 0x4e444553;
constexpr int kBusyTimeoutMs = 5000;
// Read connections kept open between reads; more are opened under load and
// closed when returned to a full pool.
constexpr std::size_t kMaxIdleReaders = 4;
constexpr absl::string_view kPageTokenTag = "sqlite";
std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

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

// A cached prepared statement while in use: reset and unbound when it goes
// out of scope, which also ends the read snapshot it may hold.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  // Binding failures are kept and reported by the next Step.
  void BindText(int index, absl::string_view text) {
    Keep(sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                             SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void BindInt64(int index, std::int64_t value) {
    Keep(sqlite3_bind_int64(stmt_, index, value));
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() {
    if (bind_rc_ != SQLITE_OK) return bind_rc_;
    return sqlite3_step(stmt_);
  }

  // Valid until the next Step or the end of the statement.
  absl::string_view ColumnText(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return absl::string_view(
        reinterpret_cast<const char*>(text),
        static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t ColumnInt64(int column) {
    return sqlite3_column_int64(stmt_, column);
  }

 private:
  void Keep(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace

namespace sqlite_internal {

// One SQLite connection, used by one thread at a time, with its prepared
// statements cached for its lifetime.
class Connection {
 public:
  // UNAVAILABLE or INTERNAL (by SQLite's code) naming `path` on failure.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
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
      return absl::Status(CodeForSqliteError(rc),
                          absl::StrCat("SQLite store \"", path,
                                       "\": opening the file: ", reason,
                                       " (SQLite error ", rc, ")"));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    return std::unique_ptr<Connection>(new Connection(path, db));
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  // The status of a call that failed with `rc` while doing `what`.
  absl::Status Error(int rc, absl::string_view what) const {
    const bool current = (sqlite3_extended_errcode(db_) == rc);
    return absl::Status(
        CodeForSqliteError(rc),
        absl::StrCat("SQLite store \"", path_, "\": ", what, ": ",
                     current ? sqlite3_errmsg(db_) : sqlite3_errstr(rc),
                     " (SQLite error ", rc, ")"));
  }

  // Errors name `what` the statement was for (default: its SQL text).
  absl::StatusOr<Statement> Prepare(const char* sql,
                                    absl::string_view what = {}) {
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

  // Runs `sql`, ignoring any rows it returns.
  absl::Status Execute(const char* sql, absl::string_view what = {}) {
    absl::StatusOr<Statement> stmt = Prepare(sql, what);
    if (!stmt.ok()) return stmt.status();
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return Error(rc, Describe(sql, what));
    return absl::OkStatus();
  }

  // The first column of the first row of `sql` (which takes no parameters).
  absl::StatusOr<std::int64_t> QueryInt(const char* sql,
                                        absl::string_view what = {}) {
    absl::StatusOr<Statement> stmt = Prepare(sql, what);
    if (!stmt.ok()) return stmt.status();
    const int rc = stmt->Step();
    if (rc != SQLITE_ROW) {
      return Error(rc == SQLITE_DONE ? SQLITE_INTERNAL : rc,
                   Describe(sql, what));
    }
    return stmt->ColumnInt64(0);
  }
  absl::StatusOr<std::string> QueryText(const char* sql,
                                        absl::string_view what = {}) {
    absl::StatusOr<Statement> stmt = Prepare(sql, what);
    if (!stmt.ok()) return stmt.status();
    const int rc = stmt->Step();
    if (rc != SQLITE_ROW) {
      return Error(rc == SQLITE_DONE ? SQLITE_INTERNAL : rc,
                   Describe(sql, what));
    }
    return std::string(stmt->ColumnText(0));
  }

  // False once SQLite has rolled back an open transaction by itself (it
  // does on some I/O and out-of-memory errors).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  static std::string Describe(const char* sql, absl::string_view what) {
    return what.empty() ? absl::StrCat("running \"", sql, "\"")
                        : std::string(what);
  }

  const std::string path_;
  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A write waiting for the writer thread.
class PendingWrite {
 public:
  virtual ~PendingWrite() = default;

  // Applies the write on `writer`, inside the write's savepoint of the open
  // transaction. A write that stores takes the revision ++*revision. On
  // error the caller rolls the savepoint back.
  virtual absl::Status Apply(Connection& writer, std::uint64_t* revision) = 0;

  // Answers the caller with the write's outcome: OK only once committed.
  virtual void Answer(absl::Status outcome) && = 0;
};

}  // namespace sqlite_internal

namespace {

using sqlite_internal::Connection;
using sqlite_internal::PendingWrite;

// A damaged stored body (INTERNAL from ConnectorOfBody), naming the file.
absl::Status Damaged(absl::string_view path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("SQLite store \"", path,
                                                  "\": ", status.message()));
}

// The stored row of `id`, if any, read in `connection`'s current
// transaction (or in a snapshot of its own).
absl::StatusOr<std::optional<StoredConnector>> ReadStored(
    Connection& connection, absl::string_view id) {
  absl::StatusOr<Statement> stmt =
      connection.Prepare("SELECT body, revision FROM connectors WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  const int rc = stmt->Step();
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) {
    return connection.Error(
        rc, absl::StrCat("reading NDES connector \"", id, "\""));
  }
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      ConnectorOfBody(id, stmt->ColumnText(0));
  if (!connector.ok()) return Damaged(connection.path(), connector.status());
  return StoredConnector{
      *std::move(connector),
      EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(1)))};
}

// Stores `connector` under its id with the next revision; answers the
// connector as stored.
absl::StatusOr<ndes::v1::NdesConnector> PutStored(
    Connection& writer, ndes::v1::NdesConnector connector,
    std::uint64_t* revision) {
  const std::uint64_t next_revision = ++*revision;
  const std::string& id = connector.id();
  absl::StatusOr<Statement> stmt = writer.Prepare(
      "INSERT INTO connectors (id, body, revision) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (id) DO UPDATE SET body = excluded.body, "
      "revision = excluded.revision");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  stmt->BindText(2, StoredBodyOf(connector));
  stmt->BindInt64(3, static_cast<std::int64_t>(next_revision));
  const int rc = stmt->Step();
  if (rc != SQLITE_DONE) {
    return writer.Error(rc,
                        absl::StrCat("writing NDES connector \"", id, "\""));
  }
  connector.set_etag(EtagForRevision(next_revision));
  return connector;
}

// A write that answers the connector as stored.
class ConnectorWrite : public PendingWrite {
 public:
  explicit ConnectorWrite(StoreCallback<ndes::v1::NdesConnector> done)
      : done_(std::move(done)) {}

  void Answer(absl::Status outcome) && override {
    if (outcome.ok()) {
      std::move(done_)(std::move(result_));
    } else {
      std::move(done_)(std::move(outcome));
    }
  }

 protected:
  // What Apply stored; answered once committed.
  ndes::v1::NdesConnector result_;

 private:
  StoreCallback<ndes::v1::NdesConnector> done_;
};

class CreateWrite final : public ConnectorWrite {
 public:
  CreateWrite(ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done)
      : ConnectorWrite(std::move(done)), connector_(std::move(connector)) {}

  absl::Status Apply(Connection& writer, std::uint64_t* revision) override {
    {
      absl::StatusOr<Statement> stmt =
          writer.Prepare("SELECT 1 FROM connectors WHERE id = ?1");
      if (!stmt.ok()) return stmt.status();
      stmt->BindText(1, connector_.id());
      const int rc = stmt->Step();
      if (rc == SQLITE_ROW) return ConnectorAlreadyExists(connector_.id());
      if (rc != SQLITE_DONE) {
        return writer.Error(rc, absl::StrCat("reading NDES connector \"",
                                             connector_.id(), "\""));
      }
    }
    absl::StatusOr<ndes::v1::NdesConnector> stored =
        PutStored(writer, connector_, revision);
    if (!stored.ok()) return stored.status();
    result_ = *std::move(stored);
    return absl::OkStatus();
  }

 private:
  ndes::v1::NdesConnector connector_;
};

class UpdateWrite final : public ConnectorWrite {
 public:
  UpdateWrite(UpdateCommand command,
              StoreCallback<ndes::v1::NdesConnector> done)
      : ConnectorWrite(std::move(done)), command_(std::move(command)) {}

  absl::Status Apply(Connection& writer, std::uint64_t* revision) override {
    absl::StatusOr<std::optional<StoredConnector>> current =
        ReadStored(writer, command_.id);
    if (!current.ok()) return current.status();
    absl::StatusOr<ndes::v1::NdesConnector> next =
        NextConnectorForUpdate(*current, command_);
    if (!next.ok()) return next.status();
    absl::StatusOr<ndes::v1::NdesConnector> stored =
        PutStored(writer, *std::move(next), revision);
    if (!stored.ok()) return stored.status();
    result_ = *std::move(stored);
    return absl::OkStatus();
  }

 private:
  UpdateCommand command_;
};

class DeleteWrite final : public PendingWrite {
 public:
  DeleteWrite(std::string id, std::string expected_etag, StatusCallback done)
      : id_(std::move(id)),
        expected_etag_(std::move(expected_etag)),
        done_(std::move(done)) {}

  absl::Status Apply(Connection& writer, std::uint64_t* /*revision*/) override {
    {
      absl::StatusOr<Statement> stmt =
          writer.Prepare("SELECT revision FROM connectors WHERE id = ?1");
      if (!stmt.ok()) return stmt.status();
      stmt->BindText(1, id_);
      const int rc = stmt->Step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return writer.Error(
            rc, absl::StrCat("reading NDES connector \"", id_, "\""));
      }
      std::optional<std::string> etag;
      if (rc == SQLITE_ROW) {
        etag =
            EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(0)));
      }
      absl::Status allowed = CheckDelete(id_, etag, expected_etag_);
      if (!allowed.ok()) return allowed;
    }
    absl::StatusOr<Statement> stmt =
        writer.Prepare("DELETE FROM connectors WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, id_);
    const int rc = stmt->Step();
    if (rc != SQLITE_DONE) {
      return writer.Error(
          rc, absl::StrCat("deleting NDES connector \"", id_, "\""));
    }
    return absl::OkStatus();
  }

  void Answer(absl::Status outcome) && override {
    std::move(done_)(std::move(outcome));
  }

 private:
  std::string id_;
  std::string expected_etag_;
  StatusCallback done_;
};

absl::Status Refuse(const std::string& path, absl::string_view reason) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot open SQLite store \"", path, "\": ", reason));
}

// For failures whose message already names the store's path.
absl::Status Refuse(const absl::Status& status) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot open ", status.message()));
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

// Runs PRAGMA quick_check; the file is damaged unless it answers "ok".
absl::Status CheckIntegrity(Connection& connection) {
  absl::StatusOr<std::string> verdict =
      connection.QueryText("PRAGMA quick_check", "checking the file");
  if (!verdict.ok()) return verdict.status();
  if (*verdict != "ok") {
    return absl::DataLossError(absl::StrCat(
        "SQLite store \"", connection.path(),
        "\": the file is damaged (PRAGMA quick_check: ", *verdict, ")"));
  }
  return absl::OkStatus();
}

// The schema version of the store in `connection`'s file; 0 for a file
// with no schema at all (new or empty). FAILED_PRECONDITION for a SQLite
// database that is not an ndes-gateway store or has a newer schema.
absl::StatusOr<int> SchemaVersion(Connection& connection) {
  absl::StatusOr<std::int64_t> application_id =
      connection.QueryInt("PRAGMA application_id", "reading the schema");
  if (!application_id.ok()) return application_id.status();
  absl::StatusOr<std::int64_t> version =
      connection.QueryInt("PRAGMA user_version", "reading the schema");
  if (!version.ok()) return version.status();
  absl::StatusOr<std::int64_t> objects = connection.QueryInt(
      "SELECT count(*) FROM sqlite_master", "reading the schema");
  if (!objects.ok()) return objects.status();
  const std::string& path = connection.path();
  if (*application_id == 0 && *version == 0 && *objects == 0) return 0;
  if (*application_id != kApplicationId) {
    return Refuse(path,
                  "it is a SQLite database but not an ndes-gateway store "
                  "(PRAGMA application_id does not match)");
  }
  if (*version > SqliteConnectorStore::kSchemaVersion) {
    return Refuse(path,
                  absl::StrCat("its schema version is ", *version,
                               ", newer than version ",
                               SqliteConnectorStore::kSchemaVersion,
                               " that this ndes-gateway supports; run a newer "
                               "ndes-gateway"));
  }
  if (*version < 1) {
    return Refuse(path, absl::StrCat("its schema version ", *version,
                                     " is not valid; the file is damaged"));
  }
  return static_cast<int>(*version);
}

absl::Status CreateSchema(Connection& writer) {
  const std::string script = absl::StrCat(
      "BEGIN IMMEDIATE;"
      // body: the Graph representation without "@odata.etag";
      // revision: the etag is W/\"<revision>\".
      "CREATE TABLE connectors ("
      "  id TEXT PRIMARY KEY NOT NULL,"
      "  body TEXT NOT NULL,"
      "  revision INTEGER NOT NULL"
      ") WITHOUT ROWID;"
      // 'revision': the store-wide revision of the last write.
      "CREATE TABLE meta ("
      "  key TEXT PRIMARY KEY NOT NULL,"
      "  value INTEGER NOT NULL"
      ") WITHOUT ROWID;"
      "INSERT INTO meta (key, value) VALUES ('revision', 0);"
      "PRAGMA application_id = ",
      kApplicationId,
      ";"
      "PRAGMA user_version = ",
      SqliteConnectorStore::kSchemaVersion,
      ";"
      "COMMIT;");
  char* message = nullptr;
  const int rc =
      sqlite3_exec(writer.db(), script.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = absl::FailedPreconditionError(absl::StrCat(
      "cannot open SQLite store \"", writer.path(), "\": creating the schema: ",
      message != nullptr ? message : sqlite3_errstr(rc)));
  sqlite3_free(message);
  if (writer.InTransaction()) {
    sqlite3_exec(writer.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return status;
}

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

// Whether the last run closed the file cleanly (meta 'clean_shutdown' is 1);
// false when the key is missing or cannot be read.
bool MarkedCleanlyClosed(Connection& connection) {
  absl::StatusOr<std::int64_t> clean = connection.QueryInt(
      "SELECT ifnull((SELECT value FROM meta WHERE key = 'clean_shutdown'), 0)",
      "reading the clean close mark");
  return clean.ok() && *clean == 1;
}

// Reads the revision counter and removes the clean close mark, in one
// transaction. `trust_counter`: the file is as a clean close left it, so the
// stored counter is the last revision; otherwise every row is scanned too,
// so that a damaged counter can never bring an etag back.
absl::StatusOr<std::uint64_t> BeginServing(Connection& writer,
                                           bool trust_counter) {
  if (absl::Status s = writer.Execute("BEGIN IMMEDIATE",
                                      "starting the start-up transaction");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::int64_t> revision =
      trust_counter
          ? writer.QueryInt(
                "SELECT ifnull((SELECT value FROM meta WHERE key = "
                "'revision'), 0)",
                "reading the revision counter")
          : writer.QueryInt(
                "SELECT max(ifnull((SELECT value FROM meta WHERE key = "
                "'revision'), 0),"
                "           ifnull((SELECT max(revision) FROM connectors), 0))",
                "reading the revision counter");
  absl::Status status = revision.status();
  if (status.ok()) {
    status = writer.Execute("DELETE FROM meta WHERE key = 'clean_shutdown'",
                            "clearing the clean close mark");
  }
  if (status.ok()) status = writer.Execute("COMMIT", "committing the start-up");
  if (!status.ok()) {
    if (writer.InTransaction()) writer.Execute("ROLLBACK").IgnoreError();
    return status;
  }
  return static_cast<std::uint64_t>(*revision);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteConnectorStore>>
SqliteConnectorStore::Open(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int lock_fd =
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return Refuse(path, absl::StrCat("cannot create lock file \"", lock_path,
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
    return Refuse(path, absl::StrCat("cannot lock \"", lock_path,
                                     "\": ", ErrnoMessage(error)));
  }
  // What the last clean close left; from now on the file may change. The
  // mark in meta, cleared below, is what makes this safe should the
  // truncation be lost in a crash.
  const std::string clean_close_stamp = ReadCleanCloseStamp(lock_fd);
  if (!clean_close_stamp.empty() && ::ftruncate(lock_fd, 0) != 0) {
    return Refuse(path, absl::StrCat("cannot write lock file \"", lock_path,
                                     "\": ", ErrnoMessage(errno)));
  }

  // Validate an existing file through a read-only connection first, so that
  // a file that is not ours, or is damaged, is never written to.
  bool as_cleanly_closed = false;
  struct stat file_status;
  if (::stat(path.c_str(), &file_status) == 0) {
    if (!S_ISREG(file_status.st_mode)) {
      return Refuse(path, "it is not a regular file");
    }
    if (file_status.st_size > 0) {
      absl::StatusOr<std::unique_ptr<Connection>> reader =
          Connection::Open(path, /*read_only=*/true);
      if (!reader.ok()) return Refuse(reader.status());
      // The full check reads every page. It is skipped only for a file that
      // nothing has written since this store closed it cleanly: same inode,
      // size and times as stamped at that close, no log to replay, and the
      // mark in meta.
      const std::optional<std::string> stamp = FileStamp(file_status);
      as_cleanly_closed = stamp.has_value() && *stamp == clean_close_stamp &&
                          !HasWalFrames(path) && MarkedCleanlyClosed(**reader);
      if (!as_cleanly_closed) {
        if (absl::Status integrity = CheckIntegrity(**reader);
            !integrity.ok()) {
          return Refuse(integrity);
        }
      }
      if (absl::StatusOr<int> version = SchemaVersion(**reader);
          !version.ok()) {
        return absl::IsFailedPrecondition(version.status())
                   ? version.status()
                   : Refuse(version.status());
      }
    }
  } else if (errno != ENOENT) {
    return Refuse(path, ErrnoMessage(errno));
  }

  absl::StatusOr<std::unique_ptr<Connection>> writer =
      Connection::Open(path, /*read_only=*/false);
  if (!writer.ok()) return Refuse(writer.status());
  Connection& connection = **writer;
  // Checked again on the writing connection: the file may have been created
  // or emptied since (we hold the lock, but not every writer takes it).
  absl::StatusOr<int> version = SchemaVersion(connection);
  if (!version.ok()) {
    return absl::IsFailedPrecondition(version.status())
               ? version.status()
               : Refuse(version.status());
  }
  absl::StatusOr<std::string> journal_mode =
      connection.QueryText("PRAGMA journal_mode = WAL", "switching to WAL");
  if (!journal_mode.ok()) return Refuse(journal_mode.status());
  if (*journal_mode != "wal") {
    return Refuse(path, absl::StrCat("cannot switch it to WAL mode (journal "
                                     "mode stays \"",
                                     *journal_mode, "\")"));
  }
  // A commit returns only once the WAL is synced: acknowledged means durable.
  if (absl::Status s = connection.Execute("PRAGMA synchronous = FULL");
      !s.ok()) {
    return Refuse(s);
  }
  if (*version == 0) {
    if (absl::Status s = CreateSchema(connection); !s.ok()) return s;
  }
  absl::StatusOr<std::uint64_t> revision =
      BeginServing(connection, as_cleanly_closed);
  if (!revision.ok()) return Refuse(revision.status());

  return std::unique_ptr<SqliteConnectorStore>(new SqliteConnectorStore(
      path, lock.Release(), *std::move(writer), *revision));
}

SqliteConnectorStore::SqliteConnectorStore(std::string path, int lock_fd,
                                           std::unique_ptr<Connection> writer,
                                           std::uint64_t revision)
    : path_(std::move(path)),
      lock_fd_(lock_fd),
      writer_(std::move(writer)),
      writer_revision_(revision) {
  for (int i = 0; i < kAnswerThreads; ++i) {
    answer_threads_.emplace_back([this] { RunAnswerer(); });
  }
  writer_thread_ = std::thread([this] { RunWriter(); });
}

SqliteConnectorStore::~SqliteConnectorStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // The writer stops once no write is queued and every callback has
  // returned; the answer threads follow it.
  writer_thread_.join();
  for (std::thread& thread : answer_threads_) thread.join();
  std::vector<std::unique_ptr<Connection>> readers;
  {
    absl::MutexLock lock(&readers_mu_);
    readers.swap(idle_readers_);
  }
  readers.clear();
  const bool marked = MarkCleanClose();
  // Closing the last connection checkpoints the WAL into the file; the lock
  // is released only after that.
  writer_.reset();
  if (marked) StampCleanClose();
  ::close(lock_fd_);
}

bool SqliteConnectorStore::MarkCleanClose() {
  if (writer_->InTransaction()) {
    if (!writer_->Execute("ROLLBACK").ok()) return false;
  }
  return writer_
      ->Execute(
          "INSERT INTO meta (key, value) VALUES ('clean_shutdown', 1) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          "marking the clean close")
      .ok();
}

void SqliteConnectorStore::StampCleanClose() {
  struct stat file_status;
  // A log left beside the file (another process still has it open) is
  // replayed by the next open: no stamp, so that open checks everything.
  if (::stat(path_.c_str(), &file_status) != 0 || HasWalFrames(path_)) return;
  const std::optional<std::string> stamp = FileStamp(file_status);
  // File times come from a clock that advances in ticks: a change within
  // the tick of the checkpoint would leave the same times.
  if (!stamp.has_value() || !WaitForClockPast(file_status.st_ctim)) return;
  // Open emptied the lock file. A partial stamp never matches: the next
  // open checks everything.
  [[maybe_unused]] const ssize_t written =
      ::pwrite(lock_fd_, stamp->data(), stamp->size(), 0);
}

std::uint64_t SqliteConnectorStore::commit_count() const {
  return commit_count_.load(std::memory_order_relaxed);
}

void SqliteConnectorStore::Get(const CallContext& /*context*/, std::string id,
                               StoreCallback<ndes::v1::NdesConnector> done) {
  absl::StatusOr<ndes::v1::NdesConnector> result;
  absl::StatusOr<std::unique_ptr<Connection>> reader = AcquireReader();
  if (!reader.ok()) {
    result = reader.status();
  } else {
    absl::StatusOr<std::optional<StoredConnector>> stored =
        ReadStored(**reader, id);
    ReleaseReader(*std::move(reader));
    if (!stored.ok()) {
      result = stored.status();
    } else if (!stored->has_value()) {
      result = ConnectorNotFound(id);
    } else {
      result = AnsweredConnector(**stored);
    }
  }
  std::move(done)(std::move(result));
}

void SqliteConnectorStore::List(const CallContext& /*context*/, int page_size,
                                std::string page_token,
                                StoreCallback<ListPage> done) {
  absl::StatusOr<std::string> after =
      DecodePageToken(kPageTokenTag, page_token);
  if (!after.ok()) {
    std::move(done)(after.status());
    return;
  }
  absl::StatusOr<std::unique_ptr<Connection>> reader = AcquireReader();
  if (!reader.ok()) {
    std::move(done)(reader.status());
    return;
  }
  absl::StatusOr<ListPage> result = [&]() -> absl::StatusOr<ListPage> {
    absl::StatusOr<Statement> stmt = (*reader)->Prepare(
        "SELECT id, body, revision FROM connectors WHERE id > ?1 "
        "ORDER BY id LIMIT ?2");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, *after);
    // One row more than the page tells whether another page follows.
    stmt->BindInt64(2, static_cast<std::int64_t>(page_size) + 1);
    ListPage page;
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
      if (static_cast<int>(page.connectors.size()) == page_size) {
        page.next_page_token =
            EncodePageToken(kPageTokenTag, page.connectors.back().id());
        break;
      }
      absl::StatusOr<ndes::v1::NdesConnector> connector =
          ConnectorOfBody(stmt->ColumnText(0), stmt->ColumnText(1));
      if (!connector.ok()) return Damaged(path_, connector.status());
      connector->set_etag(
          EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(2))));
      page.connectors.push_back(*std::move(connector));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return (*reader)->Error(rc, "listing NDES connectors");
    }
    return page;
  }();
  ReleaseReader(*std::move(reader));
  std::move(done)(std::move(result));
}

void SqliteConnectorStore::Create(const CallContext& /*context*/,
                                  ndes::v1::NdesConnector connector,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  if (connector.id().empty()) {
    connector.set_id(translation::GenerateConnectorId());
  }
  Enqueue(std::make_unique<CreateWrite>(std::move(connector), std::move(done)));
}

void SqliteConnectorStore::Update(const CallContext& /*context*/,
                                  UpdateCommand command,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  Enqueue(std::make_unique<UpdateWrite>(std::move(command), std::move(done)));
}

void SqliteConnectorStore::Delete(const CallContext& /*context*/,
                                  std::string id, std::string expected_etag,
                                  StatusCallback done) {
  Enqueue(std::make_unique<DeleteWrite>(std::move(id), std::move(expected_etag),
                                        std::move(done)));
}

void SqliteConnectorStore::Enqueue(std::unique_ptr<PendingWrite> write) {
  {
    absl::MutexLock lock(&mu_);
    if (!writer_stopped_) {
      queue_.push_back(std::move(write));
      return;
    }
  }
  std::move(*write).Answer(absl::UnavailableError(absl::StrCat(
      "SQLite store \"", path_, "\" is shutting down; write not applied")));
}

bool SqliteConnectorStore::WriterHasWork() const {
  // While stopping, a callback still to run may queue a write yet.
  return !queue_.empty() || (stopping_ && answers_pending_ == 0);
}

void SqliteConnectorStore::RunWriter() {
  pthread_setname_np(pthread_self(), "sqlite-writer");
  while (true) {
    std::deque<std::unique_ptr<PendingWrite>> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteConnectorStore::WriterHasWork));
      if (queue_.empty()) {
        // Stopping, every queued write has been answered and no callback
        // is left to queue another.
        writer_stopped_ = true;
        return;
      }
      batch.swap(queue_);
    }
    CommitBatch(std::move(batch));
  }
}

void SqliteConnectorStore::CommitBatch(
    std::deque<std::unique_ptr<PendingWrite>> batch) {
  // The outcome of each write: its own error, or OK while it is applied.
  std::vector<absl::Status> outcomes(batch.size());
  if (writer_->InTransaction()) {
    // A rollback after an earlier failure failed too; retry it, or no batch
    // could ever start again.
    writer_->Execute("ROLLBACK").IgnoreError();
  }
  // A failure that takes every applied write of the batch down with it.
  absl::Status batch_error =
      writer_->Execute("BEGIN IMMEDIATE", "starting a write transaction");
  bool any_applied = false;
  for (std::size_t i = 0; batch_error.ok() && i < batch.size(); ++i) {
    batch_error = writer_->Execute("SAVEPOINT write");
    if (!batch_error.ok()) break;
    absl::Status outcome = batch[i]->Apply(*writer_, &writer_revision_);
    if (outcome.ok()) outcome = writer_->Execute("RELEASE write");
    if (outcome.ok()) {
      any_applied = true;
      continue;
    }
    outcomes[i] = outcome;
    if (!writer_->InTransaction()) {
      // SQLite rolled the whole transaction back: earlier writes are gone.
      batch_error = outcome;
      break;
    }
    batch_error = writer_->Execute("ROLLBACK TO write");
    if (batch_error.ok()) batch_error = writer_->Execute("RELEASE write");
  }
  if (batch_error.ok() && any_applied) {
    absl::StatusOr<Statement> stmt = writer_->Prepare(
        "INSERT INTO meta (key, value) VALUES ('revision', ?1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt.ok()) {
      batch_error = stmt.status();
    } else {
      stmt->BindInt64(1, static_cast<std::int64_t>(writer_revision_));
      if (const int rc = stmt->Step(); rc != SQLITE_DONE) {
        batch_error = writer_->Error(rc, "saving the revision counter");
      }
    }
  }
  if (batch_error.ok() && any_applied) {
    batch_error = writer_->Execute("COMMIT", "committing writes");
    if (batch_error.ok()) {
      commit_count_.fetch_add(1, std::memory_order_relaxed);
      // Every write of the batch shared this commit's sync, including
      // those rolled back to their savepoint: that is what group commit
      // saves.
      observability::Metrics().SqliteCommitted(batch.size());
    }
  }
  if (writer_->InTransaction()) {
    // Nothing to keep (every write failed), or the commit failed.
    // Best-effort: should it fail, the next batch retries it first.
    writer_->Execute("ROLLBACK").IgnoreError();
  }
  if (!batch_error.ok()) {
    for (absl::Status& outcome : outcomes) {
      if (outcome.ok()) outcome = batch_error;
    }
  }
  Answers answers;
  answers.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    answers.emplace_back(std::move(batch[i]), std::move(outcomes[i]));
  }
  HandOff(std::move(answers));
}

void SqliteConnectorStore::HandOff(Answers answers) {
  // One hand-off per batch: the first idle answer thread takes the whole
  // batch. (Splitting it among the threads measured no faster, at one more
  // wake-up per batch.)
  absl::MutexLock lock(&mu_);
  answers_.push_back(std::move(answers));
  ++answers_pending_;
}

bool SqliteConnectorStore::AnswererHasWork() const {
  return !answers_.empty() || writer_stopped_;
}

void SqliteConnectorStore::RunAnswerer() {
  pthread_setname_np(pthread_self(), "sqlite-answer");
  while (true) {
    Answers answers;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteConnectorStore::AnswererHasWork));
      // The writer stops only once every answer has run.
      if (answers_.empty()) return;
      answers = std::move(answers_.front());
      answers_.pop_front();
    }
    for (auto& [write, outcome] : answers) {
      std::move(*write).Answer(std::move(outcome));
    }
    // The writes (and what their callbacks captured) go before the batch
    // counts as answered: the destructor waits for that.
    answers.clear();
    absl::MutexLock lock(&mu_);
    --answers_pending_;
  }
}

absl::StatusOr<std::unique_ptr<Connection>>
SqliteConnectorStore::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  return Connection::Open(path_, /*read_only=*/true);
}

void SqliteConnectorStore::ReleaseReader(std::unique_ptr<Connection> reader) {
  {
    absl::MutexLock lock(&readers_mu_);
    if (idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(std::move(reader));
      return;
    }
  }
  // Closed here, outside the lock.
}

}  // namespace ndes::store
