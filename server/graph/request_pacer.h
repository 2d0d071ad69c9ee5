// RequestPacer: the process-wide budget of Graph requests. Every request the
// Graph backend sends (first attempts, retries, the GET after a 204, the
// reads of conditional writes) waits here for its turn; token requests do
// not (they go to the identity platform, which Intune's budget does not
// cover).
//
// Intune documents its throttling "per 20 s" without saying how it counts
// inside the window, so the pacer never bursts: requests are spread evenly,
// one write every window/writes (200 ms at the default 100 per 20 s) and one
// request of any kind every window/requests (20 ms at 1,000 per 20 s); a
// write needs a turn of both. Writes and reads wait in two queues, so a read
// is not held behind a write waiting for its slower turn. Within a queue,
// order is arrival order, except that follow-ups and retries of requests
// already under way go first (Place::kFront).
//
// A request that would have to wait, and could then not be sent at least
// `deadline_margin` before its deadline, is refused at once with
// RESOURCE_EXHAUSTED carrying a google.rpc.RetryInfo: the time the queue
// needs to drain to it. A request that can go at once is never refused, nor
// is one placed at the front (it continues work Graph has already done).
//
// A 429 that still arrives (Throttled) halves the budget in force for that
// kind (down to min_budget_fraction) and holds every request back for the
// pause the caller computed (Retry-After, or back-off); each whole window
// without a 429 doubles the budget back, up to the configured one.
//
// A budget of 0 turns pacing of that kind off; with both 0 every request is
// released at once (inline) and nothing is ever refused or queued.
//
// Metrics (GraphStats): queue length and wait per kind, the budgets in force
// and what is left of them in the last window, refusals.
//
// Thread-safe. `release` callbacks run without the pacer's lock, inline in
// Enqueue (a request that may go at once) or on the scheduler's thread.
// Shutdown() answers every queued request UNAVAILABLE; it must be called
// before the scheduler is destroyed.
#ifndef NDES_SERVER_GRAPH_REQUEST_PACER_H_
#define NDES_SERVER_GRAPH_REQUEST_PACER_H_

#include <deque>
#include <functional>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graph/graph_stats.h"
#include "graph/upstream_request_kind.h"
#include "http/http_client.h"

namespace ndes::graph {

// Intune's documented per-app, per-tenant budget for device configuration.
inline constexpr int kIntuneWriteBudget = 100;
inline constexpr int kIntuneRequestBudget = 1000;
inline constexpr absl::Duration kIntuneBudgetWindow = absl::Seconds(20);

struct RequestBudget {
  // POST, PATCH and DELETE per window; 0: writes are paced only as
  // requests.
  int writes = kIntuneWriteBudget;
  // Requests of any kind per window; 0: not paced.
  int requests = kIntuneRequestBudget;
  absl::Duration window = kIntuneBudgetWindow;

  // No pacing at all (tests, a Graph that does not throttle).
  static RequestBudget Off() { return {0, 0, kIntuneBudgetWindow}; }
  bool enabled() const { return writes > 0 || requests > 0; }
};

// INVALID_ARGUMENT naming the flag for a negative budget or a window that
// is not positive.
absl::Status ValidateRequestBudget(const RequestBudget& budget);

struct RequestPacerOptions {
  RequestBudget budget;
  // Refuse a request that could not be sent at least this long before its
  // deadline (Graph needs some time to answer).
  absl::Duration deadline_margin = absl::Milliseconds(250);
  // After 429s the budget in force shrinks to no less than this fraction.
  double min_budget_fraction = 1.0 / 16;
  std::function<absl::Time()> clock = absl::Now;
};

class RequestPacer {
 public:
  // OK: send the request now. UNAVAILABLE: the gateway is shutting down.
  using Release = absl::AnyInvocable<void(absl::Status) &&>;
  enum class Place { kBack, kFront };

  // `scheduler` and `stats` must outlive the pacer.
  RequestPacer(RequestPacerOptions options, http::Scheduler* scheduler,
               std::shared_ptr<GraphStats> stats);
  ~RequestPacer();
  RequestPacer(const RequestPacer&) = delete;
  RequestPacer& operator=(const RequestPacer&) = delete;

  // Queues a request of `kind` to be sent before `deadline`. On OK,
  // `release` runs exactly once later (or before this returns). Otherwise
  // `release` is dropped unrun and the status is the answer:
  // RESOURCE_EXHAUSTED with RetryInfo (the deadline cannot be met), or
  // UNAVAILABLE (shutting down).
  absl::Status Enqueue(UpstreamRequestKind kind, absl::Time deadline,
                       Place place, Release release);

  // When a request of `kind` queued now behind `extra_ahead` more requests
  // of its kind (not queued yet) would be sent. Now when pacing is off.
  absl::Time EstimateSendTime(UpstreamRequestKind kind, int extra_ahead) const;

  // The RESOURCE_EXHAUSTED answer for a call that would be sent at
  // `send_time`, after its deadline; counts the refusal.
  absl::Status Refusal(absl::Time send_time) const;

  // Whether a request sent at `send_time` meets `deadline`: it goes at once
  // (nothing to wait for, or pacing is off), or early enough to leave Graph
  // `deadline_margin` to answer.
  bool MeetsDeadline(absl::Time send_time, absl::Time deadline) const {
    return !enabled() || send_time <= options_.clock() ||
           send_time + options_.deadline_margin <= deadline;
  }

  // Graph answered a request of `kind` 429: shrink that budget and hold
  // every request back for `pause`.
  void Throttled(UpstreamRequestKind kind, absl::Duration pause);

  // Answers every queued request UNAVAILABLE and every later Enqueue too.
  void Shutdown();

  bool enabled() const { return options_.budget.enabled(); }

 private:
  struct Waiting {
    Release release;
    absl::Time enqueued;
  };
  struct Ready {
    Release release;
    absl::Status status;
  };

  absl::Duration WriteInterval() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Duration RequestInterval() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Time EstimateLocked(UpstreamRequestKind kind, int ahead,
                            absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Each whole window since the last 429 doubles the shrunk budgets back.
  void RecoverLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves every request whose turn has come into `ready`, and arms the
  // timer for the next turn.
  void DispatchLocked(absl::Time now, std::vector<Ready>* ready)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ArmTimerLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnTimer();
  static void Run(std::vector<Ready> ready);

  const RequestPacerOptions options_;
  http::Scheduler* const scheduler_;
  const std::shared_ptr<GraphStats> stats_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Waiting> reads_ ABSL_GUARDED_BY(mu_);
  std::deque<Waiting> writes_ ABSL_GUARDED_BY(mu_);
  // The earliest time the next write / request may go.
  absl::Time next_write_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_request_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The budgets in force, as fractions of the configured ones.
  double write_fraction_ ABSL_GUARDED_BY(mu_) = 1;
  double request_fraction_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Time last_throttled_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // When requests were sent in the last window (for the remaining budgets).
  std::deque<absl::Time> sent_writes_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Time> sent_requests_ ABSL_GUARDED_BY(mu_);
  // The earliest timer armed and not fired yet.
  absl::Time timer_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_REQUEST_PACER_H_
