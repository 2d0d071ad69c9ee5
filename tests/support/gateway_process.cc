#include "support/gateway_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "support/health_probe.h"

extern char** environ;

namespace ndes::testing {
namespace {

constexpr char kServingMarker[] = "serving on ";
constexpr std::size_t kServingMarkerLength = sizeof(kServingMarker) - 1;

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

}  // namespace

std::string GatewayBinaryPath() { return NDES_GATEWAY_BINARY; }

GatewayProcess::GatewayProcess(std::vector<std::string> args,
                               std::vector<std::string> env)
    : args_(std::move(args)), env_(std::move(env)) {
  bool has_listen = false;
  for (const std::string& arg : args_) {
    if (absl::StartsWith(arg, "--listen")) has_listen = true;
  }
  if (!has_listen) args_.push_back("--listen=127.0.0.1:0");
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) Kill();
  if (reader_.joinable()) reader_.join();
}

absl::Status GatewayProcess::Spawn() {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  if (!working_directory_.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, working_directory_.c_str());
  }

  std::string binary = GatewayBinaryPath();
  std::vector<char*> argv = {binary.data()};
  for (std::string& arg : args_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (std::string& e : env_) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr,
                             argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    pid_ = -1;
    return absl::InternalError(
        absl::StrCat("cannot run ", binary, ": ", std::strerror(rc)));
  }
  const int read_fd = pipe_fds[0];
  reader_ = std::thread([this, read_fd] { ReadLog(read_fd); });
  return absl::OkStatus();
}

void GatewayProcess::ReadLog(int fd) {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    absl::MutexLock lock(&mu_);
    log_.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  log_closed_ = true;
}

absl::Status GatewayProcess::Start(absl::Duration timeout) {
  if (absl::Status spawned = Spawn(); !spawned.ok()) return spawned;
  const absl::Time deadline = absl::Now() + timeout;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) -> bool {
      return log_closed_ ||
             (absl::StrContains(log_, kServingMarker) &&
              log_.find('\n', log_.find(kServingMarker)) != std::string::npos);
    };
    mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
    const std::size_t at = log_.find(kServingMarker);
    if (at == std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat("ndes-gateway did not start; its log:\n", log_));
    }
    const std::size_t begin = at + kServingMarkerLength;
    const std::size_t end = log_.find_first_of(" \n", begin);
    address_ = log_.substr(begin, end - begin);
  }
  return WaitForServing(Channel(), deadline - absl::Now());
}

int GatewayProcess::RunToExit(absl::Duration timeout) {
  if (!Spawn().ok()) return -1000;
  return WaitForExit(timeout);
}

std::shared_ptr<grpc::Channel> GatewayProcess::Channel() const {
  grpc::ChannelArguments arguments;
  if (!server_name_.empty()) {
    arguments.SetSslTargetNameOverride(server_name_);
  }
  return grpc::CreateCustomChannel(address_,
                                   credentials_ != nullptr
                                       ? credentials_
                                       : grpc::InsecureChannelCredentials(),
                                   arguments);
}

std::string GatewayProcess::Log() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

std::string GatewayProcess::LoggedWord(const std::string& marker) const {
  absl::MutexLock lock(&mu_);
  const std::size_t at = log_.find(marker);
  if (at == std::string::npos) return "";
  const std::size_t begin = at + marker.size();
  const std::size_t end = log_.find_first_of(" \n\"", begin);
  return log_.substr(begin, end - begin);
}

void GatewayProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int GatewayProcess::WaitForExit(absl::Duration timeout) {
  if (pid_ <= 0) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  // Process exit has no file descriptor to wait on; poll waitpid briefly.
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      exit_code_ = -2000;  // timed out
      return exit_code_;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  pid_ = -1;
  exit_code_ = DecodeWaitStatus(status);
  if (reader_.joinable()) reader_.join();
  return exit_code_;
}

int GatewayProcess::Terminate(absl::Duration timeout) {
  Signal(SIGTERM);
  return WaitForExit(timeout);
}

void GatewayProcess::Kill() {
  Signal(SIGKILL);
  WaitForExit(absl::Seconds(30));
}

}  // namespace ndes::testing
