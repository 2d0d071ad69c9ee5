// The loop that runs one RPC of NdesConnectorClient: a fresh ClientContext
// per attempt (deadline, bearer token), and retries of UNAVAILABLE for
// idempotent calls as ClientOptions::retry_policy says.
//
// Internal to the client library; not installed.
#ifndef NDES_CLIENT_NDES_CLIENT_INTERNAL_RETRY_LOOP_H_
#define NDES_CLIENT_NDES_CLIENT_INTERNAL_RETRY_LOOP_H_

#include <functional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "ndes/client/client_options.h"

namespace ndes::client::internal {

// Whether repeating a call after an UNAVAILABLE answer is harmless.
enum class Idempotency { kIdempotent, kNonIdempotent };

// Time as the retry loop sees it; tests replace both functions.
struct RetryClock {
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) {
    absl::SleepFor(d);
  };
};

// The upper bound b of the wait before retry `retry` (1 for the first):
// min(initial_backoff * backoff_multiplier^(retry-1), max_backoff).
absl::Duration BackoffBound(const RetryPolicy& policy, int retry);

// Calls `attempt` with a fresh context that carries the call's deadline
// (now + options.timeout, shared by all attempts) and the bearer token,
// until it succeeds, fails with anything but UNAVAILABLE, is not
// idempotent, has used max_attempts, or the next wait would end at or after
// the deadline. Returns the last attempt's status (see ToAbslStatus), its
// message suffixed with "(gave up after N attempts)" when N > 1.
absl::Status RunWithRetries(
    const ClientOptions& options, Idempotency idempotency,
    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> attempt,
    const RetryClock& clock = RetryClock());

// A grpc::Status as an absl::Status: the same code and message, and every
// google.rpc.Status detail (from the trailing grpc-status-details-bin) as a
// payload keyed by its type URL.
absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace ndes::client::internal

#endif  // NDES_CLIENT_NDES_CLIENT_INTERNAL_RETRY_LOOP_H_
