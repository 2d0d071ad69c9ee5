// GatewayMetrics: the Graph backend's metrics, one process-wide instance
// (Metrics()), whose registry main() exposes on --metrics_listen. The names
// and labels below are a contract: dashboards and alerts use them.
//
//   ndes_gateway_graph_requests_total{method,status}       counter
//   ndes_gateway_graph_retries_total                       counter
//   ndes_gateway_graph_throttled_total                     counter
//   ndes_gateway_graph_throttle_wait_seconds_total         counter
//   ndes_gateway_graph_token_requests_total{result}        counter
//
// Label values: method = the HTTP method, status = the HTTP status as text,
// or "error" when no response arrived; result = success or failure.
//
// Every recording method is lock-free and allocation-free once the series
// it touches exists. Thread-safe.
#ifndef NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
#define NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_

#include <atomic>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "observability/metrics_registry.h"

namespace ndes::observability {

class GatewayMetrics {
 public:
  GatewayMetrics();
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  MetricsRegistry& registry() { return registry_; }

  // Graph answered a request of HTTP `method` with `http_status`.
  void GraphAnswered(absl::string_view method, int http_status);
  // A Graph request of `method` ended without a response (status "error").
  void GraphFailed(absl::string_view method);
  // A request is sent again after a retryable answer (429, 503, 504).
  void GraphRetried();
  // Graph answered 429 or 503 with Retry-After.
  void GraphThrottled();
  // The gateway waits `wait` before retrying a throttled request.
  void GraphThrottleWait(absl::Duration wait);
  // A token request to the identity platform ended.
  void GraphTokenRequested(bool success);

  CounterFamily& graph_requests_total() { return graph_requests_total_; }
  CounterFamily& graph_retries_total() { return graph_retries_total_; }
  CounterFamily& graph_throttled_total() { return graph_throttled_total_; }
  CounterFamily& graph_throttle_wait_seconds_total() {
    return graph_throttle_wait_seconds_total_;
  }
  CounterFamily& graph_token_requests_total() {
    return graph_token_requests_total_;
  }

 private:
  // The Graph request counter of (method, status); status 0 is "error".
  Counter& GraphRequestCounter(absl::string_view method, int status);

  MetricsRegistry registry_;
  CounterFamily& graph_requests_total_;
  CounterFamily& graph_retries_total_;
  CounterFamily& graph_throttled_total_;
  CounterFamily& graph_throttle_wait_seconds_total_;
  CounterFamily& graph_token_requests_total_;

  // Resolved once, so that the hot paths skip the families' locks.
  Counter& graph_retries_;
  Counter& graph_throttled_;
  Counter& graph_throttle_wait_;
  Counter& token_success_;
  Counter& token_failure_;

  // Graph request counters of GET, POST, PATCH, DELETE by status 100..599,
  // and [method][0] for "error"; other methods and statuses take the
  // family's lock.
  static constexpr int kGraphMethods = 4;
  static constexpr int kMaxStatus = 600;
  std::unique_ptr<std::atomic<Counter*>[]> graph_requests_;
};

// The process-wide instance.
GatewayMetrics& Metrics();

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
