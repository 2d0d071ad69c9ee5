// ndes-fake-graph: the tests' fake Microsoft Graph (tests/graph/
// fake_graph_server.h) as a process, for benchmarks of --store=graph.
//
//   ndes-fake-graph            prints "fake graph on http://127.0.0.1:P/beta"
//   ndes-fake-graph --response_delay_ms=N
//                              the same, but every answer waits N ms first,
//                              like a real Graph's service time
//   kill -USR1 PID             prints the counters (see below)
//   kill -TERM PID             prints the counters and exits 0
//
// Counters, one line: "connections_accepted=N requests_at_least=M". The fake
// records every request; this wrapper drops the records once a second so
// that a long benchmark does not grow it without bound, and counts what it
// drops (requests arriving between the copy and the drop are missed, hence
// "at least"). Accepts any Authorization.

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "graph/fake_graph_server.h"

int main(int argc, char** argv) {
  int delay_ms = 0;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--response_delay_ms=") ||
        !absl::SimpleAtoi(arg, &delay_ms) || delay_ms < 0) {
      std::fprintf(stderr, "usage: ndes-fake-graph [--response_delay_ms=N]\n");
      return 2;
    }
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  // Before the fake starts its threads, so that they inherit the mask and
  // only sigtimedwait below sees the signals.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ndes::graph::testing::FakeGraphServer graph;
  graph.AcceptAnyAuthorization();
  graph.SetResponseDelay(absl::Milliseconds(delay_ms));
  std::printf("fake graph on %s\n", graph.base_url().c_str());
  std::fflush(stdout);

  long long requests = 0;
  auto print_counters = [&] {
    std::printf("connections_accepted=%d requests_at_least=%lld\n",
                graph.connections_accepted(), requests);
    std::fflush(stdout);
  };
  const timespec one_second = {1, 0};
  while (true) {
    const int signal_number = sigtimedwait(&signals, nullptr, &one_second);
    requests += static_cast<long long>(graph.requests().size());
    graph.ClearRequests();
    if (signal_number == SIGUSR1) {
      print_counters();
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      print_counters();
      return 0;
    }
  }
}
