// Chooses and opens the backing store named by the --store flag.
//
//   memory       MemoryConnectorStore: nothing survives a restart.
//   sqlite:PATH  SqliteConnectorStore on the file PATH (created if missing).
//
// Thread-safe: a pure function of its argument, apart from opening files.
#ifndef NDES_SERVER_STORE_STORE_FACTORY_H_
#define NDES_SERVER_STORE_STORE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/connector_store.h"

namespace ndes::store {

inline constexpr absl::string_view kDefaultStoreSpec = "sqlite:ndes-gateway.db";

// Opens the store `spec` names. INVALID_ARGUMENT for a spec that names no
// known store (the message lists the accepted forms); otherwise whatever the
// store's own opening answers (FAILED_PRECONDITION for a file that cannot be
// used, naming it).
absl::StatusOr<std::unique_ptr<ConnectorStore>> OpenConnectorStore(
    absl::string_view spec);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_STORE_FACTORY_H_
