#include "store/sqlite_connector_rows.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "store/page_budget.h"
#include "store/page_token.h"

namespace ndes::store::sqlite_internal {
namespace {

// A damaged stored body (INTERNAL from ConnectorOfBody), naming the file.
absl::Status Damaged(absl::string_view path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("SQLite store \"", path,
                                                  "\": ", status.message()));
}

}  // namespace

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

absl::StatusOr<ListPage> ReadPage(Connection& connection,
                                  absl::string_view after, int page_size,
                                  std::size_t max_bytes,
                                  absl::string_view page_token_tag) {
  absl::StatusOr<Statement> stmt = connection.Prepare(
      "SELECT id, body, revision FROM connectors WHERE id > ?1 "
      "ORDER BY id LIMIT ?2");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, after);
  // One row more than the page tells whether another page follows.
  stmt->BindInt64(2, static_cast<std::int64_t>(page_size) + 1);
  ListPage page;
  PageBudget budget(page_size, max_bytes);
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    if (budget.full()) {
      page.next_page_token =
          EncodePageToken(page_token_tag, page.connectors.back().id());
      break;
    }
    absl::StatusOr<ndes::v1::NdesConnector> connector =
        ConnectorOfBody(stmt->ColumnText(0), stmt->ColumnText(1));
    if (!connector.ok()) return Damaged(connection.path(), connector.status());
    connector->set_etag(
        EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(2))));
    if (!budget.Fits(*connector)) {
      page.next_page_token =
          EncodePageToken(page_token_tag, page.connectors.back().id());
      break;
    }
    page.connectors.push_back(*std::move(connector));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return connection.Error(rc, "listing NDES connectors");
  }
  return page;
}

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

}  // namespace ndes::store::sqlite_internal
