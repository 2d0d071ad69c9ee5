#include "postgres/postgres_test_support.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "postgres/postgres_cluster.h"

namespace ndes::testing {

absl::StatusOr<PostgresCluster*> SharedPostgresCluster() {
  // Destroyed at exit, which stops the server and removes its directory.
  static absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  if (!cluster.ok()) return cluster.status();
  return cluster->get();
}

absl::StatusOr<std::string> FreshDatabaseUri() {
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  if (!cluster.ok()) return cluster.status();
  absl::StatusOr<std::string> database = (*cluster)->CreateDatabase();
  if (!database.ok()) return database.status();
  return (*cluster)->Uri(*database);
}

}  // namespace ndes::testing
