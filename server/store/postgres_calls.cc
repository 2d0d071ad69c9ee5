#include "store/postgres_calls.h"

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/query_page_reader.h"
#include "store/stored_connector.h"

namespace ndes::store::postgres_internal {
namespace {

// Rounds of SELECT FOR UPDATE / INSERT an upsert tries while other writers
// keep creating and deleting the same id under it.
constexpr int kUpsertRounds = 3;

// The stored form of a row's body and revision; INTERNAL when damaged.
absl::StatusOr<StoredConnector> StoredOfRow(const Connection& connection,
                                            absl::string_view id,
                                            absl::string_view body,
                                            absl::string_view revision_text) {
  std::uint64_t revision = 0;
  if (!absl::SimpleAtoi(revision_text, &revision)) {
    return connection.settings().Error(
        absl::StatusCode::kInternal,
        absl::StrCat("reading NDES connector \"", id, "\""),
        absl::StrCat("its revision \"", revision_text, "\" is not a number"));
  }
  absl::StatusOr<ndes::v1::NdesConnector> connector = ConnectorOfBody(id, body);
  if (!connector.ok()) return connector.status();
  return StoredConnector{*std::move(connector), EtagForRevision(revision)};
}

// What is stored under `id`, locked until the transaction ends when
// `for_update`; nullopt when missing.
absl::StatusOr<std::optional<StoredConnector>> ReadStored(
    Connection& connection, const std::string& id, bool for_update) {
  absl::StatusOr<ResultPtr> result = connection.Exec(
      absl::StrCat("reading NDES connector \"", id, "\""),
      for_update ? "SELECT body, revision FROM ndes_connectors "
                   "WHERE id = $1 FOR UPDATE"
                 : "SELECT body, revision FROM ndes_connectors WHERE id = $1",
      {id});
  if (!result.ok()) return result.status();
  if (PQntuples(result->get()) == 0) return std::nullopt;
  return StoredOfRow(connection, id, Value(*result, 0, 0),
                     Value(*result, 0, 1));
}

// Writes `connector` as the new version of its id (an UPDATE when `exists`,
// else an INSERT). Answers the connector as stored, or nullopt when the
// INSERT met a row another writer created meanwhile.
absl::StatusOr<std::optional<ndes::v1::NdesConnector>> WriteConnector(
    Connection& connection, ndes::v1::NdesConnector connector, bool exists) {
  const std::string& id = connector.id();
  absl::StatusOr<ResultPtr> result = connection.Exec(
      absl::StrCat("writing NDES connector \"", id, "\""),
      exists ? "UPDATE ndes_connectors SET body = $2, "
               "revision = nextval('ndes_revision') WHERE id = $1 "
               "RETURNING revision"
             : "INSERT INTO ndes_connectors (id, body, revision) "
               "VALUES ($1, $2, nextval('ndes_revision')) "
               "ON CONFLICT (id) DO NOTHING RETURNING revision",
      {id, StoredBodyOf(connector)});
  if (!result.ok()) return result.status();
  if (PQntuples(result->get()) == 0) return std::nullopt;
  std::uint64_t revision = 0;
  if (!absl::SimpleAtoi(Value(*result, 0, 0), &revision)) {
    return absl::InternalError("the revision sequence answered no number");
  }
  connector.set_etag(EtagForRevision(revision));
  return std::optional<ndes::v1::NdesConnector>(std::move(connector));
}

}  // namespace

absl::StatusOr<ndes::v1::NdesConnector> GetConnector(Connection& connection,
                                                     const std::string& id) {
  absl::StatusOr<std::optional<StoredConnector>> stored =
      ReadStored(connection, id, /*for_update=*/false);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return ConnectorNotFound(id);
  return AnsweredConnector(**stored);
}

absl::StatusOr<ListPage> ListConnectors(Connection& connection,
                                        const ListQuery& query,
                                        const ListPosition& position,
                                        std::size_t max_page_bytes,
                                        absl::string_view page_token_tag) {
  return ReadQueryPage(
      page_token_tag, query, position, max_page_bytes,
      [&connection](absl::string_view after, int limit)
          -> absl::StatusOr<std::vector<ndes::v1::NdesConnector>> {
        absl::StatusOr<ResultPtr> result = connection.Exec(
            "listing NDES connectors",
            "SELECT id, body, revision FROM ndes_connectors WHERE id > $1 "
            "ORDER BY id LIMIT $2",
            {std::string(after), absl::StrCat(limit)});
        if (!result.ok()) return result.status();
        std::vector<ndes::v1::NdesConnector> rows;
        const int count = PQntuples(result->get());
        rows.reserve(static_cast<std::size_t>(count));
        for (int row = 0; row < count; ++row) {
          absl::StatusOr<StoredConnector> stored =
              StoredOfRow(connection, Value(*result, row, 0),
                          Value(*result, row, 1), Value(*result, row, 2));
          if (!stored.ok()) return stored.status();
          rows.push_back(AnsweredConnector(*stored));
        }
        return rows;
      });
}

absl::StatusOr<ndes::v1::NdesConnector> CreateConnector(
    Connection& connection, absl::Time deadline,
    const ndes::v1::NdesConnector& connector) {
  return InTransaction<ndes::v1::NdesConnector>(
      connection, deadline, [&]() -> absl::StatusOr<ndes::v1::NdesConnector> {
        absl::StatusOr<std::optional<ndes::v1::NdesConnector>> stored =
            WriteConnector(connection, connector, /*exists=*/false);
        if (!stored.ok()) return stored.status();
        if (!stored->has_value()) {
          return ConnectorAlreadyExists(connector.id());
        }
        return **std::move(stored);
      });
}

absl::StatusOr<ndes::v1::NdesConnector> UpdateConnector(
    Connection& connection, absl::Time deadline, const UpdateCommand& command) {
  return InTransaction<ndes::v1::NdesConnector>(
      connection, deadline, [&]() -> absl::StatusOr<ndes::v1::NdesConnector> {
        for (int round = 0; round < kUpsertRounds; ++round) {
          // The row lock makes the etag check and the write one step for
          // every replica.
          absl::StatusOr<std::optional<StoredConnector>> current =
              ReadStored(connection, command.id, /*for_update=*/true);
          if (!current.ok()) return current.status();
          absl::StatusOr<ndes::v1::NdesConnector> next =
              NextConnectorForUpdate(*current, command);
          if (!next.ok()) return next.status();
          absl::StatusOr<std::optional<ndes::v1::NdesConnector>> stored =
              WriteConnector(connection, *std::move(next),
                             /*exists=*/current->has_value());
          if (!stored.ok()) return stored.status();
          if (stored->has_value()) return **std::move(stored);
          // Created by another writer since the SELECT found nothing:
          // read it again, locked this time.
        }
        return absl::UnavailableError(absl::StrCat(
            "NDES connector \"", command.id,
            "\" kept being created and deleted by other writers; retry"));
      });
}

absl::StatusOr<std::monostate> DeleteConnector(
    Connection& connection, absl::Time deadline, const std::string& id,
    const std::string& expected_etag) {
  return InTransaction<std::monostate>(
      connection, deadline, [&]() -> absl::StatusOr<std::monostate> {
        absl::StatusOr<ResultPtr> current = connection.Exec(
            absl::StrCat("reading NDES connector \"", id, "\""),
            "SELECT revision FROM ndes_connectors WHERE id = $1 FOR UPDATE",
            {id});
        if (!current.ok()) return current.status();
        std::optional<std::string> etag;
        if (PQntuples(current->get()) != 0) {
          std::uint64_t revision = 0;
          if (!absl::SimpleAtoi(Value(*current, 0, 0), &revision)) {
            return absl::InternalError(
                absl::StrCat("stored NDES connector \"", id,
                             "\" is damaged: its revision is not a number"));
          }
          etag = EtagForRevision(revision);
        }
        absl::Status allowed = CheckDelete(id, etag, expected_etag);
        if (!allowed.ok()) return allowed;
        absl::StatusOr<ResultPtr> deleted = connection.Exec(
            absl::StrCat("deleting NDES connector \"", id, "\""),
            "DELETE FROM ndes_connectors WHERE id = $1", {id});
        if (!deleted.ok()) return deleted.status();
        return std::monostate();
      });
}

}  // namespace ndes::store::postgres_internal
