#include "store/postgres_connector_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "store/page_token.h"
#include "store/stored_connector.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

constexpr absl::string_view kPageTokenTag = "postgres";
// The key of the advisory lock that serializes schema creation: "NDES".
constexpr absl::string_view kSchemaLockKey = "1313097043";
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
// How often queued calls are checked for passed deadlines, and the
// availability for a reconnection attempt.
constexpr absl::Duration kMaintenanceTick = absl::Milliseconds(50);
// How often idle connections are checked for having been closed by the
// server.
constexpr absl::Duration kIdleProbeInterval = absl::Seconds(1);
// Rounds of SELECT FOR UPDATE / INSERT an upsert tries while other writers
// keep creating and deleting the same id under it.
constexpr int kUpsertRounds = 3;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Notices (e.g. from CREATE ... IF NOT EXISTS) would go to stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

// Failures that a retry may not meet: connection trouble, a server shutting
// down or out of resources, serialization failures, a cancelled or timed
// out statement, lock timeouts, a read-only (standby) server.
bool IsTransientSqlState(absl::string_view state) {
  return absl::StartsWith(state, "08") || absl::StartsWith(state, "53") ||
         state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "57014" || state == "40001" || state == "40P01" ||
         state == "55P03" || state == "25006";
}

std::string Trimmed(const char* message) {
  return std::string(
      absl::StripAsciiWhitespace(message != nullptr ? message : ""));
}

// `message` with every secret replaced by "***".
std::string ScrubSecrets(std::string message,
                         std::vector<std::string> secrets) {
  // Longest first, so that a secret containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  for (const std::string& secret : secrets) {
    absl::StrReplaceAll({{secret, "***"}}, &message);
  }
  return message;
}

}  // namespace

namespace {

// The user info of `rest` (a URI after "scheme://"): what precedes its last
// '@', unless that '@' is in the query or the fragment.
std::optional<absl::string_view> UserInfoOf(absl::string_view rest) {
  const std::size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view user_info = rest.substr(0, at);
  if (user_info.find_first_of("?#") != absl::string_view::npos) {
    return std::nullopt;
  }
  return user_info;
}

}  // namespace

std::string RedactConnectionUri(absl::string_view uri) {
  absl::string_view rest = uri;
  std::string scheme;
  for (absl::string_view prefix : {"postgresql://", "postgres://"}) {
    if (absl::StartsWithIgnoreCase(rest, prefix)) {
      scheme = std::string(rest.substr(0, prefix.size()));
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  if (scheme.empty()) {
    return absl::StrContains(absl::AsciiStrToLower(uri), "password")
               ? "***"
               : std::string(uri);
  }
  // The user info ends at the URI's last '@' (a password may hold an
  // unencoded '/', which libpq would not parse, but which must not leak
  // either), unless that '@' sits in the query or fragment.
  std::string redacted = scheme;
  absl::string_view after_user = rest;
  if (std::optional<absl::string_view> user_info = UserInfoOf(rest)) {
    if (const std::size_t colon = user_info->find(':');
        colon != absl::string_view::npos) {
      absl::StrAppend(&redacted, user_info->substr(0, colon), ":***@");
    } else {
      absl::StrAppend(&redacted, *user_info, "@");
    }
    after_user = rest.substr(user_info->size() + 1);
  }
  const std::size_t authority_end = after_user.find_first_of("/?#");
  absl::StrAppend(&redacted, after_user.substr(0, authority_end));
  const absl::string_view tail = authority_end == absl::string_view::npos
                                     ? absl::string_view()
                                     : after_user.substr(authority_end);
  const std::size_t query_start = tail.find('?');
  absl::StrAppend(&redacted, tail.substr(0, query_start));
  if (query_start == absl::string_view::npos) return redacted;
  absl::string_view query = tail.substr(query_start + 1);
  std::string fragment;
  if (const std::size_t hash = query.find('#');
      hash != absl::string_view::npos) {
    fragment = std::string(query.substr(hash));
    query = query.substr(0, hash);
  }
  std::vector<std::string> parameters;
  for (absl::string_view parameter : absl::StrSplit(query, '&')) {
    absl::string_view key = parameter.substr(0, parameter.find('='));
    if (absl::EqualsIgnoreCase(key, "password")) {
      parameters.push_back(absl::StrCat(key, "=***"));
    } else {
      parameters.emplace_back(parameter);
    }
  }
  absl::StrAppend(&redacted, "?", absl::StrJoin(parameters, "&"), fragment);
  return redacted;
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the PostgreSQL password file \"", path,
        "\": ", std::error_code(errno, std::generic_category()).message()));
  }
  std::string password((std::istreambuf_iterator<char>(file)),
                       std::istreambuf_iterator<char>());
  if (file.bad()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the PostgreSQL password file \"", path, "\""));
  }
  if (absl::EndsWith(password, "\n")) password.pop_back();
  if (absl::EndsWith(password, "\r")) password.pop_back();
  if (password.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the PostgreSQL password file \"", path, "\" is empty"));
  }
  return password;
}

namespace postgres_internal {

// What every connection of a store is opened with.
struct ConnectSettings {
  const PostgresStoreOptions* options;
  const std::string* redacted_uri;
  const std::vector<std::string>* secrets;

  std::string Scrub(std::string message) const {
    return ScrubSecrets(std::move(message), *secrets);
  }

  absl::Status Error(absl::StatusCode code, absl::string_view what,
                     absl::string_view reason) const {
    return absl::Status(code,
                        Scrub(absl::StrCat("PostgreSQL store \"", *redacted_uri,
                                           "\": ", what, ": ", reason)));
  }
};

// One libpq connection, used by one thread at a time. Remembers whether it
// broke and whether a COMMIT was lost with it.
class Connection {
 public:
  // UNAVAILABLE, with libpq's reason, when no connection can be made.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectSettings& settings) {
    const PostgresStoreOptions& options = *settings.options;
    const std::string connect_timeout = absl::StrCat(std::max<std::int64_t>(
        1, absl::ToInt64Seconds(options.connect_timeout)));
    // Keywords before "dbname" are defaults the URI may override; those
    // after it override the URI.
    // A database host that vanishes without closing the connection would
    // leave a call waiting for TCP's own timeout (many minutes): keepalives
    // and tcp_user_timeout give up after about 30 s.
    std::vector<const char*> keywords = {
        "connect_timeout",     "application_name",
        "keepalives",          "keepalives_idle",
        "keepalives_interval", "keepalives_count",
        "tcp_user_timeout",    "dbname"};
    std::vector<const char*> values = {
        connect_timeout.c_str(), "ndes-gateway", "1", "10", "5", "3", "30000",
        options.uri.c_str()};
    if (!options.password.empty()) {
      keywords.push_back("password");
      values.push_back(options.password.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(keywords.data(), values.data(),
                                     /*expand_dbname=*/1);
    if (conn == nullptr) {
      return settings.Error(absl::StatusCode::kUnavailable, "cannot connect",
                            "out of memory");
    }
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string reason = Trimmed(PQerrorMessage(conn));
      PQfinish(conn);
      return settings.Error(absl::StatusCode::kUnavailable, "cannot connect",
                            reason);
    }
    PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
    return std::unique_ptr<Connection>(new Connection(settings, conn));
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { PQfinish(conn_); }

  // Runs one statement with text parameters ($1, $2, ...). Errors name
  // `what`: UNAVAILABLE when transient (IsTransientSqlState) or the
  // connection broke, INTERNAL otherwise.
  absl::StatusOr<ResultPtr> Exec(absl::string_view what, const char* sql,
                                 const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& param : params) values.push_back(param.c_str());
    return Check(what, PQexecParams(conn_, sql, static_cast<int>(values.size()),
                                    nullptr, values.data(), nullptr, nullptr,
                                    /*resultFormat=*/0));
  }

  // Runs statements without parameters (several, separated by ';').
  absl::Status ExecScript(absl::string_view what, const std::string& sql) {
    return Check(what, PQexec(conn_, sql.c_str())).status();
  }

  // Starts a transaction whose statements give up at `deadline`.
  absl::Status Begin(absl::Time deadline) {
    std::string sql = "BEGIN";
    // Each statement of the transaction may take what is left of the
    // call's time; nobody waits for an answer after that. A deadline
    // beyond a day (gRPC's "none" is year 2262) is none.
    const absl::Duration left = deadline - absl::Now();
    if (left < absl::Hours(24)) {
      absl::StrAppend(
          &sql, "; SET LOCAL statement_timeout = ",
          std::max<std::int64_t>(1, absl::ToInt64Milliseconds(left)));
    }
    return ExecScript("starting a transaction", sql);
  }

  // A COMMIT whose answer is lost with the connection leaves the write in
  // doubt: the message says so.
  absl::Status Commit() {
    absl::StatusOr<ResultPtr> result = Exec("committing", "COMMIT");
    if (result.ok()) {
      // A transaction that failed answers COMMIT with "ROLLBACK".
      if (absl::string_view(PQcmdStatus(result->get())) != "COMMIT") {
        return settings_.Error(absl::StatusCode::kInternal, "committing",
                               "the transaction was rolled back");
      }
      return absl::OkStatus();
    }
    if (!broken_) return result.status();
    commit_in_doubt_ = true;
    return absl::UnavailableError(absl::StrCat(
        result.status().message(),
        "; the connection was lost during COMMIT, so the write may or may "
        "not have been applied: read the connector before retrying"));
  }

  // Best effort: a connection that broke has no transaction left.
  void Rollback() {
    if (!broken_) Exec("rolling back", "ROLLBACK").IgnoreError();
  }

  // Reads what the server sent an idle connection, without waiting: false
  // (and broken) when the server closed it.
  bool Probe() {
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) {
      broken_ = true;
    }
    return !broken_;
  }

  bool broken() const { return broken_; }
  bool commit_in_doubt() const { return commit_in_doubt_; }
  const ConnectSettings& settings() const { return settings_; }

 private:
  Connection(const ConnectSettings& settings, PGconn* conn)
      : settings_(settings), conn_(conn) {}

  absl::StatusOr<ResultPtr> Check(absl::string_view what, PGresult* raw) {
    ResultPtr result(raw, PQclear);
    const ExecStatusType status =
        raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      return result;
    }
    if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
    const char* state =
        raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    std::string reason = Trimmed(
        raw != nullptr ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY)
                       : nullptr);
    if (reason.empty()) reason = Trimmed(PQerrorMessage(conn_));
    if (reason.empty()) reason = PQresStatus(status);
    if (state != nullptr) absl::StrAppend(&reason, " (SQLSTATE ", state, ")");
    const bool transient =
        broken_ || (state != nullptr && IsTransientSqlState(state));
    return settings_.Error(transient ? absl::StatusCode::kUnavailable
                                     : absl::StatusCode::kInternal,
                           what, reason);
  }

  const ConnectSettings settings_;
  PGconn* const conn_;
  bool broken_ = false;
  bool commit_in_doubt_ = false;
};

// A queued call: what to run on a connection, and its callback.
class Job {
 public:
  Job(absl::Time deadline, bool write) : deadline_(deadline), write_(write) {}
  virtual ~Job() = default;

  // Runs the call, keeping its outcome.
  virtual void Run(Connection& connection) = 0;
  // Answers `error` when not OK, else the kept outcome.
  virtual void Answer(absl::Status error) && = 0;

  absl::Time deadline() const { return deadline_; }
  bool write() const { return write_; }

 private:
  const absl::Time deadline_;
  const bool write_;
};

template <typename T>
class CallJob final : public Job {
 public:
  using Body = absl::AnyInvocable<absl::StatusOr<T>(Connection&)>;

  CallJob(absl::Time deadline, bool write, Body body, StoreCallback<T> done)
      : Job(deadline, write), body_(std::move(body)), done_(std::move(done)) {}

  void Run(Connection& connection) override { outcome_ = body_(connection); }

  void Answer(absl::Status error) && override {
    if (error.ok()) {
      std::move(done_)(std::move(outcome_));
    } else {
      std::move(done_)(std::move(error));
    }
  }

 private:
  Body body_;
  StoreCallback<T> done_;
  absl::StatusOr<T> outcome_ = absl::UnknownError("the call was never run");
};

}  // namespace postgres_internal

namespace {

using postgres_internal::CallJob;
using postgres_internal::Connection;
using postgres_internal::ConnectSettings;

absl::string_view Value(const ResultPtr& result, int row, int column) {
  return absl::string_view(PQgetvalue(result.get(), row, column),
                           PQgetlength(result.get(), row, column));
}

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

// Runs `body` in a transaction, committed only when it succeeds.
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

absl::Status RefuseSchema(const ConnectSettings& settings,
                          absl::string_view reason) {
  return absl::FailedPreconditionError(
      settings.Scrub(absl::StrCat("cannot use PostgreSQL store \"",
                                  *settings.redacted_uri, "\": ", reason)));
}

// Finds the schema, or creates it under an advisory lock that makes
// replicas starting together take turns.
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

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresConnectorStore>>
PostgresConnectorStore::Open(PostgresStoreOptions options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the PostgreSQL pool size must be at least 1, not ",
                     options.pool_size));
  }
  if (options.queue_limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the PostgreSQL queue limit must be at least 1, not ",
                     options.queue_limit));
  }
  std::vector<std::string> secrets;
  if (!options.password.empty()) secrets.push_back(options.password);
  // The URI's own password, as written and as libpq decodes it.
  const std::string redacted = RedactConnectionUri(options.uri);
  {
    absl::string_view written = options.uri;
    const std::size_t scheme_end = written.find("://");
    if (scheme_end != absl::string_view::npos) {
      written.remove_prefix(scheme_end + 3);
      if (std::optional<absl::string_view> user_info = UserInfoOf(written)) {
        if (const std::size_t colon = user_info->find(':');
            colon != absl::string_view::npos) {
          std::string raw(user_info->substr(colon + 1));
          if (!raw.empty()) secrets.push_back(std::move(raw));
        }
      }
    }
  }
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.uri.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string reason =
        parse_error != nullptr ? Trimmed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(
        ScrubSecrets(absl::StrCat("invalid PostgreSQL connection URI \"",
                                  redacted, "\": ", reason),
                     secrets));
  }
  for (PQconninfoOption* option = parsed; option->keyword != nullptr;
       ++option) {
    if (absl::string_view(option->keyword) == "password" &&
        option->val != nullptr && option->val[0] != '\0') {
      secrets.emplace_back(option->val);
    }
  }
  PQconninfoFree(parsed);
  std::unique_ptr<PostgresConnectorStore> store(
      new PostgresConnectorStore(std::move(options), std::move(secrets)));
  {
    absl::MutexLock lock(&store->mu_);
    ++store->open_connections_;
  }
  absl::StatusOr<std::unique_ptr<Connection>> first = store->Connect();
  if (first.ok()) {
    store->ReleaseConnection(*std::move(first));
  } else {
    {
      absl::MutexLock lock(&store->mu_);
      --store->open_connections_;
    }
    // Unreachable: start anyway (see the header); anything else is final.
    if (!absl::IsUnavailable(first.status())) return first.status();
  }
  store->StartThreads();
  return store;
}

PostgresConnectorStore::PostgresConnectorStore(PostgresStoreOptions options,
                                               std::vector<std::string> secrets)
    : options_(std::move(options)),
      redacted_uri_(RedactConnectionUri(options_.uri)),
      secrets_(std::move(secrets)) {}

void PostgresConnectorStore::StartThreads() {
  for (int i = 0; i < options_.pool_size; ++i) {
    workers_.emplace_back([this] { RunWorker(); });
  }
  maintenance_ = std::thread([this] { RunMaintenance(); });
}

PostgresConnectorStore::~PostgresConnectorStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
  if (maintenance_.joinable()) maintenance_.join();
  std::deque<std::unique_ptr<Job>> queued;
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    queued.swap(queue_);
    idle.swap(idle_);
  }
  for (std::unique_ptr<Job>& job : queued) {
    std::move(*job).Answer(absl::UnavailableError(
        absl::StrCat("PostgreSQL store \"", redacted_uri_,
                     "\" is shutting down; the call was not run")));
  }
}

bool PostgresConnectorStore::Available() const {
  return available_.load(std::memory_order_relaxed);
}

void PostgresConnectorStore::Get(const CallContext& context, std::string id,
                                 StoreCallback<ndes::v1::NdesConnector> done) {
  Enqueue(std::make_unique<CallJob<ndes::v1::NdesConnector>>(
      context.deadline, /*write=*/false,
      [id = std::move(id)](
          Connection& connection) -> absl::StatusOr<ndes::v1::NdesConnector> {
        absl::StatusOr<std::optional<StoredConnector>> stored =
            ReadStored(connection, id, /*for_update=*/false);
        if (!stored.ok()) return stored.status();
        if (!stored->has_value()) return ConnectorNotFound(id);
        return AnsweredConnector(**stored);
      },
      std::move(done)));
}

void PostgresConnectorStore::List(const CallContext& context, int page_size,
                                  std::string page_token,
                                  StoreCallback<ListPage> done) {
  absl::StatusOr<std::string> after =
      DecodePageToken(kPageTokenTag, page_token);
  if (!after.ok()) {
    std::move(done)(after.status());
    return;
  }
  Enqueue(std::make_unique<CallJob<ListPage>>(
      context.deadline, /*write=*/false,
      [after = *std::move(after),
       page_size](Connection& connection) -> absl::StatusOr<ListPage> {
        // One row more than the page tells whether another page follows.
        absl::StatusOr<ResultPtr> result = connection.Exec(
            "listing NDES connectors",
            "SELECT id, body, revision FROM ndes_connectors WHERE id > $1 "
            "ORDER BY id LIMIT $2",
            {after, absl::StrCat(page_size + 1)});
        if (!result.ok()) return result.status();
        ListPage page;
        const int rows = PQntuples(result->get());
        for (int row = 0; row < rows; ++row) {
          if (row == page_size) {
            page.next_page_token =
                EncodePageToken(kPageTokenTag, page.connectors.back().id());
            break;
          }
          const absl::string_view id = Value(*result, row, 0);
          absl::StatusOr<StoredConnector> stored = StoredOfRow(
              connection, id, Value(*result, row, 1), Value(*result, row, 2));
          if (!stored.ok()) return stored.status();
          page.connectors.push_back(AnsweredConnector(*stored));
        }
        return page;
      },
      std::move(done)));
}

void PostgresConnectorStore::Create(
    const CallContext& context, ndes::v1::NdesConnector connector,
    StoreCallback<ndes::v1::NdesConnector> done) {
  if (connector.id().empty()) {
    connector.set_id(translation::GenerateConnectorId());
  }
  const absl::Time deadline = context.deadline;
  Enqueue(std::make_unique<CallJob<ndes::v1::NdesConnector>>(
      deadline, /*write=*/true,
      [connector = std::move(connector), deadline](
          Connection& connection) -> absl::StatusOr<ndes::v1::NdesConnector> {
        return InTransaction<ndes::v1::NdesConnector>(
            connection, deadline,
            [&]() -> absl::StatusOr<ndes::v1::NdesConnector> {
              absl::StatusOr<std::optional<ndes::v1::NdesConnector>> stored =
                  WriteConnector(connection, connector, /*exists=*/false);
              if (!stored.ok()) return stored.status();
              if (!stored->has_value()) {
                return ConnectorAlreadyExists(connector.id());
              }
              return **std::move(stored);
            });
      },
      std::move(done)));
}

void PostgresConnectorStore::Update(
    const CallContext& context, UpdateCommand command,
    StoreCallback<ndes::v1::NdesConnector> done) {
  const absl::Time deadline = context.deadline;
  Enqueue(std::make_unique<CallJob<ndes::v1::NdesConnector>>(
      deadline, /*write=*/true,
      [command = std::move(command), deadline](
          Connection& connection) -> absl::StatusOr<ndes::v1::NdesConnector> {
        return InTransaction<ndes::v1::NdesConnector>(
            connection, deadline,
            [&]() -> absl::StatusOr<ndes::v1::NdesConnector> {
              for (int round = 0; round < kUpsertRounds; ++round) {
                // The row lock makes the etag check and the write one step
                // for every replica.
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
                  "\" kept being created and deleted by other writers; "
                  "retry"));
            });
      },
      std::move(done)));
}

void PostgresConnectorStore::Delete(const CallContext& context, std::string id,
                                    std::string expected_etag,
                                    StatusCallback done) {
  const absl::Time deadline = context.deadline;
  Enqueue(std::make_unique<CallJob<std::monostate>>(
      deadline, /*write=*/true,
      [id = std::move(id), expected_etag = std::move(expected_etag),
       deadline](Connection& connection) -> absl::StatusOr<std::monostate> {
        return InTransaction<std::monostate>(
            connection, deadline, [&]() -> absl::StatusOr<std::monostate> {
              absl::StatusOr<ResultPtr> current = connection.Exec(
                  absl::StrCat("reading NDES connector \"", id, "\""),
                  "SELECT revision FROM ndes_connectors WHERE id = $1 "
                  "FOR UPDATE",
                  {id});
              if (!current.ok()) return current.status();
              std::optional<std::string> etag;
              if (PQntuples(current->get()) != 0) {
                std::uint64_t revision = 0;
                if (!absl::SimpleAtoi(Value(*current, 0, 0), &revision)) {
                  return absl::InternalError(absl::StrCat(
                      "stored NDES connector \"", id,
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
      },
      [done = std::move(done)](absl::StatusOr<std::monostate> outcome) mutable {
        std::move(done)(outcome.status());
      }));
}

void PostgresConnectorStore::Enqueue(std::unique_ptr<Job> job) {
  absl::string_view refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = "is shutting down; the call was not run";
    } else if (queue_.size() >=
               static_cast<std::size_t>(options_.queue_limit)) {
      refusal =
          "has too many calls waiting for a database connection; "
          "retry later";
    } else {
      queue_.push_back(std::move(job));
      return;
    }
  }
  std::move(*job).Answer(absl::UnavailableError(
      absl::StrCat("PostgreSQL store \"", redacted_uri_, "\" ", refusal)));
}

void PostgresConnectorStore::RunWorker() {
  while (true) {
    std::unique_ptr<Job> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &PostgresConnectorStore::WorkerHasWork));
      // What is still queued when stopping is answered by the destructor.
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    RunJob(*job);
  }
}

bool PostgresConnectorStore::WorkerHasWork() const {
  return stopping_ || !queue_.empty();
}

void PostgresConnectorStore::RunJob(Job& job) {
  for (int attempt = 0;; ++attempt) {
    if (absl::Now() > job.deadline()) {
      std::move(job).Answer(absl::UnavailableError(absl::StrCat(
          "PostgreSQL store \"", redacted_uri_,
          "\": the call's deadline passed before a database connection was "
          "free")));
      return;
    }
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        AcquireConnection(/*fresh=*/attempt > 0);
    if (!connection.ok()) {
      std::move(job).Answer(connection.status());
      return;
    }
    job.Run(**connection);
    if (!(*connection)->broken()) {
      ReleaseConnection(*std::move(connection));
      std::move(job).Answer(absl::OkStatus());
      return;
    }
    // A write is run again only when it certainly did not commit: it never
    // sent its COMMIT (a transaction dies with its connection).
    const bool retry =
        attempt == 0 && (!job.write() || !(*connection)->commit_in_doubt());
    DropConnection(*std::move(connection));
    if (!retry) {
      std::move(job).Answer(absl::OkStatus());  // The outcome: UNAVAILABLE.
      return;
    }
  }
}

void PostgresConnectorStore::RunMaintenance() {
  absl::Time next_probe = absl::Now() + kIdleProbeInterval;
  while (true) {
    std::vector<std::unique_ptr<Job>> expired;
    std::vector<std::unique_ptr<Connection>> probed;
    bool reconnect = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kMaintenanceTick);
      if (stopping_) return;
      const absl::Time now = absl::Now();
      for (auto it = queue_.begin(); it != queue_.end();) {
        if ((*it)->deadline() < now) {
          expired.push_back(std::move(*it));
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
      if (now >= next_probe) {
        probed.swap(idle_);
        next_probe = now + kIdleProbeInterval;
      }
      // Unreachable and idle: only this thread notices the database coming
      // back, so that the server can report SERVING again.
      reconnect = !available_.load(std::memory_order_relaxed) &&
                  open_connections_ == 0 && now >= next_connect_;
      if (reconnect) ++open_connections_;
    }
    for (std::unique_ptr<Job>& job : expired) {
      std::move(*job).Answer(absl::UnavailableError(absl::StrCat(
          "PostgreSQL store \"", redacted_uri_,
          "\": the call's deadline passed while it waited for a database "
          "connection")));
    }
    // Idle connections that the server closed (restart, shutdown) are
    // noticed without a call: then a new connection tells whether the
    // database can still be reached, and Available() follows.
    bool lost_idle = false;
    for (std::unique_ptr<Connection>& connection : probed) {
      if (connection->Probe()) {
        ReleaseConnection(std::move(connection));
      } else {
        lost_idle = true;
        connection.reset();
        absl::MutexLock lock(&mu_);
        --open_connections_;
      }
    }
    if (lost_idle && !reconnect) {
      absl::MutexLock lock(&mu_);
      reconnect = absl::Now() >= next_connect_;
      if (reconnect) ++open_connections_;
    }
    if (reconnect) {
      absl::StatusOr<std::unique_ptr<Connection>> connection = Connect();
      if (connection.ok()) {
        ReleaseConnection(*std::move(connection));
      } else {
        absl::MutexLock lock(&mu_);
        --open_connections_;
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<PostgresConnectorStore::Connection>>
PostgresConnectorStore::AcquireConnection(bool fresh) {
  {
    absl::MutexLock lock(&mu_);
    if (!fresh && !idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    if (absl::Now() < next_connect_) return last_connect_error_;
    ++open_connections_;
  }
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connect();
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_connections_;
  }
  return connection;
}

void PostgresConnectorStore::ReleaseConnection(
    std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  // More than the pool's size only when a fresh connection replaced a
  // broken one while idle ones were still counted.
  if (open_connections_ > options_.pool_size) {
    --open_connections_;
    return;  // Closed here.
  }
  idle_.push_back(std::move(connection));
}

void PostgresConnectorStore::DropConnection(
    std::unique_ptr<Connection> connection) {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
    open_connections_ -= 1 + static_cast<int>(idle.size());
  }
  // Closed outside the lock: PQfinish may write to a dead socket.
  connection.reset();
  idle.clear();
}

absl::StatusOr<std::unique_ptr<PostgresConnectorStore::Connection>>
PostgresConnectorStore::Connect() {
  const ConnectSettings settings{&options_, &redacted_uri_, &secrets_};
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(settings);
  if (connection.ok() && !schema_ready_.load()) {
    if (absl::Status schema = EnsureSchema(**connection); schema.ok()) {
      schema_ready_.store(true);
    } else {
      connection = schema;
    }
  }
  absl::MutexLock lock(&mu_);
  if (connection.ok()) {
    available_.store(true, std::memory_order_relaxed);
    backoff_ = kFirstBackoff;
    next_connect_ = absl::InfinitePast();
    last_connect_error_ = absl::OkStatus();
  } else {
    available_.store(false, std::memory_order_relaxed);
    next_connect_ = absl::Now() + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    last_connect_error_ = connection.status();
  }
  return connection;
}

}  // namespace ndes::store
