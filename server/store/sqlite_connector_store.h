// SqliteConnectorStore: the embedded store in one SQLite file
// (--store=sqlite:PATH, the default backend).
//
// It follows the write rules of stored_connector.h, exactly like
// MemoryConnectorStore. Each connector is a row (id, body, revision), the
// body its protobuf encoding (sqlite_body.h); the etag is W/"<revision>",
// from a store-wide revision counter that is kept in the file, so an etag is
// never reused, not across delete and re-create nor across restarts.
//
// Durability: the file is in WAL mode with synchronous=FULL, and a write is
// acknowledged only after the transaction holding it has committed.
//
// Threading:
//   - Writes (Create, Update, Delete) are queued to one writer thread of the
//     store. It takes every queued write at once and applies them, in
//     order, in one BEGIN IMMEDIATE transaction: each row they touch is
//     read once, every write checks and changes it in memory (a write that
//     fails changes nothing and is answered with its error), each changed
//     row is written once, and the transaction commits once ("group
//     commit"; sqlite_writes.h). It then hands the batch's answers, in one
//     hand-off,
//     to the first idle of the store's answer threads (kAnswerThreads of
//     them) and goes on to the next batch without waiting. An answer thread
//     runs the callbacks of its batch one after another, with no lock of the
//     store held; callbacks of different batches may run concurrently, in
//     any order. A write's callback runs only after the commit that holds it
//     has returned (or failed). A slow callback delays the callbacks of its
//     own batch, and batches waiting for a free answer thread, but never a
//     commit. Thread names: "sqlite-writer", "sqlite-answer".
//   - Reads (Get, List) run inline on the caller's thread, on a small pool of
//     read-only connections; under WAL they never wait for a commit in
//     progress. Their callback runs before the call returns.
//   - The destructor finishes every queued write, runs every pending
//     callback, and joins the writer and answer threads: no callback runs
//     after it returns. Calls made from a callback while the store is being
//     destroyed are still answered, and a write they queue is still applied:
//     the writer stops only once nothing is queued and no callback is pending
//     or running. (A write that reaches the store after that, from another
//     thread, gets UNAVAILABLE.) The store must not be destroyed from one of
//     its own callbacks.
//
// Exclusivity: two processes must never write one file. Open takes an
// exclusive advisory lock (flock) on the sidecar file "<path>.lock" and
// another on the database file itself (sqlite_file_guard.h), and holds both
// for the store's lifetime, so that deleting either file lets no second
// gateway in; the lock file is left in place afterwards.
//
// A file deleted or replaced under a running store: before every batch of
// writes, and whenever Available is asked, the store checks that the path
// still names the file it has open. Once it does not, Available is false
// for good, every write is refused with UNAVAILABLE saying why, and one
// error line is logged. Reads go on over the connections already open to
// the old file (which holds every acknowledged write); a read that would
// need a new connection is refused like a write. A restart opens the file
// then at the path.
//
// Integrity check at Open: PRAGMA quick_check reads every page, so it is
// skipped for a file that provably nothing has written since this store
// closed it cleanly, and runs in every other case (older files, a crash or
// kill -9, any change made while the gateway was stopped). A clean close
// (the destructor) sets the key 'clean_shutdown' in table meta after the
// last commit, closes the file (checkpointing the WAL into it), and writes a
// stamp of the file into the lock file: device, inode, size, and
// modification and change times to the nanosecond. It first waits (at most a
// clock tick) until the clock has passed the change time, so that any later
// write, even within the same tick, changes the change time, which no user
// can set back. Open empties the lock file, skips the check only when the
// stamp matches the file, no WAL with frames lies beside it and meta holds
// the mark, and removes the mark (in the transaction that reads the
// revision counter) before serving. So a file damaged by any write after
// the last clean close, such as one rewritten while the gateway was
// stopped, is still refused at Open. Damage without a write (bit rot of the
// medium) is then found only when a damaged page is read: that read fails
// INTERNAL. File systems with whole-second times get no stamp, and every
// Open checks. When the check is skipped, the revision counter is read from
// meta alone (every commit stores it there); otherwise it is also compared
// with every row's revision, so that a damaged counter can never bring an
// etag back.
//
// Schema: PRAGMA application_id marks the file as an ndes-gateway store and
// PRAGMA user_version holds the schema version (kSchemaVersion). An empty or
// missing file gets the current schema. A version 1 file (Graph JSON bodies)
// is converted to version 2 at Open, in one transaction: a crash during the
// conversion leaves it at version 1, to be converted at the next Open. A
// body that is not a connector is left as it was, and reads report it as
// damaged, as version 1 did.
//
// Errors, beyond those of connector_store.h:
//   Open: FAILED_PRECONDITION naming the path when the file cannot be opened
//     or created (with SQLite's or the OS's reason), is not a SQLite database
//     or fails PRAGMA quick_check (when run: see above), is a SQLite
//     database of something else, has a newer schema version than this build
//     supports, or is in use by another ndes-gateway process. A file refused
//     for its content is left byte-identical: it is validated through a
//     read-only connection before anything is written.
//   Reads and writes: INTERNAL for a stored body that is not a connector
//     (damage made outside the gateway); UNAVAILABLE for a transient SQLite
//     failure (busy, disk full, I/O error), INTERNAL for any other SQLite
//     failure. If a commit fails, no write of its batch is acknowledged: the
//     writes it held are answered with the commit's error.
//
// Example:
//   absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
//       SqliteConnectorStore::Open("/var/lib/ndes-gateway/connectors.db");
//   if (!store.ok()) return store.status();  // FAILED_PRECONDITION
//   (*store)->Get({}, "e71fa706", [](absl::StatusOr<NdesConnector> c) {...});
#ifndef NDES_SERVER_STORE_SQLITE_CONNECTOR_STORE_H_
#define NDES_SERVER_STORE_SQLITE_CONNECTOR_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "observability/metrics_registry.h"
#include "store/connector_store.h"

namespace ndes::store {
namespace sqlite_internal {
class Connection;    // One SQLite connection and its prepared statements.
class FileGuard;     // The lock on the database file, and its identity.
class LockFile;      // The flock'ed "<path>.lock" and the clean close stamp.
class PendingWrite;  // A queued write and its callback.
}  // namespace sqlite_internal

class SqliteConnectorStore final : public ConnectorStore {
 public:
  // The schema version this build writes and reads (PRAGMA user_version).
  // Version 2 keeps bodies as protobuf (sqlite_body.h); a version 1 file is
  // converted when opened.
  static constexpr int kSchemaVersion = 2;

  // Opens the store in the file at `path`, creating the file and its schema
  // when the file is missing or empty. See the header comment for errors.
  // With `metrics`, each commit observes its batch size in
  // ndes_gateway_sqlite_commit_batch_size (the registry must outlive the
  // store).
  static absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> Open(
      const std::string& path,
      observability::MetricsRegistry* metrics = nullptr);

  SqliteConnectorStore(const SqliteConnectorStore&) = delete;
  SqliteConnectorStore& operator=(const SqliteConnectorStore&) = delete;
  ~SqliteConnectorStore() override;

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

  // False once the store's file has been deleted or replaced (see above).
  bool Available() const override;

  // The number of transactions the writer thread has committed since Open,
  // each holding one batch of writes. Group commit makes it smaller than the
  // number of writes when writes arrive concurrently. For tests and metrics;
  // thread-safe.
  std::uint64_t commit_count() const;

 private:
  // The threads that run the callbacks of writes.
  static constexpr int kAnswerThreads = 2;

  using Connection = sqlite_internal::Connection;
  using FileGuard = sqlite_internal::FileGuard;
  using LockFile = sqlite_internal::LockFile;
  using PendingWrite = sqlite_internal::PendingWrite;
  // Writes of one batch, each with its outcome, to be answered together.
  using Answers =
      std::vector<std::pair<std::unique_ptr<PendingWrite>, absl::Status>>;

  SqliteConnectorStore(std::string path, std::unique_ptr<LockFile> lock,
                       std::unique_ptr<FileGuard> file_guard,
                       std::unique_ptr<Connection> writer,
                       std::uint64_t revision,
                       observability::Histogram* commit_batch_size);

  // Queues `write` for the writer thread, or answers it UNAVAILABLE when
  // the writer has stopped.
  void Enqueue(std::unique_ptr<PendingWrite> write);
  void RunWriter();
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies and commits one batch, then hands its answers off.
  void CommitBatch(std::deque<std::unique_ptr<PendingWrite>> batch);
  // Answers every write of `batch` with `error`, applying none.
  void Refuse(std::deque<std::unique_ptr<PendingWrite>> batch,
              const absl::Status& error);
  // Queues the answers of one batch for the answer threads.
  void HandOff(Answers answers);
  void RunAnswerer();
  bool AnswererHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // A read-only connection from the pool (opened when none is idle), and
  // its return to the pool.
  absl::StatusOr<std::unique_ptr<Connection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> reader);

  const std::string path_;
  // The flock'ed "<path>.lock"; closed (unlocking) last.
  std::unique_ptr<LockFile> lock_;
  // The lock on the file itself; closed once SQLite's connections are.
  std::unique_ptr<FileGuard> file_guard_;

  // Used only by the writer thread once it runs.
  std::unique_ptr<Connection> writer_;
  // The revision of the last write the writer applied (committed or not);
  // the next write takes writer_revision_ + 1. Writer thread only.
  std::uint64_t writer_revision_;
  std::atomic<std::uint64_t> commit_count_{0};
  // Null without metrics.
  observability::Histogram* const commit_batch_size_;

  // One mutex for writes and answers, so that the writer can wait for
  // either: it stops only once no write is queued and no answer is pending.
  absl::Mutex mu_;
  std::deque<std::unique_ptr<PendingWrite>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Handed off by the writer, not yet taken by an answer thread.
  std::deque<Answers> answers_ ABSL_GUARDED_BY(mu_);
  // Batches handed off whose callbacks have not all returned yet (queued
  // in answers_ or running).
  std::size_t answers_pending_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);

  std::thread writer_thread_;
  std::vector<std::thread> answer_threads_;
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_SQLITE_CONNECTOR_STORE_H_
