#include "load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ndes::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Slot {
  int channel = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> errors_by_code;
  std::string first_error;
  Clock::time_point first_error_at;
  Clock::time_point last_completion;
  LatencyHistogram latency;
};

// One period (warm-up or measured). Slots start calls until the period says
// stop; the period is over when every slot has stopped.
class Period {
 public:
  Period(CallIssuer& issuer, bool record, Clock::time_point end,
         int64_t requests)
      : issuer_(issuer), record_(record), end_(end), budget_(requests),
        counted_(requests > 0) {}

  void Run(std::vector<Slot>& slots) {
    {
      absl::MutexLock lock(&mu_);
      running_ = static_cast<int>(slots.size());
    }
    for (Slot& slot : slots) {
      if (!StartNext(slot)) Stopped();
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* running) { return *running == 0; }, &running_));
  }

 private:
  // Starts the slot's next call, or returns false if the period is over.
  bool StartNext(Slot& slot) {
    if (counted_) {
      if (budget_.fetch_sub(1, std::memory_order_relaxed) <= 0) return false;
    } else if (Clock::now() >= end_) {
      return false;
    }
    const Clock::time_point started = Clock::now();
    issuer_.Start(slot.channel, [this, &slot, started](absl::Status status) {
      const Clock::time_point finished = Clock::now();
      if (record_) Record(slot, status, started, finished);
      if (!StartNext(slot)) Stopped();
    });
    return true;
  }

  static void Record(Slot& slot, const absl::Status& status,
                     Clock::time_point started, Clock::time_point finished) {
    slot.last_completion = finished;
    if (status.ok()) {
      ++slot.ok;
      slot.latency.Record(
          std::chrono::duration_cast<std::chrono::nanoseconds>(finished -
                                                               started)
              .count());
      return;
    }
    ++slot.errors;
    ++slot.errors_by_code[absl::StatusCodeToString(status.code())];
    if (slot.first_error.empty()) {
      slot.first_error = status.ToString();
      slot.first_error_at = finished;
    }
  }

  void Stopped() {
    absl::MutexLock lock(&mu_);
    --running_;
  }

  CallIssuer& issuer_;
  const bool record_;
  const Clock::time_point end_;
  std::atomic<int64_t> budget_;
  const bool counted_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

double RunResult::qps() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0;
}

RunResult RunLoad(CallIssuer& issuer, const LoadShape& shape) {
  std::vector<Slot> slots(static_cast<size_t>(std::max(shape.concurrency, 1)));
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].channel = static_cast<int>(i) % std::max(shape.channels, 1);
  }
  if (shape.warmup > absl::ZeroDuration()) {
    Period warmup(issuer, /*record=*/false,
                  Clock::now() + absl::ToChronoNanoseconds(shape.warmup), 0);
    warmup.Run(slots);
  }
  const Clock::time_point start = Clock::now();
  Period measured(issuer, /*record=*/true,
                  start + absl::ToChronoNanoseconds(shape.duration),
                  shape.requests);
  measured.Run(slots);

  RunResult result;
  Clock::time_point last = start;
  Clock::time_point first_error_at = Clock::time_point::max();
  for (const Slot& slot : slots) {
    result.ok += slot.ok;
    result.errors += slot.errors;
    for (const auto& [code, count] : slot.errors_by_code) {
      result.errors_by_code[code] += count;
    }
    if (!slot.first_error.empty() && slot.first_error_at < first_error_at) {
      first_error_at = slot.first_error_at;
      result.first_error = slot.first_error;
    }
    if (slot.ok + slot.errors > 0) last = std::max(last, slot.last_completion);
    result.latency.Merge(slot.latency);
  }
  result.elapsed = absl::FromChrono(last - start);
  return result;
}

}  // namespace ndes::bench
