// The body column of the SQLite store's connectors table: how a connector
// is kept in a row. Internal to SqliteConnectorStore
// (sqlite_connector_store.h).
//
// Schema 2 keeps the connector as its protobuf encoding (a BLOB) without
// etag: reading it back costs a protobuf parse instead of a JSON parse and
// a conversion. Schema 1 kept its Graph JSON (TEXT, stored_connector.h's
// StoredBodyOf); opening a schema 1 file converts its rows (sqlite_schema.h),
// and a TEXT body that could not be converted is still read as Graph JSON,
// so that it is reported as damaged exactly as before.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_STORE_SQLITE_BODY_H_
#define NDES_SERVER_STORE_SQLITE_BODY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::store::sqlite_internal {

// The body of `connector`, whose etag is empty: its protobuf encoding.
std::string EncodeBody(const ndes::v1::NdesConnector& connector);

// The form a body column holds.
enum class BodyForm {
  kProtobuf,   // a BLOB written by EncodeBody
  kGraphJson,  // TEXT of schema 1
};

// The connector the body of row `id` stands for (without etag). INTERNAL
// naming the id when the body is not a valid connector (it does not parse,
// a value is out of range) or names another id: stored data damaged outside
// the gateway.
absl::StatusOr<ndes::v1::NdesConnector> DecodeBody(absl::string_view id,
                                                   absl::string_view body,
                                                   BodyForm form);

}  // namespace ndes::store::sqlite_internal

#endif  // NDES_SERVER_STORE_SQLITE_BODY_H_
