// ndes-startup-probe: how long ndes-gateway takes from exec to health
// SERVING, over several restarts.
//
//   ndes-startup-probe --gateway=build/server/ndes-gateway --restarts=5
//       -- --store=sqlite:/tmp/x/bench.db   (one command line)
//
// Each restart forks and execs the gateway with the arguments after "--"
// plus --listen=unix:<temp socket>, polls grpc.health.v1 Check until
// SERVING, records the time since the fork, then SIGTERMs the gateway and
// waits for it to exit (so the store's lock is free for the next one). The
// gateway's log goes to /dev/null.
// Prints one JSON line: {"restarts":N,"median_ms":..,"min_ms":..,
// "max_ms":..,"median_cpu_ms":..,"samples_ms":[..]}; median_cpu_ms is the
// gateway's own CPU time (user + system) until SERVING, which a busy
// machine inflates far less than the wall time. Exit 1 if a gateway does not serve within
// 30 s or exits early.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace {

using Clock = std::chrono::steady_clock;

bool Serving(const std::string& target) {
  grpc::ChannelArguments args;
  // Reconnect at once: the default back-off (1 s) would be the figure.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2);
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// CPU time (user + system) `pid` has used so far, in milliseconds, from
// /proc/PID/stat (clock-tick resolution, 10 ms); -1 if unreadable.
double CpuMilliseconds(pid_t pid) {
  std::FILE* file = std::fopen(absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (file == nullptr) return -1;
  char buffer[1024] = {};
  const size_t length = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  // Fields after the command name, which is in parentheses and may hold
  // spaces: state is field 3, utime 14 and stime 15.
  const std::string stat(buffer, length);
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return -1;
  }
  return (utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Sample {
  double wall_ms = -1;  // fork to SERVING; negative: never served
  double cpu_ms = -1;   // the gateway's CPU time until then
};

// One restart.
Sample MeasureOnce(const std::string& gateway,
                   const std::vector<std::string>& gateway_args,
                   const std::string& socket_path) {
  unlink(socket_path.c_str());
  std::vector<std::string> argv_strings = {gateway};
  argv_strings.insert(argv_strings.end(), gateway_args.begin(),
                      gateway_args.end());
  argv_strings.push_back("--listen=unix:" + socket_path);
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const Clock::time_point start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    // The gateway's log would bury the figures.
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Sample sample;
  if (pid < 0) return sample;
  const std::string target = "unix:" + socket_path;
  while (Clock::now() - start < std::chrono::seconds(30)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return sample;  // exited
    struct stat info;
    // The socket file appears when the gateway binds; only then is a
    // connection attempt worth making.
    if (stat(socket_path.c_str(), &info) != 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    if (Serving(target)) {
      sample.wall_ms = std::chrono::duration<double, std::milli>(
                           Clock::now() - start)
                           .count();
      sample.cpu_ms = CpuMilliseconds(pid);
      break;
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return sample;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string gateway;
  int restarts = 5;
  std::vector<std::string> gateway_args;
  bool after_separator = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (after_separator) {
      gateway_args.push_back(arg);
    } else if (arg == "--") {
      after_separator = true;
    } else if (absl::StartsWith(arg, "--gateway=")) {
      gateway = arg.substr(10);
    } else if (absl::StartsWith(arg, "--restarts=") &&
               absl::SimpleAtoi(arg.substr(11), &restarts) && restarts > 0) {
    } else {
      std::fprintf(stderr,
                   "usage: ndes-startup-probe --gateway=PATH [--restarts=N] "
                   "-- GATEWAY_ARGS...\n");
      return 2;
    }
  }
  if (gateway.empty()) {
    std::fprintf(stderr, "ndes-startup-probe: --gateway is required\n");
    return 2;
  }
  char dir_template[] = "/tmp/ndes-startup-probe-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::string socket_path = std::string(dir_template) + "/gateway.sock";

  std::vector<double> wall, cpu;
  for (int i = 0; i < restarts; ++i) {
    const Sample sample = MeasureOnce(gateway, gateway_args, socket_path);
    if (sample.wall_ms < 0) {
      std::fprintf(stderr, "ndes-startup-probe: the gateway did not serve\n");
      unlink(socket_path.c_str());
      rmdir(dir_template);
      return 1;
    }
    wall.push_back(sample.wall_ms);
    cpu.push_back(sample.cpu_ms);
  }
  unlink(socket_path.c_str());
  rmdir(dir_template);
  std::vector<std::string> parts;
  for (double ms : wall) parts.push_back(absl::StrFormat("%.2f", ms));
  std::printf(
      "{\"restarts\":%zu,\"median_ms\":%.2f,\"min_ms\":%.2f,\"max_ms\":%.2f,"
      "\"median_cpu_ms\":%.0f,\"samples_ms\":[%s]}\n",
      wall.size(), Median(wall), *std::min_element(wall.begin(), wall.end()),
      *std::max_element(wall.begin(), wall.end()), Median(cpu),
      absl::StrJoin(parts, ",").c_str());
  return 0;
}
