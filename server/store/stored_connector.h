// How the stores that keep connectors themselves (memory, SQLite,
// PostgreSQL) keep one, and the write rules they share, so that they behave
// exactly alike: given what is stored under an id and a command, what to
// store next. The Graph backend keeps nothing and follows Graph instead.
//
// A stored connector is its value plus an etag W/"<revision>", where the
// revision is a store-wide counter that only grows, so an etag is never
// reused, even across delete and re-create of an id. SQLite and PostgreSQL
// keep the value as its Graph JSON representation (StoredBodyOf), which
// ConnectorOfBody reads back.
//
// Thread-safe: pure functions. The caller holds whatever lock or transaction
// makes read-then-write atomic.
#ifndef NDES_SERVER_STORE_STORED_CONNECTOR_H_
#define NDES_SERVER_STORE_STORED_CONNECTOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::store {

struct StoredConnector {
  // The value; its etag is empty.
  ndes::v1::NdesConnector connector;
  std::string etag;
};

// The etag of the write with store-wide revision `revision` (W/"<revision>").
std::string EtagForRevision(std::uint64_t revision);

// The connector as answered to a caller: the value with its etag.
ndes::v1::NdesConnector AnsweredConnector(const StoredConnector& stored);

// The stored body of `connector`: its Graph JSON representation
// (translation::ConnectorToGraphJson) without "@odata.etag".
std::string StoredBodyOf(const ndes::v1::NdesConnector& connector);

// The connector a stored body of the row `id` stands for (without etag).
// INTERNAL naming the id when the body is not a valid connector or names
// another id (stored data damaged outside the gateway).
absl::StatusOr<ndes::v1::NdesConnector> ConnectorOfBody(absl::string_view id,
                                                        absl::string_view body);

// What to store for `command` given the current state of its id (`current`,
// nullopt when missing): NOT_FOUND / ABORTED / the updated or created
// connector (without etag), per the rules of connector_store.h. The id of
// the result is always command.id.
absl::StatusOr<ndes::v1::NdesConnector> NextConnectorForUpdate(
    const std::optional<StoredConnector>& current,
    const UpdateCommand& command);

// NextConnectorForUpdate in two steps, for a store that changes its copy in
// place. CheckUpdate: whether `command` may be applied when the connector
// exists (`exists`) with etag `current_etag` (NOT_FOUND / ABORTED as above,
// else OK). ApplyUpdate: applies a command CheckUpdate allowed to
// `connector`, the stored connector when it exists, else an empty one that
// becomes the connector to create.
absl::Status CheckUpdate(bool exists, absl::string_view current_etag,
                         const UpdateCommand& command);
void ApplyUpdate(const UpdateCommand& command, bool exists,
                 ndes::v1::NdesConnector* connector);

// Whether a Delete with `expected_etag` may remove the connector whose
// current etag is `current_etag` (nullopt: missing): NOT_FOUND when missing,
// ABORTED when the etag is given and stale, else OK.
absl::Status CheckDelete(absl::string_view id,
                         std::optional<absl::string_view> current_etag,
                         absl::string_view expected_etag);

// The NOT_FOUND status for a missing id, worded the same by every store.
absl::Status ConnectorNotFound(absl::string_view id);

// The ALREADY_EXISTS status of a Create, worded the same by every store.
absl::Status ConnectorAlreadyExists(absl::string_view id);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_STORED_CONNECTOR_H_
