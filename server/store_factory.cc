#include "store_factory.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "graph/graph_urls.h"
#include "http/cpprest_http_client.h"
#include "observability/instrumented_connector_store.h"
#include "store/memory_connector_store.h"
#include "store/postgres_connector_store.h"
#include "store/read_cache_connector_store.h"
#include "store/sqlite_connector_store.h"

namespace ndes {
namespace {

bool IsPostgresSpec(absl::string_view spec) {
  return absl::StartsWith(spec, "postgresql://") ||
         absl::StartsWith(spec, "postgres://");
}

absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenPostgres(
    absl::string_view spec, const PostgresBackendOptions& options) {
  store::PostgresStoreOptions postgres;
  postgres.uri = std::string(spec);
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store_pool_size must be at least 1, not ", options.pool_size));
  }
  postgres.pool_size = options.pool_size;
  if (!options.password_file.empty()) {
    absl::StatusOr<std::string> password =
        store::ReadPasswordFile(options.password_file);
    if (!password.ok()) return password.status();
    postgres.password = *std::move(password);
  }
  absl::StatusOr<std::unique_ptr<store::PostgresConnectorStore>> store =
      store::PostgresConnectorStore::Open(std::move(postgres));
  if (!store.ok()) return store.status();
  return std::unique_ptr<store::ConnectorStore>(*std::move(store));
}

absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenGraph(
    const StoreOptions& options, observability::MetricsRegistry* metrics) {
  // Checked before anything is registered on the metrics registry.
  if (absl::StatusOr<std::string> base =
          graph::CheckedBaseUrl(options.graph.base_url);
      !base.ok()) {
    return base.status();
  }
  if (absl::Status budget = graph::ValidateRequestBudget(options.graph.budget);
      !budget.ok()) {
    return budget;
  }
  std::shared_ptr<graph::GraphStats> stats =
      metrics != nullptr ? graph::GraphStats::Create(*metrics)
                         : graph::GraphStats::Unexposed();
  auto http = std::make_shared<http::CpprestHttpClient>();
  absl::StatusOr<std::unique_ptr<graph::GraphAuthorization>> authorization =
      graph::OpenGraphAuthorization(options.graph.auth, http, stats);
  if (!authorization.ok()) return authorization.status();
  graph::GraphStoreOptions graph_options;
  graph_options.base_url = options.graph.base_url;
  graph_options.budget = options.graph.budget;
  graph_options.log = options.log;
  absl::StatusOr<std::unique_ptr<graph::GraphConnectorStore>> graph =
      graph::GraphConnectorStore::Create(
          std::move(graph_options), std::move(http), *std::move(authorization),
          std::make_unique<http::ThreadScheduler>(), std::move(stats));
  if (!graph.ok()) return graph.status();
  return std::unique_ptr<store::ConnectorStore>(*std::move(graph));
}

absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenBackend(
    absl::string_view spec, const StoreOptions& options,
    observability::MetricsRegistry* metrics) {
  // The embedded stores are written only through this process, so their
  // reads can be answered from memory.
  if (spec == "memory") {
    return std::make_unique<store::ReadCacheConnectorStore>(
        std::make_unique<store::MemoryConnectorStore>());
  }
  if (spec == "graph") return OpenGraph(options, metrics);
  if (IsPostgresSpec(spec)) return OpenPostgres(spec, options.postgres);
  if (absl::ConsumePrefix(&spec, "sqlite:")) {
    if (spec.empty()) {
      return absl::InvalidArgumentError(
          "--store=sqlite:PATH needs a file path, e.g. "
          "--store=sqlite:/var/lib/ndes-gateway/connectors.db");
    }
    absl::StatusOr<std::unique_ptr<store::SqliteConnectorStore>> sqlite =
        store::SqliteConnectorStore::Open(std::string(spec), metrics);
    if (!sqlite.ok()) return sqlite.status();
    return std::unique_ptr<store::ConnectorStore>(
        std::make_unique<store::ReadCacheConnectorStore>(*std::move(sqlite)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown store \"", RedactedStoreSpec(spec),
      "\"; expected \"sqlite:PATH\" (the embedded default), \"memory\", "
      "\"graph\" or a PostgreSQL URI \"postgresql://...\""));
}

// The backend's name in metrics: memory, sqlite, graph or postgresql.
absl::string_view BackendName(absl::string_view spec) {
  if (spec == "memory") return "memory";
  if (spec == "graph") return "graph";
  if (IsPostgresSpec(spec)) return "postgresql";
  return "sqlite";
}

}  // namespace

std::string RedactedStoreSpec(absl::string_view spec) {
  if (IsPostgresSpec(spec)) return store::RedactConnectionUri(spec);
  return std::string(spec);
}

absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenConnectorStore(
    absl::string_view spec, const StoreOptions& options,
    observability::MetricsRegistry* metrics) {
  absl::StatusOr<std::unique_ptr<store::ConnectorStore>> backend =
      OpenBackend(spec, options, metrics);
  if (!backend.ok()) return backend.status();
  if (metrics == nullptr) return backend;
  return std::unique_ptr<store::ConnectorStore>(
      std::make_unique<observability::InstrumentedConnectorStore>(
          std::string(BackendName(spec)), *std::move(backend), *metrics));
}

}  // namespace ndes
