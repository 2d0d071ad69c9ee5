#include "store/store_factory.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "store/memory_connector_store.h"
#include "store/sqlite_connector_store.h"

namespace ndes::store {

absl::StatusOr<std::unique_ptr<ConnectorStore>> OpenConnectorStore(
    absl::string_view spec) {
  if (spec == "memory") {
    return std::make_unique<MemoryConnectorStore>();
  }
  if (absl::ConsumePrefix(&spec, "sqlite:")) {
    if (spec.empty()) {
      return absl::InvalidArgumentError(
          "--store=sqlite:PATH needs a file path, e.g. "
          "--store=sqlite:/var/lib/ndes-gateway/connectors.db");
    }
    absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> sqlite =
        SqliteConnectorStore::Open(std::string(spec));
    if (!sqlite.ok()) return sqlite.status();
    return std::unique_ptr<ConnectorStore>(std::move(*sqlite));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown store \"", spec,
      "\"; expected \"sqlite:PATH\" (the embedded default) or \"memory\""));
}

}  // namespace ndes::store
