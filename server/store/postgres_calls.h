// The calls of the PostgreSQL store: a queued call with its callback (Job),
// and what each call runs on one connection: the statements and
// transactions of Get, List, Create, Update and Delete, with the write rules
// of stored_connector.h. Internal to PostgresConnectorStore
// (postgres_connector_store.h, whose header comment gives the rules).
//
// Errors: those of connector_store.h and Connection
// (postgres_connection.h); INTERNAL for a stored row that is damaged.
//
// Thread-safety: each function uses its connection from the calling thread
// only; a Job is run, then answered, by one thread at a time.
#ifndef NDES_SERVER_STORE_POSTGRES_CALLS_H_
#define NDES_SERVER_STORE_POSTGRES_CALLS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/page_token.h"
#include "store/postgres_connection.h"

namespace ndes::store::postgres_internal {

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

// A call whose body, run on a connection, gives the T its callback answers.
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

// The connector stored under `id`; NOT_FOUND when missing.
absl::StatusOr<ndes::v1::NdesConnector> GetConnector(Connection& connection,
                                                     const std::string& id);

// The page of `query` from `position` (query_page_reader.h over the rows in
// id order), within `max_page_bytes` (page_budget.h), with the token of the
// next page when more follow (page tokens tagged `page_token_tag`).
absl::StatusOr<ListPage> ListConnectors(Connection& connection,
                                        const ListQuery& query,
                                        const ListPosition& position,
                                        std::size_t max_page_bytes,
                                        absl::string_view page_token_tag);

// Creates `connector` (whose id is set) in a transaction whose statements
// give up at `deadline`; ALREADY_EXISTS when the id is taken.
absl::StatusOr<ndes::v1::NdesConnector> CreateConnector(
    Connection& connection, absl::Time deadline,
    const ndes::v1::NdesConnector& connector);

// Applies `command` in a transaction that holds the row lock; UNAVAILABLE
// when other writers keep creating and deleting the id under it.
absl::StatusOr<ndes::v1::NdesConnector> UpdateConnector(
    Connection& connection, absl::Time deadline, const UpdateCommand& command);

// Deletes `id` when CheckDelete (stored_connector.h) allows it, in a
// transaction that holds the row lock.
absl::StatusOr<std::monostate> DeleteConnector(
    Connection& connection, absl::Time deadline, const std::string& id,
    const std::string& expected_etag);

}  // namespace ndes::store::postgres_internal

#endif  // NDES_SERVER_STORE_POSTGRES_CALLS_H_
