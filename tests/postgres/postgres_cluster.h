// A throw-away PostgreSQL cluster for tests: initdb in a new temporary
// directory, a server on a free loopback port (and a Unix socket in that
// directory) with fsync on, stopped and removed with the object.
//
//   absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
//       PostgresCluster::Start();
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   absl::StatusOr<std::string> db = (*cluster)->CreateDatabase();
//   store_options.uri = (*cluster)->Uri(*db);
//   ASSERT_TRUE((*cluster)->Restart().ok());  // pg_ctl restart -m fast
//
// The server binaries are looked up in $NDES_POSTGRES_BINDIR, else in the
// newest /usr/lib/postgresql/<version>/bin (Debian's package postgresql).
// When they are missing, Start fails with a message saying to install
// postgresql: a test never passes without a server.
//
// initdb and postgres refuse to run as root. Run as root (CI), the cluster
// runs them as the unprivileged system user "postgres" (runuser) and gives
// it the directory; otherwise they run as the current user.
//
// initdb takes seconds, so trusting clusters are copied from a template
// made once per user and server version and kept in
// /tmp/ndes-pg-template-<uid>-<version> (under a lock, so parallel test
// processes share it); clusters with a password run initdb themselves.
//
// The superuser is "postgres". Connections over the socket are trusted;
// over TCP they are trusted too unless a password is given, then they need
// it (scram-sha-256).
//
// Not thread-safe: one thread drives a cluster.
#ifndef NDES_TESTS_POSTGRES_POSTGRES_CLUSTER_H_
#define NDES_TESTS_POSTGRES_POSTGRES_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ndes::testing {

struct PostgresClusterOptions {
  // Empty: TCP connections are trusted. Else the superuser's password, which
  // TCP connections must give.
  std::string password;
};

class PostgresCluster {
 public:
  // Creates and starts a cluster. FAILED_PRECONDITION naming the package
  // to install when the server binaries are missing; INTERNAL with the
  // command's output when initdb or pg_ctl fails.
  static absl::StatusOr<std::unique_ptr<PostgresCluster>> Start(
      PostgresClusterOptions options = {});

  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  // Stops the server (immediate) and removes the directory.
  ~PostgresCluster();

  int port() const { return port_; }
  const std::string& directory() const { return directory_; }

  // postgresql://postgres@127.0.0.1:<port>/<database> (no password).
  std::string Uri(const std::string& database = "postgres") const;

  // A new empty database with a name no other call returned.
  absl::StatusOr<std::string> CreateDatabase();

  // Runs `sql` as the superuser in `database` over the socket; the rows of
  // the last statement, each row's columns joined by '|'.
  absl::StatusOr<std::vector<std::string>> Query(const std::string& database,
                                                 const std::string& sql);

  // pg_ctl stop -m fast / start / restart -m fast, each waiting until done.
  absl::Status Stop();
  absl::Status StartAgain();
  absl::Status Restart();

  // What the server logged so far.
  std::string ServerLog() const;

 private:
  PostgresCluster() = default;

  // Runs a server binary (as "postgres" when root); its output, or
  // INTERNAL with it.
  absl::StatusOr<std::string> RunServerCommand(
      const std::string& binary, std::vector<std::string> args) const;
  absl::Status PgCtl(std::vector<std::string> args) const;
  // initdb into `data_dir`; with a password for TCP connections if not
  // empty.
  absl::Status InitDb(const std::string& data_dir,
                      const std::string& password) const;
  // Copies a trusting cluster from the shared template into data_dir_,
  // making the template first if needed.
  absl::Status CopyTemplate();

  std::string bin_dir_;
  std::string directory_;
  std::string data_dir_;
  bool as_postgres_user_ = false;
  int port_ = 0;
  bool running_ = false;
  int databases_created_ = 0;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_POSTGRES_POSTGRES_CLUSTER_H_
