#include "observability/gateway_metrics.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"

namespace ndes::observability {
namespace {

constexpr std::array<absl::string_view, 4> kGraphMethodNames = {
    "GET", "POST", "PATCH", "DELETE"};

int GraphMethodIndex(absl::string_view method) {
  for (std::size_t i = 0; i < kGraphMethodNames.size(); ++i) {
    if (method == kGraphMethodNames[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

GatewayMetrics::GatewayMetrics()
    : graph_requests_total_(registry_.AddCounter(
          "ndes_gateway_graph_requests_total",
          "Requests sent to Microsoft Graph, by HTTP method and response "
          "status (error: no response).",
          {"method", "status"})),
      graph_retries_total_(registry_.AddCounter(
          "ndes_gateway_graph_retries_total",
          "Graph requests sent again after a 429, 503 or 504 answer.")),
      graph_throttled_total_(
          registry_.AddCounter("ndes_gateway_graph_throttled_total",
                               "Graph answers 429 or 503 with Retry-After.")),
      graph_throttle_wait_seconds_total_(registry_.AddCounter(
          "ndes_gateway_graph_throttle_wait_seconds_total",
          "Time waited before retrying throttled Graph requests.")),
      graph_token_requests_total_(registry_.AddCounter(
          "ndes_gateway_graph_token_requests_total",
          "Token requests to the identity platform, by result.", {"result"})),
      graph_retries_(graph_retries_total_.Get()),
      graph_throttled_(graph_throttled_total_.Get()),
      graph_throttle_wait_(graph_throttle_wait_seconds_total_.Get()),
      token_success_(graph_token_requests_total_.WithLabels({"success"})),
      token_failure_(graph_token_requests_total_.WithLabels({"failure"})),
      graph_requests_(new std::atomic<Counter*>[kGraphMethods * kMaxStatus]) {
  for (int i = 0; i < kGraphMethods * kMaxStatus; ++i) {
    graph_requests_[i].store(nullptr, std::memory_order_relaxed);
  }
}

Counter& GatewayMetrics::GraphRequestCounter(absl::string_view method,
                                             int status) {
  const int method_index = GraphMethodIndex(method);
  const bool cached = method_index >= 0 &&
                      (status == 0 || (status >= 100 && status < kMaxStatus));
  const std::string status_text =
      status == 0 ? std::string("error") : absl::StrCat(status);
  if (!cached) {
    return graph_requests_total_.WithLabels({method, status_text});
  }
  std::atomic<Counter*>& slot =
      graph_requests_[method_index * kMaxStatus + status];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &graph_requests_total_.WithLabels({method, status_text});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void GatewayMetrics::GraphAnswered(absl::string_view method, int http_status) {
  // 0 is this class's "error"; no HTTP response has status 0.
  if (http_status == 0) http_status = -1;
  GraphRequestCounter(method, http_status).Increment();
}

void GatewayMetrics::GraphFailed(absl::string_view method) {
  GraphRequestCounter(method, 0).Increment();
}

void GatewayMetrics::GraphRetried() { graph_retries_.Increment(); }

void GatewayMetrics::GraphThrottled() { graph_throttled_.Increment(); }

void GatewayMetrics::GraphThrottleWait(absl::Duration wait) {
  graph_throttle_wait_.Add(absl::ToDoubleSeconds(wait));
}

void GatewayMetrics::GraphTokenRequested(bool success) {
  (success ? token_success_ : token_failure_).Increment();
}

GatewayMetrics& Metrics() {
  // Never destroyed: threads of stores and servers may still record while
  // the process exits.
  static GatewayMetrics* const metrics = new GatewayMetrics();
  return *metrics;
}

}  // namespace ndes::observability
