#include "store/postgres_schema.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres_connection.h"
#include "store/postgres_connector_store.h"

namespace ndes::store::postgres_internal {
namespace {

// The key of the advisory lock that serializes schema creation: "NDES".
constexpr absl::string_view kSchemaLockKey = "1313097043";

absl::Status RefuseSchema(const ConnectSettings& settings,
                          absl::string_view reason) {
  return absl::FailedPreconditionError(
      settings.Scrub(absl::StrCat("cannot use PostgreSQL store \"",
                                  *settings.redacted_uri, "\": ", reason)));
}

}  // namespace

absl::Status EnsureSchema(Connection& connection) {
  absl::Status status =
      InTransaction<bool>(
          connection, absl::InfiniteFuture(),
          [&]() -> absl::StatusOr<bool> {
            absl::StatusOr<ResultPtr> locked =
                connection.Exec("locking the schema",
                                "SELECT pg_advisory_xact_lock($1::bigint)",
                                {std::string(kSchemaLockKey)});
            if (!locked.ok()) return locked.status();
            absl::StatusOr<ResultPtr> found = connection.Exec(
                "reading the schema",
                "SELECT to_regclass('ndes_schema_version') IS NOT NULL");
            if (!found.ok()) return found.status();
            if (Value(*found, 0, 0) == "t") {
              absl::StatusOr<ResultPtr> version = connection.Exec(
                  "reading the schema",
                  "SELECT max(version) FROM ndes_schema_version");
              if (!version.ok()) return version.status();
              int stored = 0;
              if (!absl::SimpleAtoi(Value(*version, 0, 0), &stored) ||
                  stored < 1) {
                return RefuseSchema(
                    connection.settings(),
                    "its table ndes_schema_version holds no valid "
                    "version; the schema is damaged");
              }
              if (stored > PostgresConnectorStore::kSchemaVersion) {
                return RefuseSchema(
                    connection.settings(),
                    absl::StrCat(
                        "its schema version is ", stored,
                        ", newer than version ",
                        PostgresConnectorStore::kSchemaVersion,
                        " that this ndes-gateway supports; run a newer "
                        "ndes-gateway"));
              }
              return true;
            }
            absl::Status created = connection.ExecScript(
                "creating the schema",
                absl::StrCat(
                    "CREATE SEQUENCE ndes_revision AS bigint;"
                    // body: the Graph representation without "@odata.etag";
                    // the etag is W/\"<revision>\".
                    "CREATE TABLE ndes_connectors ("
                    "  id text COLLATE \"C\" PRIMARY KEY,"
                    "  body text NOT NULL,"
                    "  revision bigint NOT NULL"
                    ");"
                    "CREATE TABLE ndes_schema_version ("
                    "  singleton boolean PRIMARY KEY DEFAULT true "
                    "    CHECK (singleton),"
                    "  version integer NOT NULL"
                    ");"
                    "INSERT INTO ndes_schema_version (version) VALUES (",
                    PostgresConnectorStore::kSchemaVersion, ");"));
            if (!created.ok()) return created;
            return true;
          })
          .status();
  if (status.ok() || absl::IsUnavailable(status) ||
      absl::IsFailedPrecondition(status)) {
    return status;
  }
  // E.g. no permission to create tables: waiting will not fix it.
  return absl::FailedPreconditionError(
      absl::StrCat("cannot set up the schema: ", status.message()));
}

}  // namespace ndes::store::postgres_internal
