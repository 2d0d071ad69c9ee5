#include "store/sqlite_connector_store.h"

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "store/page_token.h"
#include "store/query_page_reader.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_connector_rows.h"
#include "store/sqlite_file_guard.h"
#include "store/sqlite_lock_file.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_writes.h"
#include "store/stored_connector.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

using sqlite_internal::MakeCreateWrite;
using sqlite_internal::MakeDeleteWrite;
using sqlite_internal::MakeUpdateWrite;
using sqlite_internal::ReadRowsAfter;
using sqlite_internal::ReadStored;

// Read connections kept open between reads; more are opened under load and
// closed when returned to a full pool.
constexpr std::size_t kMaxIdleReaders = 4;
constexpr absl::string_view kPageTokenTag = "sqlite";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteConnectorStore>>
SqliteConnectorStore::Open(const std::string& path,
                           observability::MetricsRegistry* metrics) {
  absl::StatusOr<std::unique_ptr<LockFile>> lock = LockFile::Acquire(path);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::unique_ptr<FileGuard>> file_guard =
      FileGuard::Acquire(path);
  if (!file_guard.ok()) return file_guard.status();
  absl::StatusOr<sqlite_internal::OpenedStoreFile> file =
      sqlite_internal::OpenStoreFile(path, **lock);
  if (!file.ok()) return file.status();
  observability::Histogram* commit_batch_size = nullptr;
  if (metrics != nullptr) {
    commit_batch_size =
        &metrics
             ->AddHistogram(
                 "ndes_gateway_sqlite_commit_batch_size",
                 "Writes answered by one durable SQLite commit (group commit).",
                 observability::ExponentialBuckets(1, 2, 9))
             .Get();
  }
  return std::unique_ptr<SqliteConnectorStore>(new SqliteConnectorStore(
      path, *std::move(lock), *std::move(file_guard), std::move(file->writer),
      file->revision, commit_batch_size));
}

SqliteConnectorStore::SqliteConnectorStore(
    std::string path, std::unique_ptr<LockFile> lock,
    std::unique_ptr<FileGuard> file_guard, std::unique_ptr<Connection> writer,
    std::uint64_t revision, observability::Histogram* commit_batch_size)
    : path_(std::move(path)),
      lock_(std::move(lock)),
      file_guard_(std::move(file_guard)),
      writer_(std::move(writer)),
      writer_revision_(revision),
      commit_batch_size_(commit_batch_size) {
  for (int i = 0; i < kAnswerThreads; ++i) {
    answer_threads_.emplace_back([this] { RunAnswerer(); });
  }
  writer_thread_ = std::thread([this] { RunWriter(); });
}

SqliteConnectorStore::~SqliteConnectorStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // The writer stops once no write is queued and every callback has
  // returned; the answer threads follow it.
  writer_thread_.join();
  for (std::thread& thread : answer_threads_) thread.join();
  std::vector<std::unique_ptr<Connection>> readers;
  {
    absl::MutexLock lock(&readers_mu_);
    readers.swap(idle_readers_);
  }
  readers.clear();
  const bool marked = sqlite_internal::MarkCleanClose(*writer_);
  // Closing the last connection checkpoints the WAL into the file; the lock
  // is released only after that.
  writer_.reset();
  file_guard_.reset();
  if (marked) lock_->StampCleanClose();
  lock_.reset();
}

bool SqliteConnectorStore::Available() const {
  return file_guard_->Check().ok();
}

std::uint64_t SqliteConnectorStore::commit_count() const {
  return commit_count_.load(std::memory_order_relaxed);
}

void SqliteConnectorStore::Get(const CallContext& /*context*/, std::string id,
                               StoreCallback<ndes::v1::NdesConnector> done) {
  absl::StatusOr<ndes::v1::NdesConnector> result;
  absl::StatusOr<std::unique_ptr<Connection>> reader = AcquireReader();
  if (!reader.ok()) {
    result = reader.status();
  } else {
    absl::StatusOr<std::optional<StoredConnector>> stored =
        ReadStored(**reader, id);
    ReleaseReader(*std::move(reader));
    if (!stored.ok()) {
      result = stored.status();
    } else if (!stored->has_value()) {
      result = ConnectorNotFound(id);
    } else {
      result = std::move((*stored)->connector);
      result->set_etag(std::move((*stored)->etag));
    }
  }
  std::move(done)(std::move(result));
}

void SqliteConnectorStore::List(const CallContext& context, ListQuery query,
                                StoreCallback<ListPage> done) {
  absl::StatusOr<ListPosition> position = DecodePageToken(kPageTokenTag, query);
  if (!position.ok()) {
    std::move(done)(position.status());
    return;
  }
  absl::StatusOr<std::unique_ptr<Connection>> reader = AcquireReader();
  if (!reader.ok()) {
    std::move(done)(reader.status());
    return;
  }
  absl::StatusOr<ListPage> result =
      ReadQueryPage(kPageTokenTag, query, *position, context.max_page_bytes,
                    [&reader](absl::string_view after_id, int limit) {
                      return ReadRowsAfter(**reader, after_id, limit);
                    });
  ReleaseReader(*std::move(reader));
  std::move(done)(std::move(result));
}

void SqliteConnectorStore::Create(const CallContext& /*context*/,
                                  ndes::v1::NdesConnector connector,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  if (connector.id().empty()) {
    connector.set_id(translation::GenerateConnectorId());
  }
  Enqueue(MakeCreateWrite(std::move(connector), std::move(done)));
}

void SqliteConnectorStore::Update(const CallContext& /*context*/,
                                  UpdateCommand command,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  Enqueue(MakeUpdateWrite(std::move(command), std::move(done)));
}

void SqliteConnectorStore::Delete(const CallContext& /*context*/,
                                  std::string id, std::string expected_etag,
                                  StatusCallback done) {
  Enqueue(MakeDeleteWrite(std::move(id), std::move(expected_etag),
                          std::move(done)));
}

void SqliteConnectorStore::Enqueue(std::unique_ptr<PendingWrite> write) {
  {
    absl::MutexLock lock(&mu_);
    if (!writer_stopped_) {
      queue_.push_back(std::move(write));
      return;
    }
  }
  std::move(*write).Answer(absl::UnavailableError(absl::StrCat(
      "SQLite store \"", path_, "\" is shutting down; write not applied")));
}

bool SqliteConnectorStore::WriterHasWork() const {
  // While stopping, a callback still to run may queue a write yet.
  return !queue_.empty() || (stopping_ && answers_pending_ == 0);
}

void SqliteConnectorStore::RunWriter() {
  pthread_setname_np(pthread_self(), "sqlite-writer");
  while (true) {
    std::deque<std::unique_ptr<PendingWrite>> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteConnectorStore::WriterHasWork));
      if (queue_.empty()) {
        // Stopping, every queued write has been answered and no callback
        // is left to queue another.
        writer_stopped_ = true;
        return;
      }
      batch.swap(queue_);
    }
    // Never into a file that the path no longer names.
    if (absl::Status file = file_guard_->Check(); !file.ok()) {
      Refuse(std::move(batch), file);
      continue;
    }
    CommitBatch(std::move(batch));
  }
}

void SqliteConnectorStore::CommitBatch(
    std::deque<std::unique_ptr<PendingWrite>> batch) {
  // The outcome of each write: its own error, or OK while it is applied.
  std::vector<absl::Status> outcomes(batch.size());
  if (writer_->InTransaction()) {
    // A rollback after an earlier failure failed too; retry it, or no batch
    // could ever start again.
    writer_->Execute("ROLLBACK").IgnoreError();
  }
  // A failure that takes every applied write of the batch down with it.
  absl::Status batch_error =
      writer_->Execute("BEGIN IMMEDIATE", "starting a write transaction");
  bool any_applied = false;
  {
    // Every write checks and changes the batch's rows in memory; a write
    // that fails changes nothing, so it needs no savepoint of its own.
    sqlite_internal::BatchRows rows(*writer_);
    for (std::size_t i = 0; batch_error.ok() && i < batch.size(); ++i) {
      outcomes[i] = batch[i]->Apply(rows, &writer_revision_);
      if (outcomes[i].ok()) {
        any_applied = true;
      } else if (!writer_->InTransaction()) {
        // A read failed and SQLite rolled the transaction back with it.
        batch_error = outcomes[i];
      }
    }
    if (batch_error.ok() && any_applied) batch_error = rows.WriteBack();
  }
  if (batch_error.ok() && any_applied) {
    batch_error =
        sqlite_internal::SaveRevisionCounter(*writer_, writer_revision_);
  }
  if (batch_error.ok() && any_applied) {
    batch_error = writer_->Execute("COMMIT", "committing writes");
    if (batch_error.ok()) {
      commit_count_.fetch_add(1, std::memory_order_relaxed);
      // Every write of the batch shared this commit's sync, including
      // those that failed their checks: that is what group commit saves.
      if (commit_batch_size_ != nullptr) {
        commit_batch_size_->Observe(static_cast<double>(batch.size()));
      }
    }
  }
  if (writer_->InTransaction()) {
    // Nothing to keep (every write failed), or a write-back or the commit
    // failed. Best-effort: should it fail, the next batch retries it first.
    writer_->Execute("ROLLBACK").IgnoreError();
  }
  if (!batch_error.ok()) {
    for (absl::Status& outcome : outcomes) {
      if (outcome.ok()) outcome = batch_error;
    }
  }
  Answers answers;
  answers.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    answers.emplace_back(std::move(batch[i]), std::move(outcomes[i]));
  }
  HandOff(std::move(answers));
}

void SqliteConnectorStore::Refuse(
    std::deque<std::unique_ptr<PendingWrite>> batch,
    const absl::Status& error) {
  Answers answers;
  answers.reserve(batch.size());
  for (std::unique_ptr<PendingWrite>& write : batch) {
    answers.emplace_back(std::move(write), error);
  }
  HandOff(std::move(answers));
}

void SqliteConnectorStore::HandOff(Answers answers) {
  // One hand-off per batch: the first idle answer thread takes the whole
  // batch. (Splitting it among the threads measured no faster, at one more
  // wake-up per batch.)
  absl::MutexLock lock(&mu_);
  answers_.push_back(std::move(answers));
  ++answers_pending_;
}

bool SqliteConnectorStore::AnswererHasWork() const {
  return !answers_.empty() || writer_stopped_;
}

void SqliteConnectorStore::RunAnswerer() {
  pthread_setname_np(pthread_self(), "sqlite-answer");
  while (true) {
    Answers answers;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteConnectorStore::AnswererHasWork));
      // The writer stops only once every answer has run.
      if (answers_.empty()) return;
      answers = std::move(answers_.front());
      answers_.pop_front();
    }
    for (auto& [write, outcome] : answers) {
      std::move(*write).Answer(std::move(outcome));
    }
    // The writes (and what their callbacks captured) go before the batch
    // counts as answered: the destructor waits for that.
    answers.clear();
    absl::MutexLock lock(&mu_);
    --answers_pending_;
  }
}

absl::StatusOr<std::unique_ptr<SqliteConnectorStore::Connection>>
SqliteConnectorStore::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  // A new connection would open whatever the path names now: another file,
  // or none, beside the old file's WAL.
  if (absl::Status file = file_guard_->Check(); !file.ok()) return file;
  return Connection::Open(path_, /*read_only=*/true);
}

void SqliteConnectorStore::ReleaseReader(std::unique_ptr<Connection> reader) {
  {
    absl::MutexLock lock(&readers_mu_);
    if (idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(std::move(reader));
      return;
    }
  }
  // Closed here, outside the lock.
}

}  // namespace ndes::store
