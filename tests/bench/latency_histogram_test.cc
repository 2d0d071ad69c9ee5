#include "latency_histogram.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace ndes::bench {
namespace {

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 0);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), 0);
  EXPECT_EQ(histogram.mean(), 0);
}

TEST(LatencyHistogramTest, PercentilesAreExactBelowTheLinearLimit) {
  LatencyHistogram histogram;
  // 1..200 in a scrambled order: the order of recording must not matter.
  for (int64_t i = 0; i < 200; ++i) histogram.Record((i * 7) % 200 + 1);
  EXPECT_EQ(histogram.count(), 200);
  EXPECT_EQ(histogram.ValueAtPercentile(0), 1);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 100);
  EXPECT_EQ(histogram.ValueAtPercentile(90), 180);
  EXPECT_EQ(histogram.ValueAtPercentile(99), 198);
  EXPECT_EQ(histogram.ValueAtPercentile(99.9), 200);
  EXPECT_EQ(histogram.ValueAtPercentile(100), 200);
  EXPECT_DOUBLE_EQ(histogram.mean(), 100.5);
}

TEST(LatencyHistogramTest, NearestRankOnASkewedDistribution) {
  // 990 fast calls of 100 and 10 slow ones of 250: p99 is the last fast
  // call (rank 990), p99.9 a slow one (rank 1000 of 1000 is the 1000th).
  LatencyHistogram histogram;
  for (int i = 0; i < 990; ++i) histogram.Record(100);
  for (int i = 0; i < 10; ++i) histogram.Record(250);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 100);
  EXPECT_EQ(histogram.ValueAtPercentile(99), 100);
  EXPECT_EQ(histogram.ValueAtPercentile(99.1), 250);
  EXPECT_EQ(histogram.ValueAtPercentile(99.9), 250);
}

TEST(LatencyHistogramTest, LargeValuesAreReportedAtTheirBucketsUpperBound) {
  LatencyHistogram histogram;
  // 1,000,000 ns: bit length 20, shift 12, top 244 -> [999,424, 1,003,519].
  histogram.Record(1000000);
  histogram.Record(5000000);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 1003519);
  // The maximum is exact, and the top percentile never exceeds it.
  EXPECT_EQ(histogram.ValueAtPercentile(100), 5000000);
  EXPECT_EQ(histogram.max(), 5000000);
  EXPECT_EQ(histogram.min(), 1000000);
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueWithinOnePart128) {
  int previous_index = -1;
  const std::vector<int64_t> values = {0,    1,         255,
                                       256,  511,       512,
                                       1000, 123456789, LatencyHistogram::kMaxValue};
  for (int64_t value : values) {
    const int index = LatencyHistogram::BucketIndex(value);
    const int64_t upper = LatencyHistogram::BucketUpperBound(index);
    EXPECT_GE(upper, value);
    EXPECT_LE(static_cast<double>(upper - value),
              static_cast<double>(value) / 128.0)
        << value;
    // The next value after a bucket's upper bound is in the next bucket.
    if (value < LatencyHistogram::kMaxValue) {
      EXPECT_EQ(LatencyHistogram::BucketIndex(upper + 1), index + 1) << value;
    }
    EXPECT_GT(index, previous_index);
    previous_index = index;
  }
}

TEST(LatencyHistogramTest, OutOfRangeValuesAreClamped) {
  LatencyHistogram histogram;
  histogram.Record(-5);
  histogram.Record(LatencyHistogram::kMaxValue * 4);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), LatencyHistogram::kMaxValue);
  EXPECT_EQ(histogram.ValueAtPercentile(50), 0);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsExtremes) {
  LatencyHistogram a, b;
  for (int64_t v = 1; v <= 50; ++v) a.Record(v);
  for (int64_t v = 51; v <= 100; ++v) b.Record(v);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100);
  EXPECT_EQ(a.min(), 1);
  EXPECT_EQ(a.max(), 100);
  EXPECT_EQ(a.ValueAtPercentile(50), 50);
  EXPECT_EQ(a.ValueAtPercentile(75), 75);
  a.Clear();
  EXPECT_EQ(a.count(), 0);
  EXPECT_EQ(a.ValueAtPercentile(50), 0);
}

}  // namespace
}  // namespace ndes::bench
