// A clock and a Scheduler that only move when a test says so, for units
// that pace work in time (the request budget): deterministic, no sleeps.
//
//   ManualClock clock;
//   ManualScheduler scheduler(&clock);
//   RequestPacer pacer(options_with(clock.AsFunction()), &scheduler, stats);
//   clock.Advance(absl::Milliseconds(200));
//   scheduler.RunDue();
//
// Thread-safe, but meant to be driven from the test's thread.
#ifndef NDES_TESTS_GRAPH_MANUAL_SCHEDULER_H_
#define NDES_TESTS_GRAPH_MANUAL_SCHEDULER_H_

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/http_client.h"

namespace ndes::graph::testing {

class ManualClock {
 public:
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
};

class ManualScheduler final : public http::Scheduler {
 public:
  explicit ManualScheduler(ManualClock* clock) : clock_(clock) {}
  // Work still pending runs now, as the real scheduler does.
  ~ManualScheduler() override { RunAll(); }

  void RunAfter(absl::Duration delay,
                absl::AnyInvocable<void() &&> work) override {
    absl::MutexLock lock(&mu_);
    pending_.emplace(clock_->Now() + delay, std::move(work));
  }

  // Runs the work that is due by the clock's time (and work it schedules
  // that is due too). Returns how many ran.
  int RunDue() {
    int ran = 0;
    while (true) {
      absl::AnyInvocable<void() &&> work;
      {
        absl::MutexLock lock(&mu_);
        if (pending_.empty() || pending_.begin()->first > clock_->Now()) {
          return ran;
        }
        work = std::move(pending_.begin()->second);
        pending_.erase(pending_.begin());
      }
      std::move(work)();
      ++ran;
    }
  }

  // Advances the clock to the next pending work and runs what is due then;
  // false if nothing is pending.
  bool RunNext() {
    absl::Time due;
    {
      absl::MutexLock lock(&mu_);
      if (pending_.empty()) return false;
      due = pending_.begin()->first;
    }
    const absl::Time now = clock_->Now();
    if (due > now) clock_->Advance(due - now);
    RunDue();
    return true;
  }

  void RunAll() {
    while (true) {
      absl::AnyInvocable<void() &&> work;
      {
        absl::MutexLock lock(&mu_);
        if (pending_.empty()) return;
        work = std::move(pending_.begin()->second);
        pending_.erase(pending_.begin());
      }
      std::move(work)();
    }
  }

 private:
  ManualClock* const clock_;
  absl::Mutex mu_;
  std::multimap<absl::Time, absl::AnyInvocable<void() &&>> pending_;
};

}  // namespace ndes::graph::testing

#endif  // NDES_TESTS_GRAPH_MANUAL_SCHEDULER_H_
