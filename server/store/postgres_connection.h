// One libpq connection of the PostgreSQL store: how it is opened (the
// connect settings every connection of a store shares), statements and
// transactions on it, and how a failure becomes a status. Internal to
// PostgresConnectorStore (postgres_connector_store.h).
//
// Errors: every status names the store by its redacted URI and contains no
// secret. UNAVAILABLE when the failure is transient (connection trouble, a
// server shutting down or out of resources, serialization failures, a
// cancelled or timed out statement, lock timeouts, a read-only server) or
// the connection broke; INTERNAL otherwise.
//
// Thread-safety: a Connection is used by one thread at a time.
#ifndef NDES_SERVER_STORE_POSTGRES_CONNECTION_H_
#define NDES_SERVER_STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres_connector_store.h"

namespace ndes::store::postgres_internal {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// What every connection of a store is opened with.
struct ConnectSettings {
  const PostgresStoreOptions* options;
  const std::string* redacted_uri;
  const std::vector<std::string>* secrets;

  // `message` without any secret.
  std::string Scrub(std::string message) const;

  // The status `code` of a failure while doing `what`, for `reason`.
  absl::Status Error(absl::StatusCode code, absl::string_view what,
                     absl::string_view reason) const;
};

// One libpq connection, used by one thread at a time. Remembers whether it
// broke and whether a COMMIT was lost with it.
class Connection {
 public:
  // UNAVAILABLE, with libpq's reason, when no connection can be made.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectSettings& settings);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one statement with text parameters ($1, $2, ...). Errors name
  // `what`.
  absl::StatusOr<ResultPtr> Exec(absl::string_view what, const char* sql,
                                 const std::vector<std::string>& params = {});

  // Runs statements without parameters (several, separated by ';').
  absl::Status ExecScript(absl::string_view what, const std::string& sql);

  // Starts a transaction whose statements give up at `deadline`.
  absl::Status Begin(absl::Time deadline);

  // A COMMIT whose answer is lost with the connection leaves the write in
  // doubt: the message says so, and commit_in_doubt() turns true.
  absl::Status Commit();

  // Best effort: a connection that broke has no transaction left.
  void Rollback();

  // Reads what the server sent an idle connection, without waiting: false
  // (and broken) when the server closed it.
  bool Probe();

  bool broken() const { return broken_; }
  bool commit_in_doubt() const { return commit_in_doubt_; }
  const ConnectSettings& settings() const { return settings_; }

 private:
  Connection(const ConnectSettings& settings, PGconn* conn)
      : settings_(settings), conn_(conn) {}

  absl::StatusOr<ResultPtr> Check(absl::string_view what, PGresult* raw);

  const ConnectSettings settings_;
  PGconn* const conn_;
  bool broken_ = false;
  bool commit_in_doubt_ = false;
};

// The text of field `column` of row `row` of `result`.
absl::string_view Value(const ResultPtr& result, int row, int column);

// Runs `body` in a transaction whose statements give up at `deadline`,
// committed only when it succeeds (else rolled back).
template <typename T>
absl::StatusOr<T> InTransaction(Connection& connection, absl::Time deadline,
                                absl::FunctionRef<absl::StatusOr<T>()> body) {
  if (absl::Status begun = connection.Begin(deadline); !begun.ok()) {
    connection.Rollback();
    return begun;
  }
  absl::StatusOr<T> result = body();
  if (!result.ok()) {
    connection.Rollback();
    return result.status();
  }
  if (absl::Status committed = connection.Commit(); !committed.ok()) {
    connection.Rollback();
    return committed;
  }
  return result;
}

}  // namespace ndes::store::postgres_internal

#endif  // NDES_SERVER_STORE_POSTGRES_CONNECTION_H_
