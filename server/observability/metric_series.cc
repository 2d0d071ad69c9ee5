#include "observability/metric_series.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "text/status_code_name.h"

namespace ndes::observability {

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

absl::string_view GrpcCodeLabel(int code) {
  static constexpr std::array<absl::string_view, 17> kLabels = {
      "OK",
      "Canceled",
      "Unknown",
      "InvalidArgument",
      "DeadlineExceeded",
      "NotFound",
      "AlreadyExists",
      "PermissionDenied",
      "ResourceExhausted",
      "FailedPrecondition",
      "Aborted",
      "OutOfRange",
      "Unimplemented",
      "Internal",
      "Unavailable",
      "DataLoss",
      "Unauthenticated"};
  if (code < 0 || code >= static_cast<int>(kLabels.size())) return "Unknown";
  return kLabels[code];
}

CodeCounters::CodeCounters(CounterFamily* family,
                           std::vector<std::string> label_prefix,
                           absl::string_view (*code_label)(int))
    : family_(family),
      label_prefix_(std::move(label_prefix)),
      code_label_(code_label) {
  for (std::atomic<Counter*>& counter : counters_) {
    counter.store(nullptr, std::memory_order_relaxed);
  }
}

Counter& CodeCounters::For(int code) {
  if (code < 0 || code >= kCodes) {
    code = static_cast<int>(absl::StatusCode::kUnknown);
  }
  Counter* counter = counters_[code].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // First use of this code: the family hands every racer the same series.
    std::vector<std::string> values = label_prefix_;
    values.emplace_back(code_label_(code));
    counter = &family_->WithLabels(values);
    counters_[code].store(counter, std::memory_order_release);
  }
  return *counter;
}

}  // namespace ndes::observability
