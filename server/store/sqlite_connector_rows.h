// The statements of the SQLite store on its table connectors: read one
// row, read a page of rows, write one row. Internal to SqliteConnectorStore
// (sqlite_connector_store.h).
//
// Errors: those of Connection (sqlite_connection.h), and INTERNAL naming
// the file for a stored body that is not a connector (damage made outside
// the gateway).
//
// Thread-safety: each function uses its connection from the calling thread
// only.
#ifndef NDES_SERVER_STORE_SQLITE_CONNECTOR_ROWS_H_
#define NDES_SERVER_STORE_SQLITE_CONNECTOR_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/sqlite_connection.h"
#include "store/stored_connector.h"

namespace ndes::store::sqlite_internal {

// The stored row of `id`, if any, read in `connection`'s current
// transaction (or in a snapshot of its own).
absl::StatusOr<std::optional<StoredConnector>> ReadStored(
    Connection& connection, absl::string_view id);

// The page of at most `page_size` connectors whose ids follow `after`, in
// id order and within `max_bytes` (page_budget.h), with the token of the
// next page when more follow (page tokens tagged `page_token_tag`).
absl::StatusOr<ListPage> ReadPage(Connection& connection,
                                  absl::string_view after, int page_size,
                                  std::size_t max_bytes,
                                  absl::string_view page_token_tag);

// Stores `connector` under its id with the next revision (++*revision);
// answers the connector as stored.
absl::StatusOr<ndes::v1::NdesConnector> PutStored(
    Connection& writer, ndes::v1::NdesConnector connector,
    std::uint64_t* revision);

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_CONNECTOR_ROWS_H_
