// ndes-fake-graph: the tests' fake Microsoft Graph (tests/graph/
// fake_graph_server.h) as a process, for benchmarks of --store=graph,
// measurements against an Intune-like Graph, and trying ndesctl graph-probe.
//
//   ndes-fake-graph [OPTIONS]   prints "fake graph on http://127.0.0.1:P/beta"
//   kill -USR1 PID              prints the counters (see below)
//   kill -TERM PID              prints the counters and exits 0
//
// Options (each one of Intune's habits where Graph's documentation promises
// otherwise; --intune turns them all on, with Intune's budget):
//   --response_delay_ms=N    every answer waits N ms first (a service time)
//   --intune                 all of the below except --repeat_next_link,
//                            with a budget of 100 writes and 1000 requests
//                            per 20 s unless the budget options say else
//   --write_budget=N         POST/PATCH/DELETE per window, then 429 without
//                            Retry-After (0: no limit)
//   --request_budget=N       requests of any kind per window (0: no limit)
//   --budget_window_ms=N     the window (default 20000)
//   --patch_no_content       PATCH answers 204 whatever Prefer says
//   --assign_ids             POST creates under a GUID of its own
//   --no_etags               no @odata.etag, and If-Match is ignored
//   --ignore_if_match        If-Match is ignored (etags are still sent)
//   --page_size=N            list pages of N whatever $top asks
//   --opaque_skiptokens      nextLinks carry an opaque $skiptoken
//   --repeat_next_link       from the second page on, a page's nextLink is
//                            the link that fetched it
//   --unknown_properties     answers carry properties the proto does not
//                            know
//   --seed=N                 starts with N connectors seed-0000, ...
//   --seed_prefix=PREFIX     their ids' prefix instead of "seed-" (e.g.
//                            bench-spread-, the rows of ndes-bench)
//   --seed_state=STATE       their Graph state (default active; any string,
//                            e.g. unknownFutureValue)
//
// Counters, one line: "connections_accepted=N requests_at_least=M get=G
// post=P patch=A delete=D throttled=T" (throttled: answered 429 because a
// budget was spent). The fake records every request; this wrapper drops the
// records once a second so that a long benchmark does not grow it without
// bound, and counts what it drops (requests arriving between the copy and
// the drop are missed, hence "at least"). Accepts any Authorization.

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cpprest/json.h"
#include "graph/fake_graph_server.h"

namespace {

using ndes::graph::testing::FakeGraphBehaviour;

struct Options {
  int delay_ms = 0;
  FakeGraphBehaviour behaviour;
  int seed = 0;
  std::string seed_prefix = "seed-";
  std::string seed_state = "active";
};

bool ParseInt(absl::string_view value, int* out) {
  return absl::SimpleAtoi(value, out) && *out >= 0;
}

// Parses the options (see above); false on anything else. --intune sets the
// starting point; the other options apply on top of it.
bool ParseOptions(int argc, char** argv, Options& options) {
  FakeGraphBehaviour& b = options.behaviour;
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--intune") {
      b = FakeGraphBehaviour::IntuneLike();
    }
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    absl::string_view value = arg;
    int window_ms = 0;
    if (arg == "--intune") {
      continue;
    } else if (arg == "--patch_no_content") {
      b.patch_answers_no_content = true;
    } else if (arg == "--assign_ids") {
      b.assigns_ids = true;
    } else if (arg == "--no_etags") {
      b.sends_etags = false;
      b.honours_if_match = false;
    } else if (arg == "--ignore_if_match") {
      b.honours_if_match = false;
    } else if (arg == "--opaque_skiptokens") {
      b.opaque_skiptokens = true;
    } else if (arg == "--repeat_next_link") {
      b.repeats_next_link = true;
    } else if (arg == "--unknown_properties") {
      b.unknown_properties = true;
    } else if (absl::ConsumePrefix(&value, "--response_delay_ms=")) {
      if (!ParseInt(value, &options.delay_ms)) return false;
    } else if (absl::ConsumePrefix(&value, "--write_budget=")) {
      if (!ParseInt(value, &b.write_budget)) return false;
    } else if (absl::ConsumePrefix(&value, "--request_budget=")) {
      if (!ParseInt(value, &b.request_budget)) return false;
    } else if (absl::ConsumePrefix(&value, "--budget_window_ms=")) {
      if (!ParseInt(value, &window_ms) || window_ms == 0) return false;
      b.budget_window = absl::Milliseconds(window_ms);
    } else if (absl::ConsumePrefix(&value, "--page_size=")) {
      if (!ParseInt(value, &b.page_size)) return false;
    } else if (absl::ConsumePrefix(&value, "--seed=")) {
      if (!ParseInt(value, &options.seed)) return false;
    } else if (absl::ConsumePrefix(&value, "--seed_prefix=")) {
      options.seed_prefix = std::string(value);
    } else if (absl::ConsumePrefix(&value, "--seed_state=")) {
      options.seed_state = std::string(value);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: ndes-fake-graph [--response_delay_ms=N] [--intune] "
                 "[--write_budget=N] [--request_budget=N] "
                 "[--budget_window_ms=N] [--patch_no_content] [--assign_ids] "
                 "[--no_etags] [--ignore_if_match] [--page_size=N] "
                 "[--opaque_skiptokens] [--repeat_next_link] "
                 "[--unknown_properties] [--seed=N] [--seed_prefix=PREFIX] "
                 "[--seed_state=STATE]\n");
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  // Before the fake starts its threads, so that they inherit the mask and
  // only sigtimedwait below sees the signals.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ndes::graph::testing::FakeGraphServerOptions fake_options;
  fake_options.behaviour = options.behaviour;
  ndes::graph::testing::FakeGraphServer graph(fake_options);
  graph.AcceptAnyAuthorization();
  graph.SetResponseDelay(absl::Milliseconds(options.delay_ms));
  for (int i = 0; i < options.seed; ++i) {
    web::json::value connector = web::json::value::object();
    char number[16];
    std::snprintf(number, sizeof number, "%04d", i);
    const std::string id = absl::StrCat(options.seed_prefix, number);
    connector["@odata.type"] =
        web::json::value::string("#microsoft.graph.ndesConnector");
    connector["id"] = web::json::value::string(id);
    connector["displayName"] = web::json::value::string(id);
    connector["state"] = web::json::value::string(options.seed_state);
    graph.PutConnector(connector);
  }
  std::printf("fake graph on %s\n", graph.base_url().c_str());
  std::fflush(stdout);

  long long requests = 0;
  std::map<std::string, long long> by_method;
  auto print_counters = [&] {
    std::printf(
        "connections_accepted=%d requests_at_least=%lld get=%lld post=%lld "
        "patch=%lld delete=%lld throttled=%d\n",
        graph.connections_accepted(), requests, by_method["GET"],
        by_method["POST"], by_method["PATCH"], by_method["DELETE"],
        graph.budget_refusals());
    std::fflush(stdout);
  };
  const timespec one_second = {1, 0};
  while (true) {
    const int signal_number = sigtimedwait(&signals, nullptr, &one_second);
    for (const auto& request :
         graph.requests(ndes::graph::testing::FakeEndpoint::kAny)) {
      ++requests;
      if (request.endpoint == ndes::graph::testing::FakeEndpoint::kGraph) {
        ++by_method[request.method];
      }
    }
    graph.ClearRequests();
    if (signal_number == SIGUSR1) {
      print_counters();
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      print_counters();
      return 0;
    }
  }
}
