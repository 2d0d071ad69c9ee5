// A small log-linear histogram of latencies, in the manner of HdrHistogram:
// values below 256 (nanoseconds, by convention) each have a bucket of their
// own; above that, every power of two is split into 128 equal buckets, so a
// recorded value is known to within 1/128 (< 0.8 %) of itself. Recording is
// an index computation and an increment: cheap enough for every call of a
// load generator.
//
//   LatencyHistogram histogram;
//   histogram.Record(absl::ToInt64Nanoseconds(elapsed));
//   int64_t p99 = histogram.ValueAtPercentile(99.0);
//
// Percentiles use the nearest-rank definition: the value at rank
// ceil(p / 100 * count), reported as the largest value its bucket holds,
// but never above the largest value recorded. Values below 256 are
// therefore exact, and so is the maximum.
//
// Not thread-safe: a load generator keeps one per thread or per shard and
// merges them (Merge) when the run is over.
#ifndef NDES_CLIENT_BENCH_LATENCY_HISTOGRAM_H_
#define NDES_CLIENT_BENCH_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace ndes::bench {

class LatencyHistogram {
 public:
  // Values above this (about 68 seconds in nanoseconds) are recorded as it.
  static constexpr int64_t kMaxValue = (int64_t{1} << 36) - 1;

  LatencyHistogram();

  // Records one value; negative values count as 0.
  void Record(int64_t value);
  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other);
  void Clear();

  int64_t count() const { return count_; }
  // 0 when empty.
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const;

  // p in [0, 100]; 0 when empty. p = 0 gives min(), p = 100 gives max().
  int64_t ValueAtPercentile(double p) const;

  // The bucket of `value` and the largest value that bucket holds: exposed
  // for tests of the bucket layout.
  static int BucketIndex(int64_t value);
  static int64_t BucketUpperBound(int index);

 private:
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  // Sum of the recorded values, for the mean; double so that it cannot
  // overflow on long runs.
  double sum_ = 0;
};

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_LATENCY_HISTOGRAM_H_
