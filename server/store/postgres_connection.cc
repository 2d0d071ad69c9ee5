#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/postgres_uri.h"

namespace ndes::store::postgres_internal {
namespace {

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

}  // namespace

std::string ConnectSettings::Scrub(std::string message) const {
  return ScrubSecrets(std::move(message), *secrets);
}

absl::Status ConnectSettings::Error(absl::StatusCode code,
                                    absl::string_view what,
                                    absl::string_view reason) const {
  return absl::Status(code,
                      Scrub(absl::StrCat("PostgreSQL store \"", *redacted_uri,
                                         "\": ", what, ": ", reason)));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ConnectSettings& settings) {
  const PostgresStoreOptions& options = *settings.options;
  const std::string connect_timeout = absl::StrCat(
      std::max<std::int64_t>(1, absl::ToInt64Seconds(options.connect_timeout)));
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

Connection::~Connection() { PQfinish(conn_); }

absl::StatusOr<ResultPtr> Connection::Exec(
    absl::string_view what, const char* sql,
    const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& param : params) values.push_back(param.c_str());
  return Check(what, PQexecParams(conn_, sql, static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr,
                                  /*resultFormat=*/0));
}

absl::Status Connection::ExecScript(absl::string_view what,
                                    const std::string& sql) {
  return Check(what, PQexec(conn_, sql.c_str())).status();
}

absl::Status Connection::Begin(absl::Time deadline) {
  std::string sql = "BEGIN";
  // Each statement of the transaction may take what is left of the
  // call's time; nobody waits for an answer after that. A deadline
  // beyond a day (gRPC's "none" is year 2262) is none.
  const absl::Duration left = deadline - absl::Now();
  if (left < absl::Hours(24)) {
    absl::StrAppend(&sql, "; SET LOCAL statement_timeout = ",
                    std::max<std::int64_t>(1, absl::ToInt64Milliseconds(left)));
  }
  return ExecScript("starting a transaction", sql);
}

absl::Status Connection::Commit() {
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

void Connection::Rollback() {
  if (!broken_) Exec("rolling back", "ROLLBACK").IgnoreError();
}

bool Connection::Probe() {
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) {
    broken_ = true;
  }
  return !broken_;
}

absl::StatusOr<ResultPtr> Connection::Check(absl::string_view what,
                                            PGresult* raw) {
  ResultPtr result(raw, PQclear);
  const ExecStatusType status =
      raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return result;
  }
  if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
  const char* state =
      raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  std::string reason =
      Trimmed(raw != nullptr ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY)
                             : nullptr);
  if (reason.empty()) reason = Trimmed(PQerrorMessage(conn_));
  if (reason.empty()) reason = PQresStatus(status);
  if (state != nullptr) absl::StrAppend(&reason, " (SQLSTATE ", state, ")");
  const bool transient =
      broken_ || (state != nullptr && IsTransientSqlState(state));
  return settings_.Error(
      transient ? absl::StatusCode::kUnavailable : absl::StatusCode::kInternal,
      what, reason);
}

absl::string_view Value(const ResultPtr& result, int row, int column) {
  return absl::string_view(PQgetvalue(result.get(), row, column),
                           PQgetlength(result.get(), row, column));
}

}  // namespace ndes::store::postgres_internal
