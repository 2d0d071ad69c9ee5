// Runs the real ndes-gateway binary as a child process, for tests of what
// only a process shows: flags, environment, signals, restarts, crashes.
//
//   GatewayProcess gateway({"--store=sqlite:" + path});
//   ASSERT_OK(gateway.Start());          // waits for health SERVING
//   auto channel = gateway.Channel();
//   EXPECT_EQ(gateway.Terminate(), 0);   // SIGTERM, exit code
//
// The gateway listens on 127.0.0.1:0 unless the arguments say otherwise; the
// chosen address is read from its "serving on" log line.
#ifndef NDES_TESTS_SUPPORT_GATEWAY_PROCESS_H_
#define NDES_TESTS_SUPPORT_GATEWAY_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace ndes::testing {

// The path of the ndes-gateway binary under test.
std::string GatewayBinaryPath();

class GatewayProcess {
 public:
  // `args` are passed after the binary name; `env` entries ("NAME=value")
  // are added to the environment.
  explicit GatewayProcess(std::vector<std::string> args,
                          std::vector<std::string> env = {});
  ~GatewayProcess();  // SIGKILLs a gateway still running

  // Runs the process in `directory` instead of the test's working directory.
  void set_working_directory(std::string directory) {
    working_directory_ = std::move(directory);
  }

  // The credentials Channel() (and so Start's health polling) dials with;
  // insecure by default. `server_name` overrides the name the server's
  // certificate is checked against (TLS to 127.0.0.1 with a certificate for
  // "localhost").
  void set_channel_credentials(
      std::shared_ptr<grpc::ChannelCredentials> credentials,
      std::string server_name = "") {
    credentials_ = std::move(credentials);
    server_name_ = std::move(server_name);
  }

  // Spawns the process and waits until it logs its address and reports
  // SERVING. FAILED_PRECONDITION with its log if it exits first.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));

  // Spawns the process and waits for it to exit on its own (for refusals
  // at start-up). Returns the exit code, or -signal.
  int RunToExit(absl::Duration timeout = absl::Seconds(30));

  // SIGTERM, then waits for exit. Returns the exit code, or -signal.
  int Terminate(absl::Duration timeout = absl::Seconds(30));
  // SIGKILL, then reaps the process.
  void Kill();
  // Sends `signal` without waiting.
  void Signal(int signal);
  // Waits for the process to exit; the exit code, or -signal.
  int WaitForExit(absl::Duration timeout);

  const std::string& address() const { return address_; }
  // The running process's id (-1 when none), e.g. to change its resource
  // limits with prlimit(2).
  pid_t pid() const { return pid_; }
  std::shared_ptr<grpc::Channel> Channel() const;
  // Everything the process wrote to stderr so far.
  std::string Log() const;
  // The word after the first occurrence of `marker` in the log (up to a
  // space, quote or line end), e.g. LoggedWord("health probes on ") is the
  // health listener's address; empty if the log has no such marker.
  std::string LoggedWord(const std::string& marker) const;

 private:
  absl::Status Spawn();
  void ReadLog(int fd);

  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::string working_directory_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string server_name_;
  pid_t pid_ = -1;
  int exit_code_ = 0;
  std::string address_;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::string log_ ABSL_GUARDED_BY(mu_);
  bool log_closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_GATEWAY_PROCESS_H_
