#include "store/sqlite_schema.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "store/sqlite_body.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_connector_store.h"
#include "store/sqlite_lock_file.h"
#include "store/stored_connector.h"

namespace ndes::store::sqlite_internal {
namespace {

// PRAGMA application_id of an ndes-gateway store: "NDES" in ASCII.
constexpr std::int32_t kApplicationId = 0x4e444553;

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
    return RefuseOpen(path,
                      "it is a SQLite database but not an ndes-gateway store "
                      "(PRAGMA application_id does not match)");
  }
  if (*version > SqliteConnectorStore::kSchemaVersion) {
    return RefuseOpen(
        path, absl::StrCat("its schema version is ", *version,
                           ", newer than version ",
                           SqliteConnectorStore::kSchemaVersion,
                           " that this ndes-gateway supports; run a newer "
                           "ndes-gateway"));
  }
  if (*version < 1) {
    return RefuseOpen(path, absl::StrCat("its schema version ", *version,
                                         " is not valid; the file is damaged"));
  }
  return static_cast<int>(*version);
}

// SchemaVersion, with every failure a refusal of Open.
absl::StatusOr<int> CheckedSchemaVersion(Connection& connection) {
  absl::StatusOr<int> version = SchemaVersion(connection);
  if (version.ok() || absl::IsFailedPrecondition(version.status())) {
    return version;
  }
  return RefuseOpen(version.status());
}

absl::Status CreateSchema(Connection& writer) {
  const std::string script = absl::StrCat(
      "BEGIN IMMEDIATE;"
      // body: the connector without etag (sqlite_body.h);
      // revision: the etag is W/\"<revision>\".
      "CREATE TABLE connectors ("
      "  id TEXT PRIMARY KEY NOT NULL,"
      "  body BLOB NOT NULL,"
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

// Converts a version 1 file, whose bodies are Graph JSON, to the current
// version, in one transaction: every body that reads as a connector becomes
// its protobuf encoding; one that does not is left as it is, for reads to
// report as damaged.
absl::Status ConvertFromVersion1(Connection& writer) {
  constexpr int kRowsPerRead = 1000;
  absl::Status status =
      writer.Execute("BEGIN IMMEDIATE", "starting the schema conversion");
  std::string after;
  bool more = status.ok();
  while (more) {
    // A chunk at a time, so that rows are never changed under a running
    // SELECT and memory stays bounded.
    std::vector<std::pair<std::string, std::string>> converted;
    {
      absl::StatusOr<Statement> select = writer.Prepare(
          "SELECT id, body FROM connectors WHERE id > ?1 "
          "AND typeof(body) = 'text' ORDER BY id LIMIT ?2",
          "reading rows to convert");
      if (!select.ok()) {
        status = select.status();
        break;
      }
      select->BindText(1, after);
      select->BindInt64(2, kRowsPerRead);
      int rc;
      int rows = 0;
      while ((rc = select->Step()) == SQLITE_ROW) {
        ++rows;
        const std::string id(select->ColumnText(0));
        after = id;
        absl::StatusOr<ndes::v1::NdesConnector> connector =
            ConnectorOfBody(id, select->ColumnText(1));
        if (connector.ok()) converted.emplace_back(id, EncodeBody(*connector));
      }
      if (rc != SQLITE_DONE) {
        status = writer.Error(rc, "reading rows to convert");
        break;
      }
      more = rows == kRowsPerRead;
    }
    for (const auto& [id, body] : converted) {
      absl::StatusOr<Statement> update = writer.Prepare(
          "UPDATE connectors SET body = ?2 WHERE id = ?1", "converting a row");
      if (!update.ok()) {
        status = update.status();
        break;
      }
      update->BindText(1, id);
      update->BindBlob(2, body);
      if (const int rc = update->Step(); rc != SQLITE_DONE) {
        status = writer.Error(rc, "converting a row");
        break;
      }
    }
    if (!status.ok()) break;
  }
  if (status.ok()) {
    status = writer.Execute(absl::StrCat("PRAGMA user_version = ",
                                         SqliteConnectorStore::kSchemaVersion)
                                .c_str(),
                            "setting the schema version");
  }
  if (status.ok()) {
    status = writer.Execute("COMMIT", "committing the schema conversion");
  }
  if (!status.ok() && writer.InTransaction()) {
    writer.Execute("ROLLBACK").IgnoreError();
  }
  return status;
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

absl::StatusOr<OpenedStoreFile> OpenStoreFile(const std::string& path,
                                              const LockFile& lock) {
  // Validate an existing file through a read-only connection first, so that
  // a file that is not ours, or is damaged, is never written to.
  bool as_cleanly_closed = false;
  struct stat file_status;
  if (::stat(path.c_str(), &file_status) == 0) {
    if (!S_ISREG(file_status.st_mode)) {
      return RefuseOpen(path, "it is not a regular file");
    }
    if (file_status.st_size > 0) {
      absl::StatusOr<std::unique_ptr<Connection>> reader =
          Connection::Open(path, /*read_only=*/true);
      if (!reader.ok()) return RefuseOpen(reader.status());
      // The full check reads every page. It is skipped only for a file that
      // nothing has written since this store closed it cleanly: same inode,
      // size and times as stamped at that close, no log to replay, and the
      // mark in meta.
      as_cleanly_closed = lock.UnchangedSinceCleanClose(file_status) &&
                          MarkedCleanlyClosed(**reader);
      if (!as_cleanly_closed) {
        if (absl::Status integrity = CheckIntegrity(**reader);
            !integrity.ok()) {
          return RefuseOpen(integrity);
        }
      }
      if (absl::StatusOr<int> version = CheckedSchemaVersion(**reader);
          !version.ok()) {
        return version.status();
      }
    }
  } else if (errno != ENOENT) {
    return RefuseOpen(
        path, std::error_code(errno, std::generic_category()).message());
  }

  absl::StatusOr<std::unique_ptr<Connection>> writer =
      Connection::Open(path, /*read_only=*/false);
  if (!writer.ok()) return RefuseOpen(writer.status());
  Connection& connection = **writer;
  // Checked again on the writing connection: the file may have been created
  // or emptied since (we hold the lock, but not every writer takes it).
  absl::StatusOr<int> version = CheckedSchemaVersion(connection);
  if (!version.ok()) return version.status();
  absl::StatusOr<std::string> journal_mode =
      connection.QueryText("PRAGMA journal_mode = WAL", "switching to WAL");
  if (!journal_mode.ok()) return RefuseOpen(journal_mode.status());
  if (*journal_mode != "wal") {
    return RefuseOpen(path, absl::StrCat("cannot switch it to WAL mode "
                                         "(journal mode stays \"",
                                         *journal_mode, "\")"));
  }
  // A commit returns only once the WAL is synced: acknowledged means durable.
  if (absl::Status s = connection.Execute("PRAGMA synchronous = FULL");
      !s.ok()) {
    return RefuseOpen(s);
  }
  if (*version == 0) {
    if (absl::Status s = CreateSchema(connection); !s.ok()) return s;
  } else if (*version == 1) {
    if (absl::Status s = ConvertFromVersion1(connection); !s.ok()) {
      return RefuseOpen(s);
    }
  }
  absl::StatusOr<std::uint64_t> revision =
      BeginServing(connection, as_cleanly_closed);
  if (!revision.ok()) return RefuseOpen(revision.status());
  return OpenedStoreFile{*std::move(writer), *revision};
}

absl::Status SaveRevisionCounter(Connection& writer, std::uint64_t revision) {
  absl::StatusOr<Statement> stmt = writer.Prepare(
      "INSERT INTO meta (key, value) VALUES ('revision', ?1) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt64(1, static_cast<std::int64_t>(revision));
  if (const int rc = stmt->Step(); rc != SQLITE_DONE) {
    return writer.Error(rc, "saving the revision counter");
  }
  return absl::OkStatus();
}

bool MarkCleanClose(Connection& writer) {
  if (writer.InTransaction()) {
    if (!writer.Execute("ROLLBACK").ok()) return false;
  }
  return writer
      .Execute(
          "INSERT INTO meta (key, value) VALUES ('clean_shutdown', 1) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          "marking the clean close")
      .ok();
}

}  // namespace ndes::store::sqlite_internal
