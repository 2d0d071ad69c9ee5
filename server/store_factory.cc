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
#include "http/cpprest_http_client.h"
#include "observability/instrumented_connector_store.h"
#include "store/memory_connector_store.h"
#include "store/postgres_connector_store.h"
#include "store/read_cache_connector_store.h"
#include "store/sqlite_connector_store.h"

namespace ndes {
namespace {

absl::StatusOr<std::unique_ptr<graph::GraphAuthorization>> OpenAuthorization(
    const GraphBackendOptions& options,
    std::shared_ptr<http::HttpClient> http) {
  if (options.auth == "passthrough") {
    return std::make_unique<graph::PassthroughAuthorization>();
  }
  if (options.auth != "client_credentials") {
    return absl::InvalidArgumentError(
        absl::StrCat("--graph_auth=", options.auth,
                     " is not one of passthrough, client_credentials"));
  }
  if (options.client_id.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_client_id");
  }
  if (options.tenant_id.empty() && options.token_url.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_tenant_id (or "
        "--graph_token_url)");
  }
  if (options.client_secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_client_secret_file");
  }
  absl::StatusOr<std::string> secret =
      graph::ReadSecretFile(options.client_secret_file);
  if (!secret.ok()) return secret.status();
  graph::ClientCredentialsOptions credentials;
  credentials.token_url = options.token_url.empty()
                              ? graph::DefaultTokenUrl(options.tenant_id)
                              : options.token_url;
  credentials.client_id = options.client_id;
  credentials.client_secret = *std::move(secret);
  return std::make_unique<graph::ClientCredentialsAuthorization>(
      std::move(credentials), std::move(http));
}

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

absl::StatusOr<std::unique_ptr<store::ConnectorStore>> OpenBackend(
    absl::string_view spec, const StoreOptions& options,
    observability::MetricsRegistry* metrics) {
  // The embedded stores are written only through this process, so their
  // reads can be answered from memory.
  if (spec == "memory") {
    return std::make_unique<store::ReadCacheConnectorStore>(
        std::make_unique<store::MemoryConnectorStore>());
  }
  if (spec == "graph") {
    auto http = std::make_shared<http::CpprestHttpClient>();
    absl::StatusOr<std::unique_ptr<graph::GraphAuthorization>> authorization =
        OpenAuthorization(options.graph, http);
    if (!authorization.ok()) return authorization.status();
    graph::GraphStoreOptions graph_options;
    graph_options.base_url = options.graph.base_url;
    absl::StatusOr<std::unique_ptr<graph::GraphConnectorStore>> graph =
        graph::GraphConnectorStore::Create(
            std::move(graph_options), std::move(http),
            *std::move(authorization),
            std::make_unique<http::ThreadScheduler>());
    if (!graph.ok()) return graph.status();
    return std::unique_ptr<store::ConnectorStore>(*std::move(graph));
  }
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
