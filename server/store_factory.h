// Chooses and opens the backing store named by the --store flag.
//
//   sqlite:PATH  SqliteConnectorStore on the file PATH (created if missing);
//                the default.
//   memory       MemoryConnectorStore: nothing survives a restart.
//   graph        GraphConnectorStore: Microsoft Graph itself, configured by
//                GraphBackendOptions.
//
// Thread-safe: a pure function of its arguments, apart from opening files.
#ifndef NDES_SERVER_STORE_FACTORY_H_
#define NDES_SERVER_STORE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

struct StoreOptions {
  GraphBackendOptions graph;
};

// Opens the store `spec` names. INVALID_ARGUMENT for a spec that names no
// known store or an incomplete Graph configuration (the message names the
// flag); FAILED_PRECONDITION for a file that cannot be used, naming it.
absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenConnectorStore(
    absl::string_view spec, const StoreOptions& options = {});

}  // namespace ndes

#endif  // NDES_SERVER_STORE_FACTORY_H_
