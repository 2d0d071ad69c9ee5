#include "postgres/postgres_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace ndes::testing {
namespace {

constexpr char kServerUser[] = "postgres";

// The directory of initdb and pg_ctl: $NDES_POSTGRES_BINDIR, else the
// newest Debian install.
std::string FindBinDir() {
  if (const char* configured = std::getenv("NDES_POSTGRES_BINDIR");
      configured != nullptr && configured[0] != '\0') {
    const std::string bin = configured;
    return ::access((bin + "/initdb").c_str(), X_OK) == 0 ? bin : "";
  }
  std::error_code error;
  int best_version = -1;
  std::string best;
  for (const auto& entry :
       std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
    int version = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &version)) {
      continue;
    }
    const std::string bin = entry.path().string() + "/bin";
    if (version > best_version &&
        ::access((bin + "/initdb").c_str(), X_OK) == 0 &&
        ::access((bin + "/pg_ctl").c_str(), X_OK) == 0) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

// A loopback TCP port nobody listens on now.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Runs `argv` and waits; its combined stdout and stderr, or INTERNAL.
absl::StatusOr<std::string> Run(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe2 failed");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    // The server must not inherit the test's sockets.
    ::close_range(3, ~0U, 0);
    std::vector<char*> args;
    for (const std::string& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof(buffer))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("`", absl::StrJoin(argv, " "),
                                            "` failed (status ", status, "):\n",
                                            output));
  }
  return output;
}

absl::Status WriteFile(const std::string& path, const std::string& content,
                       bool append) {
  std::ofstream file(path, append ? std::ios::app : std::ios::trunc);
  file << content;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresCluster>> PostgresCluster::Start(
    PostgresClusterOptions options) {
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  cluster->bin_dir_ = FindBinDir();
  if (cluster->bin_dir_.empty()) {
    return absl::FailedPreconditionError(
        "the PostgreSQL server binaries (initdb, pg_ctl) were not found under "
        "/usr/lib/postgresql/<version>/bin nor in $NDES_POSTGRES_BINDIR; "
        "install the Debian package postgresql (apt-get install postgresql) "
        "to run the PostgreSQL tests");
  }
  cluster->as_postgres_user_ = ::geteuid() == 0;

  // Short and world-traversable: the socket path has a length limit, and
  // the server user must reach it when it is not the test's user.
  std::string pattern = "/tmp/ndes-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed for " + pattern);
  }
  cluster->directory_ = pattern;
  cluster->data_dir_ = pattern + "/data";
  if (cluster->as_postgres_user_) {
    const passwd* user = ::getpwnam(kServerUser);
    if (user == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, the PostgreSQL tests run the server as the "
          "system user \"postgres\", which does not exist; install the "
          "Debian package postgresql");
    }
    if (::chown(cluster->directory_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return absl::InternalError("cannot give " + cluster->directory_ +
                                 " to the postgres user");
    }
  }

  if (options.password.empty()) {
    if (absl::Status s = cluster->CopyTemplate(); !s.ok()) return s;
  } else {
    if (absl::Status s = cluster->InitDb(cluster->data_dir_, options.password);
        !s.ok()) {
      return s;
    }
  }

  // Up to a few ports: another process may take the free one first.
  absl::Status started;
  for (int attempt = 0; attempt < 5; ++attempt) {
    cluster->port_ = FreePort();
    if (absl::Status s = WriteFile(
            cluster->data_dir_ + "/postgresql.auto.conf",
            absl::StrCat(
                "listen_addresses = '127.0.0.1'\n", "port = ", cluster->port_,
                "\n", "unix_socket_directories = '", cluster->directory_, "'\n",
                "fsync = on\n"
                "max_connections = 200\n"
                "shared_buffers = 32MB\n"
                "log_min_messages = warning\n"),
            /*append=*/false);
        !s.ok()) {
      return s;
    }
    started = cluster->PgCtl({"start"});
    if (started.ok()) break;
  }
  if (!started.ok()) {
    return absl::InternalError(absl::StrCat(
        started.message(), "\nserver log:\n", cluster->ServerLog()));
  }
  cluster->running_ = true;
  return cluster;
}

absl::Status PostgresCluster::InitDb(const std::string& data_dir,
                                     const std::string& password) const {
  std::vector<std::string> initdb_args = {
      "-D", data_dir, "-U", "postgres", "--auth-local=trust", "-E", "UTF8",
      "--locale=C",
      // The cluster is thrown away; the server itself runs with fsync on.
      "--no-sync"};
  const std::string password_file = directory_ + "/pwfile";
  if (password.empty()) {
    initdb_args.push_back("--auth-host=trust");
  } else {
    if (absl::Status s = WriteFile(password_file, password + "\n",
                                   /*append=*/false);
        !s.ok()) {
      return s;
    }
    if (as_postgres_user_) {
      const passwd* user = ::getpwnam(kServerUser);
      if (::chown(password_file.c_str(), user->pw_uid, user->pw_gid) != 0) {
        return absl::InternalError("cannot give the password file away");
      }
    }
    initdb_args.push_back("--auth-host=scram-sha-256");
    initdb_args.push_back("--pwfile=" + password_file);
  }
  absl::Status done = RunServerCommand("initdb", initdb_args).status();
  ::unlink(password_file.c_str());
  return done;
}

absl::Status PostgresCluster::CopyTemplate() {
  // One template per user and server version, shared by the test processes
  // (ctest runs each test in its own); the lock makes one of them create it
  // while the others wait.
  const std::string base = absl::StrCat(
      "/tmp/ndes-pg-template-", ::geteuid(), "-",
      std::filesystem::path(bin_dir_).parent_path().filename().string());
  const std::string template_dir = base + "/data";
  const std::string complete_marker = base + "/complete";
  const int lock_fd =
      ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX) != 0) {
    if (lock_fd >= 0) ::close(lock_fd);
    return absl::InternalError("cannot lock " + base + ".lock");
  }
  absl::Status status;
  if (::access(complete_marker.c_str(), F_OK) != 0) {
    std::error_code ignored;
    std::filesystem::remove_all(base, ignored);
    std::filesystem::create_directory(base, ignored);
    if (as_postgres_user_) {
      const passwd* user = ::getpwnam(kServerUser);
      if (::chown(base.c_str(), user->pw_uid, user->pw_gid) != 0) {
        status = absl::InternalError("cannot give " + base + " away");
      }
    }
    if (status.ok()) status = InitDb(template_dir, /*password=*/"");
    if (status.ok()) status = WriteFile(complete_marker, "", /*append=*/false);
  }
  // cp -a keeps the owner (the server user) when run as root.
  if (status.ok()) status = Run({"cp", "-a", template_dir, data_dir_}).status();
  ::close(lock_fd);
  return status;
}

PostgresCluster::~PostgresCluster() {
  if (running_) {
    PgCtl({"-m", "immediate", "stop"}).IgnoreError();
  }
  if (!directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

std::string PostgresCluster::Uri(const std::string& database) const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", database);
}

absl::StatusOr<std::string> PostgresCluster::CreateDatabase() {
  const std::string name =
      absl::StrCat("ndes_test_", ::getpid(), "_", ++databases_created_);
  absl::StatusOr<std::vector<std::string>> created =
      Query("postgres", absl::StrCat("CREATE DATABASE ", name));
  if (!created.ok()) return created.status();
  return name;
}

absl::StatusOr<std::vector<std::string>> PostgresCluster::Query(
    const std::string& database, const std::string& sql) {
  const char* keywords[] = {"host", "port", "user", "dbname", nullptr};
  const std::string port = absl::StrCat(port_);
  const char* values[] = {directory_.c_str(), port.c_str(), "postgres",
                          database.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 0);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError("cannot connect to the test cluster: " +
                                  message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::StatusOr<std::vector<std::string>> rows;
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    rows.emplace();
    for (int row = 0; row < PQntuples(result); ++row) {
      std::vector<std::string> columns;
      for (int column = 0; column < PQnfields(result); ++column) {
        columns.emplace_back(PQgetvalue(result, row, column));
      }
      rows->push_back(absl::StrJoin(columns, "|"));
    }
  } else {
    rows = absl::InternalError(
        absl::StrCat("`", sql, "` failed: ", PQerrorMessage(conn)));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

absl::Status PostgresCluster::Stop() {
  absl::Status stopped = PgCtl({"-m", "fast", "stop"});
  if (stopped.ok()) running_ = false;
  return stopped;
}

absl::Status PostgresCluster::StartAgain() {
  absl::Status started = PgCtl({"start"});
  if (started.ok()) running_ = true;
  return started;
}

absl::Status PostgresCluster::Restart() {
  return PgCtl({"-m", "fast", "restart"});
}

std::string PostgresCluster::ServerLog() const {
  std::ifstream file(directory_ + "/server.log");
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

absl::StatusOr<std::string> PostgresCluster::RunServerCommand(
    const std::string& binary, std::vector<std::string> args) const {
  std::vector<std::string> argv;
  if (as_postgres_user_) {
    argv = {"runuser", "-u", kServerUser, "--"};
  }
  argv.push_back(bin_dir_ + "/" + binary);
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

absl::Status PostgresCluster::PgCtl(std::vector<std::string> args) const {
  std::vector<std::string> full = {
      "-D", data_dir_, "-l", directory_ + "/server.log", "-w", "-t", "60"};
  full.insert(full.end(), args.begin(), args.end());
  return RunServerCommand("pg_ctl", std::move(full)).status();
}

}  // namespace ndes::testing
