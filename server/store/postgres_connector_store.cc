#include "store/postgres_connector_store.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/page_token.h"
#include "store/postgres_calls.h"
#include "store/postgres_connection.h"
#include "store/postgres_schema.h"
#include "store/postgres_uri.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

using postgres_internal::CallJob;
using postgres_internal::ConnectionSecrets;
using postgres_internal::ConnectSettings;
using postgres_internal::CreateConnector;
using postgres_internal::DeleteConnector;
using postgres_internal::EnsureSchema;
using postgres_internal::GetConnector;
using postgres_internal::ListConnectors;
using postgres_internal::UpdateConnector;

constexpr absl::string_view kPageTokenTag = "postgres";
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
// How often queued calls are checked for passed deadlines, and the
// availability for a reconnection attempt.
constexpr absl::Duration kMaintenanceTick = absl::Milliseconds(50);
// How often idle connections are checked for having been closed by the
// server.
constexpr absl::Duration kIdleProbeInterval = absl::Seconds(1);

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
  absl::StatusOr<std::vector<std::string>> secrets =
      ConnectionSecrets(options.uri, options.password);
  if (!secrets.ok()) return secrets.status();
  std::unique_ptr<PostgresConnectorStore> store(
      new PostgresConnectorStore(std::move(options), *std::move(secrets)));
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
      [id = std::move(id)](Connection& connection) {
        return GetConnector(connection, id);
      },
      std::move(done)));
}

void PostgresConnectorStore::List(const CallContext& context, ListQuery query,
                                  StoreCallback<ListPage> done) {
  absl::StatusOr<ListPosition> position = DecodePageToken(kPageTokenTag, query);
  if (!position.ok()) {
    std::move(done)(position.status());
    return;
  }
  Enqueue(std::make_unique<CallJob<ListPage>>(
      context.deadline, /*write=*/false,
      [query = std::move(query), position = *std::move(position),
       max_bytes = context.max_page_bytes](Connection& connection) {
        return ListConnectors(connection, query, position, max_bytes,
                              kPageTokenTag);
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
      [connector = std::move(connector), deadline](Connection& connection) {
        return CreateConnector(connection, deadline, connector);
      },
      std::move(done)));
}

void PostgresConnectorStore::Update(
    const CallContext& context, UpdateCommand command,
    StoreCallback<ndes::v1::NdesConnector> done) {
  const absl::Time deadline = context.deadline;
  Enqueue(std::make_unique<CallJob<ndes::v1::NdesConnector>>(
      deadline, /*write=*/true,
      [command = std::move(command), deadline](Connection& connection) {
        return UpdateConnector(connection, deadline, command);
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
       deadline](Connection& connection) {
        return DeleteConnector(connection, deadline, id, expected_etag);
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
