// PostgresConnectorStore: the store shared by several gateway replicas, in a
// PostgreSQL database reached through libpq (--store=postgresql://...).
//
// It follows the write rules of stored_connector.h, exactly like the embedded
// stores: an update reads the stored connector, applies the command with
// NextConnectorForUpdate and writes the result, all inside one transaction that
// holds the row lock (SELECT ... FOR UPDATE). An etag check is therefore
// atomic in the database, whichever replica writes; without an etag the
// last writer wins (each merge still sees the previous write).
//
// Schema (kSchemaVersion), created at Open when missing:
//   ndes_connectors (id text COLLATE "C" PRIMARY KEY, body text, revision
//                    bigint): one row per connector. `body` is the Graph
//                    JSON that the embedded stores keep (StoredBodyOf),
//                    stored as text rather than jsonb or protobuf bytes:
//                    the merge works on that JSON, so the same text goes in
//                    and comes out with no conversion, jsonb would
//                    re-format it (key order, numbers) for nothing since no
//                    query looks inside it, and a row stays readable with
//                    psql. COLLATE "C" orders ids by their bytes, as List
//                    must.
//   ndes_revision    a sequence; every write takes nextval and the etag is
//                    W/"<revision>" (EtagForRevision). A sequence never
//                    hands a value out twice, so an etag is never reused,
//                    across delete and re-create, restarts and replicas.
//   ndes_schema_version (version integer): one row.
// Creation runs in one transaction under pg_advisory_xact_lock, so replicas
// starting together on an empty database all succeed: one creates, the
// others wait for it and then find the schema. A database whose schema
// version is newer than this build's is refused (FAILED_PRECONDITION).
// The tables are created in the first schema of the connection's
// search_path (usually "public"); give the URI
// options=-csearch_path%3D<schema> to keep several stores in one database.
//
// Durability: a write is acknowledged after its COMMIT returned, i.e. once
// PostgreSQL made it durable (synchronous_commit as the server configures
// it; its default "on" flushes the WAL first).
//
// Threading: `pool_size` worker threads each use at most one connection
// (opened lazily, kept between calls). Calls are queued and the callbacks
// run on the worker threads; the calling thread never waits for the
// database. A call finds the queue full (queue_limit) or waits in it past
// its deadline: it is answered UNAVAILABLE (when full, on the calling
// thread, before the call returns). The destructor lets each worker finish
// the call it runs, answers every call still queued with UNAVAILABLE and
// joins the threads; calls made after that (also from callbacks) are
// answered UNAVAILABLE at once. The store must not be destroyed from one of
// its own callbacks.
//
// Lost connections: a failed statement whose connection turns out broken
// (server restart, network) closes that connection. A read is retried once
// on a fresh connection; a write only when it certainly did not commit (its
// COMMIT was never sent). Otherwise the call is answered UNAVAILABLE, and
// for a write whose COMMIT was sent but never answered the message says the
// write may or may not have been applied. When no connection can be opened,
// Available() turns false and calls are answered UNAVAILABLE without
// waiting; a background thread retries connecting with backoff (100 ms
// doubling to 2 s) and Available() turns true when a connection works again.
// The same thread checks idle connections every second (reading what the
// server sent, without a round trip), so a database that shuts down turns
// Available() false within about a second even without calls. Connections
// use TCP keepalives and tcp_user_timeout (about 30 s, unless the URI says
// otherwise) so that a vanished host does not hold a call for minutes.
//
// Start-up without the database: Open does not fail when PostgreSQL cannot
// be reached. The store starts unavailable (the server reports NOT_SERVING,
// calls get UNAVAILABLE) and the schema is checked or created on the first
// connection that works: what an orchestrator expects of a replica whose
// database is still starting. Open fails only for what waiting cannot fix:
// a URI libpq cannot parse (INVALID_ARGUMENT) or a reachable database with
// a newer schema or no permission to create ours (FAILED_PRECONDITION).
//
// Secrets: a password is passed to libpq as its own `password` keyword,
// never put in the URI. Every message of this store names the database by
// RedactConnectionUri(uri), and a password never appears in any status.
// libpq also reads PGPASSFILE / ~/.pgpass itself when no password is given.
//
// Errors, beyond those of connector_store.h: UNAVAILABLE for a lost or
// impossible connection, a server shutting down, resource exhaustion,
// serialization failures or a cancelled statement; INTERNAL for any other
// SQL error and for a stored body that is not a connector.
//
// Example:
//   PostgresStoreOptions options;
//   options.uri = "postgresql://ndes@db.internal:5432/ndes?sslmode=require";
//   options.password = *ReadPasswordFile("/run/secrets/ndes-db");
//   absl::StatusOr<std::unique_ptr<PostgresConnectorStore>> store =
//       PostgresConnectorStore::Open(std::move(options));
//   if (!store.ok()) return store.status();
//   (*store)->Get({}, "e71fa706", [](absl::StatusOr<NdesConnector> c) {...});
#ifndef NDES_SERVER_STORE_POSTGRES_CONNECTOR_STORE_H_
#define NDES_SERVER_STORE_POSTGRES_CONNECTOR_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/postgres_uri.h"  // RedactConnectionUri, ReadPasswordFile

namespace ndes::store {
namespace postgres_internal {
class Connection;  // One libpq connection.
class Job;         // A queued call and its callback.
}  // namespace postgres_internal

struct PostgresStoreOptions {
  // A libpq connection URI: postgresql://[user@]host[:port]/dbname[?...].
  // It may hold a password, but `password` (or a password file that libpq
  // reads) is the way to give one.
  std::string uri;
  // Passed to libpq as the `password` keyword; empty: none.
  std::string password;
  // Connections, and threads running calls. At least 1.
  int pool_size = 4;
  // Calls waiting for a free connection beyond which a call is answered
  // UNAVAILABLE. At least 1.
  int queue_limit = 1000;
  // libpq's connect_timeout when the URI does not set one.
  absl::Duration connect_timeout = absl::Seconds(5);
};

class PostgresConnectorStore final : public ConnectorStore {
 public:
  // The schema version this build writes and reads.
  static constexpr int kSchemaVersion = 1;

  // Opens the store; see the header comment for what may fail. When the
  // database is reachable the schema is checked (created if missing) before
  // Open returns.
  static absl::StatusOr<std::unique_ptr<PostgresConnectorStore>> Open(
      PostgresStoreOptions options);

  PostgresConnectorStore(const PostgresConnectorStore&) = delete;
  PostgresConnectorStore& operator=(const PostgresConnectorStore&) = delete;
  ~PostgresConnectorStore() override;

  void Get(const CallContext& context, std::string id,
           StoreCallback<ndes::v1::NdesConnector> done) override;
  void List(const CallContext& context, ListQuery query,
            StoreCallback<ListPage> done) override;
  void Create(const CallContext& context, ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done) override;
  void Update(const CallContext& context, UpdateCommand command,
              StoreCallback<ndes::v1::NdesConnector> done) override;
  void Delete(const CallContext& context, std::string id,
              std::string expected_etag, StatusCallback done) override;

  // False from the moment a connection cannot be opened until one can; an
  // atomic read.
  bool Available() const override;

  // The URI as messages show it (RedactConnectionUri).
  const std::string& redacted_uri() const { return redacted_uri_; }

 private:
  using Connection = postgres_internal::Connection;
  using Job = postgres_internal::Job;

  PostgresConnectorStore(PostgresStoreOptions options,
                         std::vector<std::string> secrets);
  void StartThreads();

  // Queues `job`, or answers it UNAVAILABLE when the queue is full or the
  // store is stopping.
  void Enqueue(std::unique_ptr<Job> job);
  void RunWorker();
  bool WorkerHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Answers queued calls whose deadline passed and reconnects while
  // unavailable.
  void RunMaintenance();
  void RunJob(Job& job);

  // An idle connection, or a new one (unless a recent attempt failed and
  // the backoff has not passed). UNAVAILABLE when there is none.
  // `fresh`: never an idle one (they may be as stale as the one that just
  // broke).
  absl::StatusOr<std::unique_ptr<Connection>> AcquireConnection(bool fresh);
  void ReleaseConnection(std::unique_ptr<Connection> connection);
  // Opens a connection and, the first time, checks the schema; updates
  // availability and backoff.
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  // Closes a broken connection, and the idle ones with it: a server restart
  // broke them too.
  void DropConnection(std::unique_ptr<Connection> connection);

  const PostgresStoreOptions options_;
  const std::string redacted_uri_;
  // Texts no message may contain: the password in its forms.
  const std::vector<std::string> secrets_;

  std::atomic<bool> available_{false};
  // Set once the schema was found or created on some connection.
  std::atomic<bool> schema_ready_{false};

  absl::Mutex mu_;
  std::deque<std::unique_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections open now, idle or in use.
  int open_connections_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // No new connection is tried before this, after a failed attempt.
  absl::Time next_connect_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = absl::Milliseconds(100);
  // Why the last connection attempt failed; answered while backing off.
  absl::Status last_connect_error_ ABSL_GUARDED_BY(mu_);

  std::vector<std::thread> workers_;
  std::thread maintenance_;
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_POSTGRES_CONNECTOR_STORE_H_
