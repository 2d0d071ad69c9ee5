// When and how long to wait before retrying a Graph request.
//
// Retried: HTTP 429, 503 and 504 (throttling and transient outages), for
// every method (Graph rejects the request before applying it in those
// cases). The wait honours Retry-After (delta-seconds, or an HTTP-date) when
// present; otherwise it is exponential back-off with full jitter:
// uniform(0, min(max_backoff, initial_backoff * 2^(attempt-1))). A retry is
// never started if it could not begin before the caller's deadline.
//
// Thread-safe: pure functions (the random source is the caller's).
#ifndef NDES_SERVER_GRAPH_RETRY_POLICY_H_
#define NDES_SERVER_GRAPH_RETRY_POLICY_H_

#include <optional>

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"
#include "http/http_client.h"

namespace ndes::graph {

struct RetryPolicy {
  // Attempts in all, the first included.
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  // A longer Retry-After is honoured only if the deadline allows; this caps
  // a nonsensical value (days) when the caller set no deadline.
  absl::Duration max_retry_after = absl::Seconds(120);
};

// Whether an HTTP status is retried at all.
bool IsRetryableHttpStatus(int http_status);

// The wait before the next attempt after `attempt` attempts (1-based) ended
// with `response`, or nullopt when no retry should be made: the status is
// not retryable, attempts are used up, or now + wait would pass `deadline`.
std::optional<absl::Duration> NextRetryDelay(
    const RetryPolicy& policy, int attempt, const http::HttpResponse& response,
    absl::Time now, absl::Time deadline, absl::BitGenRef random);

// The Retry-After of `response` as a duration from `now`, if the header is
// present and valid (delta-seconds or IMF-fixdate). A date in the past is
// zero.
std::optional<absl::Duration> RetryAfter(const http::HttpResponse& response,
                                         absl::Time now);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_RETRY_POLICY_H_
