// The schema of a SQLite store's file and its table meta: what Open checks
// and creates before the store serves (integrity, application id, schema
// version, WAL mode, the revision counter), and the keys of meta that the
// store writes afterwards. Internal to SqliteConnectorStore
// (sqlite_connector_store.h, whose header comment gives the rules and the
// errors of Open).
//
// Tables: connectors (id, body, revision) holds one row per connector;
// meta (key, value) holds 'revision', the store-wide revision of the last
// write, and 'clean_shutdown' while the file is closed cleanly.
//
// Thread-safety: each function uses its connection from the calling thread
// only.
#ifndef NDES_SERVER_STORE_SQLITE_SCHEMA_H_
#define NDES_SERVER_STORE_SQLITE_SCHEMA_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_lock_file.h"

namespace ndes::store::sqlite_internal {

// A store file ready to serve: its writing connection, in WAL mode with
// synchronous=FULL, and the revision of the last write.
struct OpenedStoreFile {
  std::unique_ptr<Connection> writer;
  std::uint64_t revision = 0;
};

// Opens the store file at `path`, whose lock file `lock` the caller holds:
// validates an existing file through a read-only connection (the integrity
// check is skipped only when `lock` and the mark in meta tell that nothing
// wrote the file since a clean close), creates the schema in a missing or
// empty file, converts a version 1 file to the current version, reads the
// revision counter and clears the clean close mark.
// FAILED_PRECONDITION naming `path` for every failure; a file refused for
// its content is left byte-identical.
absl::StatusOr<OpenedStoreFile> OpenStoreFile(const std::string& path,
                                              const LockFile& lock);

// Stores `revision` as meta 'revision', inside the writer's open
// transaction.
absl::Status SaveRevisionCounter(Connection& writer, std::uint64_t revision);

// At a clean close, once the last write is answered: rolls back what a
// failed batch left open and sets the mark 'clean_shutdown' in meta. False
// when that fails (then the close must leave no stamp).
bool MarkCleanClose(Connection& writer);

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_SCHEMA_H_
