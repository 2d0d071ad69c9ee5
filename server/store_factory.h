// Chooses and opens the backing store named by the --store flag.
//
//   sqlite:PATH  SqliteConnectorStore on the file PATH (created if missing);
//                the default.
//   memory       MemoryConnectorStore: nothing survives a restart.
//   graph        GraphConnectorStore: Microsoft Graph itself, configured by
//                GraphBackendOptions.
//   postgresql://...  (or postgres://...) PostgresConnectorStore: a
//                PostgreSQL database that several gateway replicas share;
//                any libpq connection URI, configured further by
//                PostgresBackendOptions.
//
// Thread-safe: a pure function of its arguments, apart from opening files.
#ifndef NDES_SERVER_STORE_FACTORY_H_
#define NDES_SERVER_STORE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "observability/metrics_registry.h"
#include "store/connector_store.h"

namespace ndes {

inline constexpr char kDefaultStoreSpec[] = "sqlite:ndes-gateway.db";

// The --graph_* flags.
struct GraphBackendOptions {
  std::string base_url = "https://graph.microsoft.com/beta";
  // "passthrough" or "client_credentials".
  std::string auth = "passthrough";
  std::string tenant_id;
  std::string client_id;
  std::string client_secret_file;
  // Empty: https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token.
  std::string token_url;
};

// The --store_* flags of the PostgreSQL store.
struct PostgresBackendOptions {
  // A file holding the database password (read once at open). Empty: no
  // password, or the one libpq finds itself (PGPASSFILE, ~/.pgpass).
  std::string password_file;
  // Connections to the database, and threads running calls.
  int pool_size = 4;
};

struct StoreOptions {
  GraphBackendOptions graph;
  PostgresBackendOptions postgres;
};

// Opens the store `spec` names. INVALID_ARGUMENT for a spec that names no
// known store or an incomplete Graph configuration (the message names the
// flag); FAILED_PRECONDITION for a file that cannot be used, naming it.
//
// A PostgreSQL store opens even while its database is unreachable: it
// starts unavailable (ConnectorStore::Available) and connects when it can.
// Its errors name the URI with any password redacted.
//
// With `metrics` (which must outlive the store), every store operation is
// recorded there (observability/instrumented_connector_store.h) along with
// the backend's own metrics; without, nothing is recorded.
absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenConnectorStore(
    absl::string_view spec, const StoreOptions& options = {},
    observability::MetricsRegistry* metrics = nullptr);

// `spec` as logs may show it: a PostgreSQL URI with its password replaced
// by "***"; other specs unchanged.
std::string RedactedStoreSpec(absl::string_view spec);

}  // namespace ndes

#endif  // NDES_SERVER_STORE_FACTORY_H_
