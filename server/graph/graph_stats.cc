#include "graph/graph_stats.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ndes::graph {
namespace {

using observability::Counter;
using observability::MetricsRegistry;

constexpr std::array<absl::string_view, 4> kMethodNames = {"GET", "POST",
                                                           "PATCH", "DELETE"};

int MethodIndex(absl::string_view method) {
  for (std::size_t i = 0; i < kMethodNames.size(); ++i) {
    if (method == kMethodNames[i]) return static_cast<int>(i);
  }
  return -1;
}

// From a request sent at once (1 ms) to one that waited a whole 20 s
// window and more.
std::vector<double> WaitBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
          1,     2.5,   5,    10,    20,   40,  60};
}

}  // namespace

std::shared_ptr<GraphStats> GraphStats::Create(MetricsRegistry& registry) {
  return std::shared_ptr<GraphStats>(new GraphStats(registry));
}

std::shared_ptr<GraphStats> GraphStats::Unexposed() {
  auto registry = std::make_unique<MetricsRegistry>();
  std::shared_ptr<GraphStats> stats(new GraphStats(*registry));
  stats->own_registry_ = std::move(registry);
  return stats;
}

GraphStats::GraphStats(MetricsRegistry& registry)
    : requests_total_(registry.AddCounter(
          "ndes_gateway_graph_requests_total",
          "Requests sent to Microsoft Graph, by HTTP method and response "
          "status (error: no response).",
          {"method", "status"})),
      retries_total_(registry.AddCounter(
          "ndes_gateway_graph_retries_total",
          "Graph requests sent again after a 429, 503 or 504 answer.")),
      throttled_total_(registry.AddCounter(
          "ndes_gateway_graph_throttled_total",
          "Graph answers that throttled: 429 (with or without Retry-After), "
          "or 503 with Retry-After.")),
      throttle_wait_seconds_total_(registry.AddCounter(
          "ndes_gateway_graph_throttle_wait_seconds_total",
          "Time waited before retrying throttled Graph requests.")),
      token_requests_total_(registry.AddCounter(
          "ndes_gateway_graph_token_requests_total",
          "Token requests to the identity platform, by result.", {"result"})),
      queue_length_(registry.AddGauge(
          "ndes_gateway_graph_queue_length",
          "Graph requests waiting for the request budget, by kind (read, "
          "write).",
          {"kind"})),
      queue_wait_seconds_(registry.AddHistogram(
          "ndes_gateway_graph_queue_wait_seconds",
          "Time a Graph request waited for the budget before it was sent, "
          "by kind (read, write).",
          WaitBuckets(), {"kind"})),
      budget_(registry.AddGauge(
          "ndes_gateway_graph_budget",
          "Graph requests allowed per budget window, as now in force (shrunk "
          "after a 429), by budget (writes, requests); 0 when off.",
          {"budget"})),
      budget_remaining_(registry.AddGauge(
          "ndes_gateway_graph_budget_remaining",
          "What is left of each Graph budget in the last window, by budget "
          "(writes, requests).",
          {"budget"})),
      refusals_total_(registry.AddCounter(
          "ndes_gateway_graph_budget_refusals_total",
          "Calls answered RESOURCE_EXHAUSTED at once because their deadline "
          "could not be met in the Graph request queue.")),
      coalesced_total_(registry.AddCounter(
          "ndes_gateway_graph_coalesced_updates_total",
          "Updates merged into the PATCH of an earlier waiting update of the "
          "same connector.")),
      shared_gets_total_(registry.AddCounter(
          "ndes_gateway_graph_shared_gets_total",
          "Gets answered by the upstream GET of another waiting Get of the "
          "same connector.")),
      retries_(retries_total_.Get()),
      throttled_(throttled_total_.Get()),
      throttle_wait_(throttle_wait_seconds_total_.Get()),
      token_success_(token_requests_total_.WithLabels({"success"})),
      token_failure_(token_requests_total_.WithLabels({"failure"})),
      read_queue_(queue_length_.WithLabels({"read"})),
      write_queue_(queue_length_.WithLabels({"write"})),
      read_wait_(queue_wait_seconds_.WithLabels({"read"})),
      write_wait_(queue_wait_seconds_.WithLabels({"write"})),
      write_budget_(budget_.WithLabels({"writes"})),
      request_budget_(budget_.WithLabels({"requests"})),
      write_budget_remaining_(budget_remaining_.WithLabels({"writes"})),
      request_budget_remaining_(budget_remaining_.WithLabels({"requests"})),
      refusals_(refusals_total_.Get()),
      coalesced_(coalesced_total_.Get()),
      shared_gets_(shared_gets_total_.Get()),
      request_counters_(new std::atomic<Counter*>[kMethods * kMaxStatus]) {
  for (int i = 0; i < kMethods * kMaxStatus; ++i) {
    request_counters_[i].store(nullptr, std::memory_order_relaxed);
  }
}

Counter& GraphStats::RequestCounter(absl::string_view method, int status) {
  const int method_index = MethodIndex(method);
  const bool cached = method_index >= 0 &&
                      (status == 0 || (status >= 100 && status < kMaxStatus));
  const std::string status_text =
      status == 0 ? std::string("error") : absl::StrCat(status);
  if (!cached) return requests_total_.WithLabels({method, status_text});
  std::atomic<Counter*>& slot =
      request_counters_[method_index * kMaxStatus + status];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &requests_total_.WithLabels({method, status_text});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void GraphStats::Answered(absl::string_view method, int http_status) {
  // 0 is this class's "error"; no HTTP response has status 0.
  if (http_status == 0) http_status = -1;
  RequestCounter(method, http_status).Increment();
}

void GraphStats::Failed(absl::string_view method) {
  RequestCounter(method, 0).Increment();
}

void GraphStats::SetQueueLength(UpstreamRequestKind kind, int length) {
  (kind == UpstreamRequestKind::kRead ? read_queue_ : write_queue_).Set(length);
}

void GraphStats::Waited(UpstreamRequestKind kind, absl::Duration wait) {
  (kind == UpstreamRequestKind::kRead ? read_wait_ : write_wait_).Observe(wait);
}

void GraphStats::SetBudgets(double writes, double requests) {
  write_budget_.Set(writes);
  request_budget_.Set(requests);
}

void GraphStats::SetBudgetsRemaining(double writes, double requests) {
  write_budget_remaining_.Set(writes);
  request_budget_remaining_.Set(requests);
}

}  // namespace ndes::graph
