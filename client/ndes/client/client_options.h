// Options of an NdesConnectorClient: the deadline of each call, the bearer
// token, and when and how often a failed call is tried again.
//
//   ndes::client::ClientOptions options;
//   options.timeout = absl::Seconds(30);
//   options.bearer_token = token;          // sent as "authorization: Bearer …"
//   options.retry_policy.max_attempts = 5;
//
// Plain values: copy them freely; they are read, never changed, by the client.
#ifndef NDES_CLIENT_NDES_CLIENT_CLIENT_OPTIONS_H_
#define NDES_CLIENT_NDES_CLIENT_CLIENT_OPTIONS_H_

#include <string>

#include "absl/time/time.h"

namespace ndes::client {

// How a call that fails with UNAVAILABLE is tried again. Only calls that are
// safe to repeat are retried (see NdesConnectorClient): Get and List always,
// Update and Delete only when they carry an etag, Create never.
//
// Before retry n (n = 1, 2, …) the client waits a random time in
// [b/2, b), where b = min(initial_backoff * backoff_multiplier^(n-1),
// max_backoff) ("jitter", so that many clients do not retry in lockstep).
// A retry whose wait would end after the call's deadline is not made: the
// call returns the last UNAVAILABLE instead.
struct RetryPolicy {
  // Attempts per call, the first one included. 1 (or less) turns retries off.
  int max_attempts = 4;
  // The bound b of the first wait.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // The largest bound b of any wait.
  absl::Duration max_backoff = absl::Seconds(5);
  // Growth of b from one retry to the next; values below 1 count as 1.
  double backoff_multiplier = 2.0;
};

struct ClientOptions {
  // The deadline of each call, measured from when the call starts and
  // covering its retries and the waits between them. A call still running
  // then fails with DEADLINE_EXCEEDED. absl::InfiniteDuration() (or a
  // duration <= 0) sets no deadline.
  absl::Duration timeout = absl::Seconds(10);

  // When not empty, every call carries the metadata
  // "authorization: Bearer <bearer_token>" (what the gateway forwards to
  // Graph in passthrough mode). It is sent as given, also over a plaintext
  // channel: use TLS, loopback or a Unix socket. The client never logs it.
  std::string bearer_token;

  RetryPolicy retry_policy;
};

}  // namespace ndes::client

#endif  // NDES_CLIENT_NDES_CLIENT_CLIENT_OPTIONS_H_
