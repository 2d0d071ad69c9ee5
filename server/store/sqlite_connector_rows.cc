#include "store/sqlite_connector_rows.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ndes::store::sqlite_internal {
namespace {

// A damaged stored body (INTERNAL from DecodeBody), naming the file.
absl::Status Damaged(absl::string_view path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("SQLite store \"", path,
                                                  "\": ", status.message()));
}

// The form of the body in `column` of the current row: a schema 1 body is
// TEXT, a schema 2 body a BLOB.
BodyForm FormOf(Statement& stmt, int column) {
  return stmt.ColumnType(column) == SQLITE_TEXT ? BodyForm::kGraphJson
                                                : BodyForm::kProtobuf;
}

// The connector in the body column `column` of the current row of `id`.
absl::StatusOr<ndes::v1::NdesConnector> DecodeColumn(
    const Connection& connection, absl::string_view id, Statement& stmt,
    int column) {
  const BodyForm form = FormOf(stmt, column);
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      DecodeBody(id, stmt.ColumnBytes(column), form);
  if (!connector.ok()) return Damaged(connection.path(), connector.status());
  return connector;
}

constexpr char kSelectRow[] =
    "SELECT body, revision FROM connectors WHERE id = ?1";

// The row of `id`: the statement stepped onto it, or nullopt when no row has
// that id.
absl::StatusOr<std::optional<Statement>> SelectRow(Connection& connection,
                                                   absl::string_view id) {
  absl::StatusOr<Statement> stmt = connection.Prepare(kSelectRow);
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  const int rc = stmt->Step();
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) {
    return connection.Error(
        rc, absl::StrCat("reading NDES connector \"", id, "\""));
  }
  return std::optional<Statement>(*std::move(stmt));
}

}  // namespace

absl::StatusOr<std::optional<StoredRow>> ReadRow(Connection& connection,
                                                 absl::string_view id) {
  absl::StatusOr<std::optional<Statement>> stmt = SelectRow(connection, id);
  if (!stmt.ok()) return stmt.status();
  if (!stmt->has_value()) return std::nullopt;
  Statement& row = **stmt;
  const BodyForm form = FormOf(row, 0);
  return StoredRow{std::string(row.ColumnBytes(0)), form,
                   static_cast<std::uint64_t>(row.ColumnInt64(1))};
}

absl::StatusOr<ndes::v1::NdesConnector> DecodeRow(const Connection& connection,
                                                  absl::string_view id,
                                                  const StoredRow& row) {
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      DecodeBody(id, row.body, row.form);
  if (!connector.ok()) return Damaged(connection.path(), connector.status());
  return connector;
}

absl::StatusOr<std::optional<StoredConnector>> ReadStored(
    Connection& connection, absl::string_view id) {
  absl::StatusOr<std::optional<Statement>> stmt = SelectRow(connection, id);
  if (!stmt.ok()) return stmt.status();
  if (!stmt->has_value()) return std::nullopt;
  Statement& row = **stmt;
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      DecodeColumn(connection, id, row, 0);
  if (!connector.ok()) return connector.status();
  return StoredConnector{
      *std::move(connector),
      EtagForRevision(static_cast<std::uint64_t>(row.ColumnInt64(1)))};
}

absl::StatusOr<std::vector<ndes::v1::NdesConnector>> ReadRowsAfter(
    Connection& connection, absl::string_view after, int limit) {
  absl::StatusOr<Statement> stmt = connection.Prepare(
      "SELECT id, body, revision FROM connectors WHERE id > ?1 "
      "ORDER BY id LIMIT ?2");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, after);
  stmt->BindInt64(2, limit);
  std::vector<ndes::v1::NdesConnector> rows;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    absl::StatusOr<ndes::v1::NdesConnector> connector =
        DecodeColumn(connection, stmt->ColumnText(0), *stmt, 1);
    if (!connector.ok()) return connector.status();
    connector->set_etag(
        EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(2))));
    rows.push_back(*std::move(connector));
  }
  if (rc != SQLITE_DONE) {
    return connection.Error(rc, "listing NDES connectors");
  }
  return rows;
}

absl::Status PutRow(Connection& writer,
                    const ndes::v1::NdesConnector& connector,
                    std::uint64_t revision) {
  const std::string& id = connector.id();
  absl::StatusOr<Statement> stmt = writer.Prepare(
      "INSERT INTO connectors (id, body, revision) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (id) DO UPDATE SET body = excluded.body, "
      "revision = excluded.revision");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  stmt->BindBlob(2, EncodeBody(connector));
  stmt->BindInt64(3, static_cast<std::int64_t>(revision));
  const int rc = stmt->Step();
  if (rc != SQLITE_DONE) {
    return writer.Error(rc,
                        absl::StrCat("writing NDES connector \"", id, "\""));
  }
  return absl::OkStatus();
}

absl::Status DeleteRow(Connection& writer, absl::string_view id) {
  absl::StatusOr<Statement> stmt =
      writer.Prepare("DELETE FROM connectors WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  const int rc = stmt->Step();
  if (rc != SQLITE_DONE) {
    return writer.Error(rc,
                        absl::StrCat("deleting NDES connector \"", id, "\""));
  }
  return absl::OkStatus();
}

}  // namespace ndes::store::sqlite_internal
