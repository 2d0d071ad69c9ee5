// GraphStats: the metric series of the Graph backend (--store=graph), built
// once from a MetricsRegistry and handed to GraphConnectorStore, its request
// pacer and GraphAuthorization at construction. Nothing in server/graph/
// reaches for a process-wide registry: a test gives the store a registry of
// its own and reads exactly what the store recorded.
//
//   ndes_gateway_graph_requests_total{method,status}      counter
//   ndes_gateway_graph_retries_total                      counter
//   ndes_gateway_graph_throttled_total                    counter
//   ndes_gateway_graph_throttle_wait_seconds_total        counter
//   ndes_gateway_graph_token_requests_total{result}       counter
//   ndes_gateway_graph_queue_length{kind}                 gauge
//   ndes_gateway_graph_queue_wait_seconds{kind}           histogram
//   ndes_gateway_graph_budget{budget}                     gauge
//   ndes_gateway_graph_budget_remaining{budget}           gauge
//   ndes_gateway_graph_budget_refusals_total              counter
//   ndes_gateway_graph_coalesced_updates_total            counter
//   ndes_gateway_graph_shared_gets_total                  counter
//
// Labels: method = the HTTP method; status = the HTTP status as text, or
// "error" when no response arrived; result = success or failure; kind =
// read or write (what waits for the budget); budget = writes or requests
// (the two budgets of Intune's throttling). docs/metrics.md explains each.
//
//   observability::MetricsRegistry registry;
//   std::shared_ptr<GraphStats> stats = GraphStats::Create(registry);
//   ... GraphConnectorStore::Create(..., stats) ...
//   stats->requests_total().WithLabels({"PATCH", "204"}).Value();
//
// Recording is lock-free once a series exists (the first use of a new
// method/status pair takes the family's lock). Thread-safe.
#ifndef NDES_SERVER_GRAPH_GRAPH_STATS_H_
#define NDES_SERVER_GRAPH_GRAPH_STATS_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graph/upstream_request_kind.h"
#include "observability/metrics_registry.h"

namespace ndes::graph {

class GraphStats {
 public:
  // Registers the families above on `registry`, which must outlive the
  // returned object. A registry that has them already (another Graph
  // backend's) hands back the same families: the two then count together,
  // and the queue and budget gauges show whichever set them last, so a
  // process has one Graph backend per registry.
  static std::shared_ptr<GraphStats> Create(
      observability::MetricsRegistry& registry);
  // The same on a registry of its own that nothing exposes (tools, and tests
  // that do not look at metrics).
  static std::shared_ptr<GraphStats> Unexposed();

  GraphStats(const GraphStats&) = delete;
  GraphStats& operator=(const GraphStats&) = delete;

  // --- Requests ------------------------------------------------------------

  // Graph answered a request of HTTP `method` with `http_status`.
  void Answered(absl::string_view method, int http_status);
  // A request of `method` ended without a response (status "error").
  void Failed(absl::string_view method);
  // A request is sent again after a retryable answer (429, 503, 504).
  void Retried() { retries_.Increment(); }
  // Graph throttled a request: a 429 (with or without Retry-After) or a 503
  // with Retry-After.
  void Throttled() { throttled_.Increment(); }
  // The gateway waits `wait` before retrying a throttled request.
  void ThrottleWait(absl::Duration wait) {
    throttle_wait_.Add(absl::ToDoubleSeconds(wait));
  }
  // A token request to the identity platform ended.
  void TokenRequested(bool success) {
    (success ? token_success_ : token_failure_).Increment();
  }

  // --- The budget ----------------------------------------------------------

  // Requests of `kind` now waiting for the budget.
  void SetQueueLength(UpstreamRequestKind kind, int length);
  // A request of `kind` waited `wait` before it was sent.
  void Waited(UpstreamRequestKind kind, absl::Duration wait);
  // The budgets in force per window (shrunk after a 429), and what is left
  // of them in the last window; a budget that is off reports 0 and 0.
  void SetBudgets(double writes, double requests);
  void SetBudgetsRemaining(double writes, double requests);
  // A call was answered RESOURCE_EXHAUSTED at once: its deadline could not
  // be met in the queue.
  void Refused() { refusals_.Increment(); }
  // `count` updates were merged into another update's PATCH.
  void Coalesced(int count) {
    coalesced_.Increment(static_cast<std::uint64_t>(count));
  }
  // A Get was answered by another Get's upstream GET.
  void SharedGet() { shared_gets_.Increment(); }

  // --- Families (for tests and readers) -------------------------------------

  observability::CounterFamily& requests_total() { return requests_total_; }
  observability::CounterFamily& retries_total() { return retries_total_; }
  observability::CounterFamily& throttled_total() { return throttled_total_; }
  observability::CounterFamily& throttle_wait_seconds_total() {
    return throttle_wait_seconds_total_;
  }
  observability::CounterFamily& token_requests_total() {
    return token_requests_total_;
  }
  observability::GaugeFamily& queue_length() { return queue_length_; }
  observability::HistogramFamily& queue_wait_seconds() {
    return queue_wait_seconds_;
  }
  observability::GaugeFamily& budget() { return budget_; }
  observability::GaugeFamily& budget_remaining() { return budget_remaining_; }
  observability::CounterFamily& budget_refusals_total() {
    return refusals_total_;
  }
  observability::CounterFamily& coalesced_updates_total() {
    return coalesced_total_;
  }
  observability::CounterFamily& shared_gets_total() {
    return shared_gets_total_;
  }

 private:
  explicit GraphStats(observability::MetricsRegistry& registry);

  // The request counter of (method, status); status 0 is "error".
  observability::Counter& RequestCounter(absl::string_view method, int status);

  // Set only by Unexposed(); declared first so that it outlives the
  // references below.
  std::unique_ptr<observability::MetricsRegistry> own_registry_;

  observability::CounterFamily& requests_total_;
  observability::CounterFamily& retries_total_;
  observability::CounterFamily& throttled_total_;
  observability::CounterFamily& throttle_wait_seconds_total_;
  observability::CounterFamily& token_requests_total_;
  observability::GaugeFamily& queue_length_;
  observability::HistogramFamily& queue_wait_seconds_;
  observability::GaugeFamily& budget_;
  observability::GaugeFamily& budget_remaining_;
  observability::CounterFamily& refusals_total_;
  observability::CounterFamily& coalesced_total_;
  observability::CounterFamily& shared_gets_total_;

  // Resolved once, so that the hot paths skip the families' locks.
  observability::Counter& retries_;
  observability::Counter& throttled_;
  observability::Counter& throttle_wait_;
  observability::Counter& token_success_;
  observability::Counter& token_failure_;
  observability::Gauge& read_queue_;
  observability::Gauge& write_queue_;
  observability::Histogram& read_wait_;
  observability::Histogram& write_wait_;
  observability::Gauge& write_budget_;
  observability::Gauge& request_budget_;
  observability::Gauge& write_budget_remaining_;
  observability::Gauge& request_budget_remaining_;
  observability::Counter& refusals_;
  observability::Counter& coalesced_;
  observability::Counter& shared_gets_;

  // Request counters of GET, POST, PATCH, DELETE by status 100..599, and
  // [method][0] for "error"; other methods and statuses take the family's
  // lock.
  static constexpr int kMethods = 4;
  static constexpr int kMaxStatus = 600;
  std::unique_ptr<std::atomic<observability::Counter*>[]> request_counters_;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_STATS_H_
