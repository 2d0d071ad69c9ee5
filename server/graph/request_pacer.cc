#include "graph/request_pacer.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

absl::Duration IntervalOf(int budget, double fraction, absl::Duration window) {
  if (budget <= 0) return absl::ZeroDuration();
  return window / (budget * fraction);
}

// Drops the send times that left the window ending at `now`.
void Forget(std::deque<absl::Time>& sent, absl::Time now,
            absl::Duration window) {
  while (!sent.empty() && sent.front() <= now - window) sent.pop_front();
}

}  // namespace

absl::Status ValidateRequestBudget(const RequestBudget& budget) {
  if (budget.writes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--graph_write_budget must be 0 (off) or more, not ", budget.writes));
  }
  if (budget.requests < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--graph_request_budget must be 0 (off) or more, not ",
                     budget.requests));
  }
  if (budget.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--graph_budget_window must be positive, not ",
                     absl::FormatDuration(budget.window)));
  }
  return absl::OkStatus();
}

RequestPacer::RequestPacer(RequestPacerOptions options,
                           http::Scheduler* scheduler,
                           std::shared_ptr<GraphStats> stats)
    : options_(std::move(options)),
      scheduler_(scheduler),
      stats_(std::move(stats)) {
  absl::MutexLock lock(&mu_);
  ReportLocked(options_.clock());
}

RequestPacer::~RequestPacer() { Shutdown(); }

absl::Duration RequestPacer::WriteInterval() const {
  return IntervalOf(options_.budget.writes, write_fraction_,
                    options_.budget.window);
}

absl::Duration RequestPacer::RequestInterval() const {
  return IntervalOf(options_.budget.requests, request_fraction_,
                    options_.budget.window);
}

absl::Time RequestPacer::EstimateLocked(UpstreamRequestKind kind, int ahead,
                                        absl::Time now) const {
  const absl::Duration request_interval = RequestInterval();
  const absl::Time request_turn = std::max(now, next_request_);
  if (kind == UpstreamRequestKind::kWrite) {
    // Each write ahead takes a write turn and a request turn.
    const absl::Time by_writes =
        std::max(now, next_write_) + WriteInterval() * ahead;
    const absl::Time by_requests = request_turn + request_interval * ahead;
    return std::max(by_writes, by_requests);
  }
  // Reads ahead each take a request turn, and so do the writes that go
  // between them meanwhile.
  int writes_between = static_cast<int>(writes_.size());
  const absl::Duration write_interval = WriteInterval();
  if (write_interval > absl::ZeroDuration()) {
    const double span =
        absl::FDivDuration(request_interval * ahead, write_interval);
    writes_between =
        std::min(writes_between, static_cast<int>(std::ceil(span)) + 1);
  }
  return request_turn + request_interval * (ahead + writes_between);
}

absl::Time RequestPacer::EstimateSendTime(UpstreamRequestKind kind,
                                          int extra_ahead) const {
  const absl::Time now = options_.clock();
  if (!enabled()) return now;
  absl::MutexLock lock(&mu_);
  const int queued = static_cast<int>(
      kind == UpstreamRequestKind::kWrite ? writes_.size() : reads_.size());
  return EstimateLocked(kind, queued + extra_ahead, now);
}

absl::Status RequestPacer::Refusal(absl::Time send_time) const {
  stats_->Refused();
  const absl::Duration wait = send_time - options_.clock();
  return translation::ResourceExhaustedWithRetryInfo(
      absl::StrCat(
          "the Graph request budget (", options_.budget.writes, " writes and ",
          options_.budget.requests, " requests per ",
          absl::FormatDuration(options_.budget.window),
          ") is spent: the call could be sent to Graph only in ",
          absl::FormatDuration(absl::Trunc(wait, absl::Milliseconds(1))),
          ", after its deadline; retry after that"),
      wait);
}

absl::Status RequestPacer::Enqueue(UpstreamRequestKind kind,
                                   absl::Time deadline, Place place,
                                   Release release) {
  std::vector<Ready> ready;
  bool paced = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return absl::UnavailableError(
          "the gateway is shutting down; the Graph request was not sent");
    }
    paced = enabled();
    if (paced) {
      const absl::Time now = options_.clock();
      RecoverLocked(now);
      std::deque<Waiting>& queue =
          kind == UpstreamRequestKind::kWrite ? writes_ : reads_;
      if (place == Place::kBack) {
        const absl::Time send_time =
            EstimateLocked(kind, static_cast<int>(queue.size()), now);
        if (!MeetsDeadline(send_time, deadline)) return Refusal(send_time);
        queue.push_back({std::move(release), now});
      } else {
        queue.push_front({std::move(release), now});
      }
      DispatchLocked(now, &ready);
    }
  }
  if (!paced) {
    // Pacing is off: the request goes at once.
    std::move(release)(absl::OkStatus());
  }
  Run(std::move(ready));
  return absl::OkStatus();
}

void RequestPacer::Throttled(UpstreamRequestKind kind, absl::Duration pause) {
  if (!enabled()) return;
  std::vector<Ready> ready;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = options_.clock();
    double& fraction = kind == UpstreamRequestKind::kWrite ? write_fraction_
                                                           : request_fraction_;
    fraction = std::max(options_.min_budget_fraction, fraction / 2);
    last_throttled_ = now;
    const absl::Time resume = now + std::max(pause, absl::ZeroDuration());
    next_request_ = std::max(next_request_, resume);
    next_write_ = std::max(next_write_, resume);
    DispatchLocked(now, &ready);
  }
  Run(std::move(ready));
}

void RequestPacer::Shutdown() {
  std::vector<Ready> ready;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (std::deque<Waiting>* queue : {&reads_, &writes_}) {
      for (Waiting& waiting : *queue) {
        ready.push_back(
            {std::move(waiting.release),
             absl::UnavailableError("the gateway is shutting down; the Graph "
                                    "request was not sent")});
      }
      queue->clear();
    }
  }
  Run(std::move(ready));
}

void RequestPacer::RecoverLocked(absl::Time now) {
  while ((write_fraction_ < 1 || request_fraction_ < 1) &&
         now - last_throttled_ >= options_.budget.window) {
    write_fraction_ = std::min(1.0, write_fraction_ * 2);
    request_fraction_ = std::min(1.0, request_fraction_ * 2);
    last_throttled_ += options_.budget.window;
  }
}

void RequestPacer::DispatchLocked(absl::Time now, std::vector<Ready>* ready) {
  RecoverLocked(now);
  if (!stopping_) {
    while (true) {
      std::deque<Waiting>* queue = nullptr;
      if (!writes_.empty() && now >= next_write_ && now >= next_request_) {
        queue = &writes_;
        next_write_ = std::max(next_write_, now) + WriteInterval();
        sent_writes_.push_back(now);
      } else if (!reads_.empty() && now >= next_request_) {
        queue = &reads_;
      } else {
        break;
      }
      next_request_ = std::max(next_request_, now) + RequestInterval();
      sent_requests_.push_back(now);
      const UpstreamRequestKind kind = queue == &writes_
                                           ? UpstreamRequestKind::kWrite
                                           : UpstreamRequestKind::kRead;
      stats_->Waited(kind, now - queue->front().enqueued);
      ready->push_back({std::move(queue->front().release), absl::OkStatus()});
      queue->pop_front();
    }
  }
  ReportLocked(now);
  ArmTimerLocked(now);
}

void RequestPacer::ArmTimerLocked(absl::Time now) {
  if (stopping_) return;
  absl::Time due = absl::InfiniteFuture();
  if (!writes_.empty()) due = std::max(next_write_, next_request_);
  if (!reads_.empty()) due = std::min(due, next_request_);
  if (due == absl::InfiniteFuture() && !sent_requests_.empty()) {
    // Nothing waits: wake up once the oldest send leaves the window, so that
    // the remaining-budget gauges climb back.
    due = std::max(sent_requests_.front() + options_.budget.window,
                   now + options_.budget.window / 20);
  }
  if (due == absl::InfiniteFuture() || due >= timer_at_) return;
  timer_at_ = due;
  scheduler_->RunAfter(std::max(due - now, absl::ZeroDuration()),
                       [this] { OnTimer(); });
}

void RequestPacer::OnTimer() {
  std::vector<Ready> ready;
  {
    absl::MutexLock lock(&mu_);
    timer_at_ = absl::InfiniteFuture();
    DispatchLocked(options_.clock(), &ready);
  }
  Run(std::move(ready));
}

void RequestPacer::ReportLocked(absl::Time now) {
  const RequestBudget& budget = options_.budget;
  Forget(sent_writes_, now, budget.window);
  Forget(sent_requests_, now, budget.window);
  const double writes = budget.writes * write_fraction_;
  const double requests = budget.requests * request_fraction_;
  stats_->SetBudgets(writes, requests);
  stats_->SetBudgetsRemaining(
      budget.writes > 0
          ? std::max(0.0, writes - static_cast<double>(sent_writes_.size()))
          : 0,
      budget.requests > 0
          ? std::max(0.0, requests - static_cast<double>(sent_requests_.size()))
          : 0);
  stats_->SetQueueLength(UpstreamRequestKind::kRead,
                         static_cast<int>(reads_.size()));
  stats_->SetQueueLength(UpstreamRequestKind::kWrite,
                         static_cast<int>(writes_.size()));
}

void RequestPacer::Run(std::vector<Ready> ready) {
  for (Ready& each : ready) std::move(each.release)(std::move(each.status));
}

}  // namespace ndes::graph
