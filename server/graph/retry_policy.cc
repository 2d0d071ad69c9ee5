#include "graph/retry_policy.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace ndes::graph {

bool IsRetryableHttpStatus(int http_status) {
  return http_status == 429 || http_status == 503 || http_status == 504;
}

std::optional<absl::Duration> RetryAfter(const http::HttpResponse& response,
                                         absl::Time now) {
  std::optional<std::string> header = response.Header("retry-after");
  if (!header.has_value()) return std::nullopt;
  const absl::string_view value = absl::StripAsciiWhitespace(*header);
  std::int64_t seconds = 0;
  if (!value.empty() && absl::ascii_isdigit(value.front())) {
    if (!absl::SimpleAtoi(value, &seconds) || seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value),
                       absl::UTCTimeZone(), &when, &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), when - now);
}

std::optional<absl::Duration> NextRetryDelay(
    const RetryPolicy& policy, int attempt, const http::HttpResponse& response,
    absl::Time now, absl::Time deadline, absl::BitGenRef random) {
  if (!IsRetryableHttpStatus(response.status_code)) return std::nullopt;
  if (attempt >= policy.max_attempts) return std::nullopt;

  absl::Duration delay;
  if (std::optional<absl::Duration> retry_after = RetryAfter(response, now)) {
    if (*retry_after > policy.max_retry_after) return std::nullopt;
    delay = *retry_after;
  } else {
    absl::Duration ceiling = policy.initial_backoff;
    for (int i = 1; i < attempt && ceiling < policy.max_backoff; ++i) {
      ceiling *= 2;
    }
    ceiling = std::min(ceiling, policy.max_backoff);
    // Full jitter spreads the retries of many callers throttled together.
    delay = absl::Nanoseconds(
        absl::Uniform<std::int64_t>(absl::IntervalClosedClosed, random, 0,
                                    absl::ToInt64Nanoseconds(ceiling)));
  }
  if (now + delay >= deadline) return std::nullopt;
  return delay;
}

}  // namespace ndes::graph
