// The schema of the PostgreSQL store (see postgres_connector_store.h):
// found, or created when missing, on the first connection that works.
// Internal to PostgresConnectorStore.
//
// Thread-safety: uses its connection from the calling thread only.
#ifndef NDES_SERVER_STORE_POSTGRES_SCHEMA_H_
#define NDES_SERVER_STORE_POSTGRES_SCHEMA_H_

#include "absl/status/status.h"
#include "store/postgres_connection.h"

namespace ndes::store::postgres_internal {

// Finds the schema, or creates it under an advisory lock that makes
// replicas starting together take turns. UNAVAILABLE when the connection
// fails; FAILED_PRECONDITION for a schema that is damaged or newer than
// this build's, or one that cannot be created (e.g. no permission).
absl::Status EnsureSchema(Connection& connection);

}  // namespace ndes::store::postgres_internal

#endif  // NDES_SERVER_STORE_POSTGRES_SCHEMA_H_
