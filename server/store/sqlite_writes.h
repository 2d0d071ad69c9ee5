// The writes the SQLite store queues for its writer thread (Create, Update,
// Delete), each with its callback, and the rows one batch of them works on.
// Internal to SqliteConnectorStore (sqlite_connector_store.h).
//
// A batch is applied in memory first: each row it touches is read from the
// open transaction once (BatchRows), every write of the batch checks and
// changes that copy in turn, and a write that fails (NOT_FOUND, a stale
// etag, ALREADY_EXISTS, a damaged row) changes nothing. Then each changed
// row is written once, whatever number of writes changed it: a batch of
// updates of one hot row is one row write.
//
// Thread-safety: a PendingWrite is applied, then answered, by one thread at
// a time; BatchRows is used by the writer thread only.
#ifndef NDES_SERVER_STORE_SQLITE_WRITES_H_
#define NDES_SERVER_STORE_SQLITE_WRITES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_connector_rows.h"

namespace ndes::store::sqlite_internal {

// One row as the writes of a batch so far have left it.
class BatchRow {
 public:
  // `stored`: the row in the file at the start of the batch, if any.
  explicit BatchRow(std::optional<StoredRow> stored);

  bool exists() const { return exists_; }
  // The etag of the row; only when it exists.
  std::string etag() const;

  // The connector in the row (nullptr when it does not exist), decoded on
  // first use; INTERNAL naming `id` and the file when its body is damaged.
  absl::StatusOr<const ndes::v1::NdesConnector*> Value(
      const Connection& connection, absl::string_view id);

  // The row now holds `value` (without etag) at `revision`.
  void Put(ndes::v1::NdesConnector value, std::uint64_t revision);
  // The row is written at `revision`: its value to change in place (an
  // empty connector when it did not exist). Call Value first when it
  // exists, so that it is decoded.
  ndes::v1::NdesConnector* Edit(std::uint64_t revision);
  // The row no longer exists.
  void Remove();

 private:
  friend class BatchRows;

  bool exists_;
  std::uint64_t revision_ = 0;
  // As read, until decoded or replaced.
  std::optional<StoredRow> stored_;
  std::optional<ndes::v1::NdesConnector> value_;
  bool changed_ = false;
};

// The rows one batch touches, in the writer's open transaction.
class BatchRows {
 public:
  explicit BatchRows(Connection& writer) : writer_(writer) {}
  BatchRows(const BatchRows&) = delete;
  BatchRows& operator=(const BatchRows&) = delete;

  Connection& writer() { return writer_; }

  // The row of `id`, read from the transaction on first use. Errors: those
  // of reading (sqlite_connector_rows.h); a damaged body is reported by
  // BatchRow::Value only.
  absl::StatusOr<BatchRow*> Find(const std::string& id);

  // Writes every changed row once, in id order: its last value, or its
  // removal. Any error leaves the transaction to be rolled back.
  absl::Status WriteBack();

 private:
  Connection& writer_;
  absl::flat_hash_map<std::string, BatchRow> rows_;
};

// A write waiting for the writer thread.
class PendingWrite {
 public:
  virtual ~PendingWrite() = default;

  // Applies the write to `rows`. A write that stores takes the revision
  // ++*revision. A write that fails leaves `rows` as they were.
  virtual absl::Status Apply(BatchRows& rows, std::uint64_t* revision) = 0;

  // Answers the caller with the write's outcome: OK only once committed.
  virtual void Answer(absl::Status outcome) && = 0;
};

// Creates `connector` (whose id is set): ALREADY_EXISTS when the id is
// taken. Answers the connector as stored.
std::unique_ptr<PendingWrite> MakeCreateWrite(
    ndes::v1::NdesConnector connector,
    StoreCallback<ndes::v1::NdesConnector> done);

// Applies `command` per the write rules of stored_connector.h. Answers the
// connector as stored.
std::unique_ptr<PendingWrite> MakeUpdateWrite(
    UpdateCommand command, StoreCallback<ndes::v1::NdesConnector> done);

// Deletes `id` when CheckDelete (stored_connector.h) allows it.
std::unique_ptr<PendingWrite> MakeDeleteWrite(std::string id,
                                              std::string expected_etag,
                                              StatusCallback done);

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_WRITES_H_
