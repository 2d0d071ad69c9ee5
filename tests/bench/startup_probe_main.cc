// ndes-startup-probe: how long ndes-gateway takes from exec to health
// SERVING, over several restarts.
//
//   ndes-startup-probe --gateway=build/server/ndes-gateway --restarts=5
//       -- --store=sqlite:/tmp/x/bench.db   (one command line)
//
// Each restart forks and execs the gateway with the arguments after "--"
// plus --listen=unix:<temp socket>, polls grpc.health.v1 Check until
// SERVING, records the time since the fork, then SIGTERMs the gateway and
// waits for it to exit (so the store's lock is free for the next one).
// Prints one JSON line: {"restarts":N,"median_ms":..,"min_ms":..,
// "max_ms":..,"samples_ms":[..]}. Exit 1 if a gateway does not serve within
// 30 s or exits early.

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
#include "absl/strings/str_join.h"
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

// One restart: milliseconds from fork to SERVING, or a negative value.
double MeasureOnce(const std::string& gateway,
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
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) return -1;
  const std::string target = "unix:" + socket_path;
  double elapsed_ms = -1;
  while (Clock::now() - start < std::chrono::seconds(30)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return -1;  // exited early
    struct stat info;
    // The socket file appears when the gateway binds; only then is a
    // connection attempt worth making.
    if (stat(socket_path.c_str(), &info) != 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    if (Serving(target)) {
      elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() -
                                                             start)
                       .count();
      break;
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return elapsed_ms;
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

  std::vector<double> samples;
  for (int i = 0; i < restarts; ++i) {
    const double ms = MeasureOnce(gateway, gateway_args, socket_path);
    if (ms < 0) {
      std::fprintf(stderr, "ndes-startup-probe: the gateway did not serve\n");
      unlink(socket_path.c_str());
      rmdir(dir_template);
      return 1;
    }
    samples.push_back(ms);
  }
  unlink(socket_path.c_str());
  rmdir(dir_template);
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median =
      n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  std::vector<std::string> parts;
  for (double ms : samples) parts.push_back(absl::StrCat(ms));
  std::printf(
      "{\"restarts\":%zu,\"median_ms\":%.2f,\"min_ms\":%.2f,\"max_ms\":%.2f,"
      "\"samples_ms\":[%s]}\n",
      n, median, sorted.front(), sorted.back(),
      absl::StrJoin(parts, ",").c_str());
  return 0;
}
