// The statements of the SQLite store on its table connectors: read one
// row, read rows in id order, write or delete one row. Bodies are read and
// written as sqlite_body.h says. Internal to SqliteConnectorStore
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
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/sqlite_body.h"
#include "store/sqlite_connection.h"
#include "store/stored_connector.h"

namespace ndes::store::sqlite_internal {

// A row as stored: its body not decoded yet.
struct StoredRow {
  std::string body;
  BodyForm form = BodyForm::kProtobuf;
  std::uint64_t revision = 0;
};

// The row of `id`, if any, read in `connection`'s current transaction (or in
// a snapshot of its own). Never fails on a damaged body.
absl::StatusOr<std::optional<StoredRow>> ReadRow(Connection& connection,
                                                 absl::string_view id);

// The connector `row` of `id` holds, without etag; INTERNAL naming the file
// when its body is damaged.
absl::StatusOr<ndes::v1::NdesConnector> DecodeRow(const Connection& connection,
                                                  absl::string_view id,
                                                  const StoredRow& row);

// The stored connector of `id`, if any, read like ReadRow.
absl::StatusOr<std::optional<StoredConnector>> ReadStored(
    Connection& connection, absl::string_view id);

// At most `limit` connectors, with their etags, whose ids follow `after`
// by bytes, in id order (the rows query_page_reader.h pages through).
absl::StatusOr<std::vector<ndes::v1::NdesConnector>> ReadRowsAfter(
    Connection& connection, absl::string_view after, int limit);

// Stores `connector` (whose etag is empty) under its id with `revision`,
// inside the writer's open transaction.
absl::Status PutRow(Connection& writer,
                    const ndes::v1::NdesConnector& connector,
                    std::uint64_t revision);

// Removes the row of `id`, if any, inside the writer's open transaction.
absl::Status DeleteRow(Connection& writer, absl::string_view id);

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_CONNECTOR_ROWS_H_
