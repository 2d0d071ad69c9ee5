#include "ndes/client/internal/retry_loop.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "ndes/client/internal/google_rpc_wire.h"

namespace ndes::client::internal {
namespace {

absl::Status GaveUp(const absl::Status& status, int attempts) {
  if (attempts <= 1) return status;
  absl::Status result(status.code(),
                      absl::StrCat(status.message(), " (gave up after ",
                                   attempts, " attempts)"));
  status.ForEachPayload(
      [&result](absl::string_view type_url, const absl::Cord& payload) {
        result.SetPayload(type_url, payload);
      });
  return result;
}

bool HasDeadline(absl::Duration timeout) {
  return timeout > absl::ZeroDuration() && timeout != absl::InfiniteDuration();
}

}  // namespace

absl::Duration BackoffBound(const RetryPolicy& policy, int retry) {
  const double multiplier = std::max(1.0, policy.backoff_multiplier);
  absl::Duration bound = policy.initial_backoff;
  for (int i = 1; i < retry && bound < policy.max_backoff; ++i) {
    bound *= multiplier;
  }
  return std::min(bound, policy.max_backoff);
}

absl::Status RunWithRetries(
    const ClientOptions& options, Idempotency idempotency,
    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> attempt,
    const RetryClock& clock) {
  const bool has_deadline = HasDeadline(options.timeout);
  const absl::Time deadline =
      has_deadline ? clock.now() + options.timeout : absl::InfiniteFuture();
  const int max_attempts = std::max(1, options.retry_policy.max_attempts);
  // Seeded only when a retry needs a wait: most calls never do.
  std::optional<absl::BitGen> jitter;
  for (int attempt_number = 1;; ++attempt_number) {
    grpc::ClientContext context;
    if (has_deadline) context.set_deadline(absl::ToChronoTime(deadline));
    if (!options.bearer_token.empty()) {
      context.AddMetadata("authorization",
                          absl::StrCat("Bearer ", options.bearer_token));
    }
    const grpc::Status status = attempt(context);
    if (status.ok()) return absl::OkStatus();

    absl::Status result = ToAbslStatus(status);
    if (result.code() != absl::StatusCode::kUnavailable ||
        idempotency == Idempotency::kNonIdempotent) {
      return GaveUp(result, attempt_number);
    }
    if (attempt_number >= max_attempts) return GaveUp(result, attempt_number);
    if (!jitter.has_value()) jitter.emplace();
    const absl::Duration wait =
        BackoffBound(options.retry_policy, attempt_number) *
        absl::Uniform(*jitter, 0.5, 1.0);
    // Waiting past the deadline only to fail with DEADLINE_EXCEEDED would
    // hide the real cause.
    if (clock.now() + wait >= deadline) return GaveUp(result, attempt_number);
    clock.sleep(wait);
  }
}

absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  if (status.error_details().empty()) return result;
  if (std::optional<std::vector<StatusDetail>> details =
          DecodeStatusDetails(status.error_details())) {
    for (StatusDetail& detail : *details) {
      result.SetPayload(detail.type_url, absl::Cord(std::move(detail.value)));
    }
  }
  return result;
}

}  // namespace ndes::client::internal
