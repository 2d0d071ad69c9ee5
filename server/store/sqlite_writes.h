// The writes the SQLite store queues for its writer thread (Create, Update,
// Delete), each with its callback: how each applies on the writer's
// connection and how it is answered. Internal to SqliteConnectorStore
// (sqlite_connector_store.h).
//
// Thread-safety: a PendingWrite is applied, then answered, by one thread at
// a time.
#ifndef NDES_SERVER_STORE_SQLITE_WRITES_H_
#define NDES_SERVER_STORE_SQLITE_WRITES_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/sqlite_connection.h"

namespace ndes::store::sqlite_internal {

// A write waiting for the writer thread.
class PendingWrite {
 public:
  virtual ~PendingWrite() = default;

  // Applies the write on `writer`, inside the write's savepoint of the open
  // transaction. A write that stores takes the revision ++*revision. On
  // error the caller rolls the savepoint back.
  virtual absl::Status Apply(Connection& writer, std::uint64_t* revision) = 0;

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
