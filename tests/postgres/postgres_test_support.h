// What the PostgreSQL tests share: one cluster per test process, started on
// first use and removed at exit.
#ifndef NDES_TESTS_POSTGRES_POSTGRES_TEST_SUPPORT_H_
#define NDES_TESTS_POSTGRES_POSTGRES_TEST_SUPPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "postgres/postgres_cluster.h"

namespace ndes::testing {

// The process's shared cluster (trusting every connection), started on the
// first call. Its error (e.g. "install postgresql") is returned again on
// every call. Tests that stop or restart a server start their own instead.
absl::StatusOr<PostgresCluster*> SharedPostgresCluster();

// The URI of a new empty database of the shared cluster.
absl::StatusOr<std::string> FreshDatabaseUri();

}  // namespace ndes::testing

#endif  // NDES_TESTS_POSTGRES_POSTGRES_TEST_SUPPORT_H_
