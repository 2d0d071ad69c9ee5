#include "latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace ndes::bench {
namespace {

// 2^kSubBucketBits buckets per power of two above the linear range; values
// below 2^(kSubBucketBits + 1) are their own bucket.
constexpr int kSubBucketBits = 7;
constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;  // 128
constexpr int64_t kLinearLimit = kSubBuckets * 2;              // 256

int BitLength(uint64_t value) {
  return value == 0 ? 0 : 64 - __builtin_clzll(value);
}

}  // namespace

int LatencyHistogram::BucketIndex(int64_t value) {
  value = std::clamp<int64_t>(value, 0, kMaxValue);
  if (value < kLinearLimit) return static_cast<int>(value);
  // Keep the top kSubBucketBits + 1 bits: `top` is in [128, 256), and
  // `shift` (>= 1) says which power of two the value is in.
  const int shift = BitLength(static_cast<uint64_t>(value)) - (kSubBucketBits + 1);
  const int64_t top = value >> shift;
  return static_cast<int>(kLinearLimit + (shift - 1) * kSubBuckets +
                          (top - kSubBuckets));
}

int64_t LatencyHistogram::BucketUpperBound(int index) {
  if (index < kLinearLimit) return index;
  const int64_t above = index - kLinearLimit;
  const int shift = static_cast<int>(above / kSubBuckets) + 1;
  const int64_t top = above % kSubBuckets + kSubBuckets;
  return ((top + 1) << shift) - 1;
}

LatencyHistogram::LatencyHistogram()
    : counts_(static_cast<size_t>(BucketIndex(kMaxValue)) + 1, 0) {}

void LatencyHistogram::Record(int64_t value) {
  value = std::clamp<int64_t>(value, 0, kMaxValue);
  ++counts_[static_cast<size_t>(BucketIndex(value))];
  if (count_ == 0 || value < min_) min_ = value;
  if (value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<double>(value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void LatencyHistogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

int64_t LatencyHistogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  if (p == 0) return min_;
  // Nearest rank; the small epsilon keeps 99.9 % of 1000 at rank 999 despite
  // binary floating point.
  int64_t rank = static_cast<int64_t>(
      std::ceil(p / 100.0 * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<int64_t>(rank, 1, count_);
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(BucketUpperBound(static_cast<int>(i)), min_, max_);
    }
  }
  return max_;
}

}  // namespace ndes::bench
