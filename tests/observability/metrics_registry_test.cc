#include "observability/metrics_registry.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::observability {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(MetricsRegistryTest, ExposesTheTextFormatExactly) {
  MetricsRegistry registry;
  CounterFamily& calls = registry.AddCounter(
      "app_calls_total", "Calls answered.", {"method", "code"});
  GaugeFamily& queue = registry.AddGauge("app_queue_depth", "Queued work.");
  HistogramFamily& latency = registry.AddHistogram(
      "app_latency_seconds", "Latency.", {0.1, 1}, {"method"});
  calls.WithLabels({"Get", "OK"}).Increment(3);
  calls.WithLabels({"Get", "NOT_FOUND"}).Increment();
  queue.Get().Set(2.5);
  Histogram& get = latency.WithLabels({"Get"});
  get.Observe(0.05);
  get.Observe(0.5);
  get.Observe(7);

  EXPECT_EQ(registry.TextExposition(),
            "# HELP app_calls_total Calls answered.\n"
            "# TYPE app_calls_total counter\n"
            "app_calls_total{method=\"Get\",code=\"NOT_FOUND\"} 1\n"
            "app_calls_total{method=\"Get\",code=\"OK\"} 3\n"
            "# HELP app_latency_seconds Latency.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 1\n"
            "app_latency_seconds_bucket{method=\"Get\",le=\"1\"} 2\n"
            "app_latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 3\n"
            "app_latency_seconds_sum{method=\"Get\"} 7.55\n"
            "app_latency_seconds_count{method=\"Get\"} 3\n"
            "# HELP app_queue_depth Queued work.\n"
            "# TYPE app_queue_depth gauge\n"
            "app_queue_depth 2.5\n");
}

TEST(MetricsRegistryTest, LeavesOutFamiliesWithoutSeriesButNotUnlabelledOnes) {
  MetricsRegistry registry;
  registry.AddCounter("app_labelled_total", "Labelled.", {"kind"});
  registry.AddCounter("app_plain_total", "Plain.");
  EXPECT_EQ(registry.TextExposition(),
            "# HELP app_plain_total Plain.\n"
            "# TYPE app_plain_total counter\n"
            "app_plain_total 0\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter(
      "app_escapes_total", "Back\\slash and\nnewline.", {"value"});
  family.WithLabels({"a\"b\\c\nd"}).Increment();
  EXPECT_EQ(registry.TextExposition(),
            "# HELP app_escapes_total Back\\\\slash and\\nnewline.\n"
            "# TYPE app_escapes_total counter\n"
            "app_escapes_total{value=\"a\\\"b\\\\c\\nd\"} 1\n");
  EXPECT_EQ(EscapeLabelValue("plain ünïcode"), "plain ünïcode");
}

TEST(MetricsRegistryTest, SameLabelValuesGiveTheSameSeries) {
  MetricsRegistry registry;
  CounterFamily& family =
      registry.AddCounter("app_things_total", "Things.", {"kind"});
  Counter& first = family.WithLabels({"a"});
  EXPECT_EQ(&first, &family.WithLabels({"a"}));
  EXPECT_NE(&first, &family.WithLabels({"b"}));
  EXPECT_EQ(&first, &family.WithLabels(std::vector<std::string>{"a"}));
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry registry;
  CounterFamily& family =
      registry.AddCounter("app_hits_total", "Hits.", {"kind"});
  Gauge& gauge = registry.AddGauge("app_level", "Level.").Get();
  HistogramFamily& histogram =
      registry.AddHistogram("app_sizes", "Sizes.", {1, 10});
  Counter& fractional =
      registry.AddCounter("app_seconds_total", "Seconds.").Get();
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Each thread looks the series up itself, racing on first creation.
      Counter& counter = family.WithLabels({"x"});
      Histogram& sizes = histogram.Get();
      for (int i = 0; i < kIncrements; ++i) {
        counter.Increment();
        gauge.Increment();
        sizes.Observe(5);
        fractional.Add(0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(family.WithLabels({"x"}).Value(), kThreads * kIncrements);
  EXPECT_EQ(gauge.Value(), kThreads * kIncrements);
  EXPECT_EQ(fractional.Value(), kThreads * kIncrements * 0.5);
  const Histogram::Snapshot snapshot = histogram.Get().Read();
  EXPECT_THAT(snapshot.cumulative,
              ElementsAre(0, kThreads * kIncrements, kThreads * kIncrements));
  EXPECT_EQ(snapshot.count, static_cast<std::uint64_t>(kThreads) * kIncrements);
  EXPECT_EQ(snapshot.sum, 5.0 * kThreads * kIncrements);
}

TEST(MetricsRegistryTest, HistogramBucketsAreInclusiveUpperBounds) {
  MetricsRegistry registry;
  Histogram& histogram =
      registry.AddHistogram("app_values", "Values.", {1, 2, 4}).Get();
  // Each on a bound goes into that bound's bucket; above the last: +Inf.
  for (double value : {-3.0, 0.5, 1.0, 1.0000001, 2.0, 3.0, 4.0, 4.5, 1e9}) {
    histogram.Observe(value);
  }
  histogram.Observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  histogram.Observe(std::numeric_limits<double>::infinity());
  const Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_THAT(snapshot.cumulative, ElementsAre(3, 5, 7, 10));
  EXPECT_EQ(snapshot.count, 10u);

  Histogram& durations =
      registry.AddHistogram("app_durations_seconds", "D.", {0.001, 0.01}).Get();
  durations.Observe(absl::Microseconds(1000));
  durations.Observe(absl::Milliseconds(5));
  EXPECT_THAT(durations.Read().cumulative, ElementsAre(1, 2, 2));
}

TEST(MetricsRegistryTest, CountersNeverGoDown) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("app_total", "T.").Get();
  counter.Add(1.25);
  counter.Add(-1);
  counter.Add(std::numeric_limits<double>::quiet_NaN());
  counter.Increment(2);
  EXPECT_EQ(counter.Value(), 3.25);
}

TEST(MetricsRegistryTest, CallbackMetricsAreReadAtEachExposition) {
  MetricsRegistry registry;
  std::optional<double> value = 1;
  registry.AddCallback("app_reading", "A reading.", MetricType::kGauge,
                       [&value] { return value; });
  EXPECT_THAT(registry.TextExposition(), HasSubstr("\napp_reading 1\n"));
  value = 42.5;
  EXPECT_THAT(registry.TextExposition(), HasSubstr("\napp_reading 42.5\n"));
  value.reset();
  EXPECT_EQ(registry.TextExposition(), "");
}

TEST(MetricsRegistryTest, FormatsSampleValues) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(3), "3");
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(0.00005), "5e-05");
  EXPECT_EQ(FormatSampleValue(1234567890123.0), "1234567890123");
  EXPECT_EQ(FormatSampleValue(-2.5), "-2.5");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()),
            "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(MetricsRegistryTest, ExponentialBucketsDouble) {
  EXPECT_THAT(ExponentialBuckets(1, 2, 9),
              ElementsAre(1, 2, 4, 8, 16, 32, 64, 128, 256));
}

// Components add the families they record into; two of one kind share them.
TEST(MetricsRegistryTest, AddingAnEqualFamilyAgainReturnsTheSameFamily) {
  MetricsRegistry registry;
  CounterFamily& first = registry.AddCounter("app_ops_total", "Ops.", {"k"});
  CounterFamily& again = registry.AddCounter("app_ops_total", "Ops.", {"k"});
  EXPECT_EQ(&first, &again);
  first.WithLabels({"a"}).Increment();
  again.WithLabels({"a"}).Increment();
  EXPECT_EQ(first.WithLabels({"a"}).Value(), 2.0);
  HistogramFamily& h1 = registry.AddHistogram("app_s", "S.", {1, 2});
  EXPECT_EQ(&h1, &registry.AddHistogram("app_s", "S.", {1, 2}));
}

TEST(MetricsRegistryDeathTest, RefusesProgrammingErrors) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("app_ok_total", "Ok.", {"kind"});
  // The same name with other labels, another kind or other bounds.
  EXPECT_DEATH(registry.AddCounter("app_ok_total", "Again."), "twice");
  EXPECT_DEATH(registry.AddGauge("app_ok_total", "Again.", {"kind"}), "twice");
  registry.AddHistogram("app_seconds", "H.", {1, 2});
  EXPECT_DEATH(registry.AddHistogram("app_seconds", "H.", {1, 3}), "twice");
  registry.AddCallback("app_read", "R.", MetricType::kGauge,
                       [] { return 1.0; });
  EXPECT_DEATH(registry.AddGauge("app_read", "R."), "twice");
  EXPECT_DEATH(registry.AddCounter("2app", "Bad name."), "invalid metric");
  EXPECT_DEATH(registry.AddGauge("app_g", "Bad label.", {"a-b"}),
               "invalid label");
  EXPECT_DEATH(registry.AddHistogram("app_h", "le.", {1}, {"le"}),
               "invalid label");
  EXPECT_DEATH(registry.AddHistogram("app_h2", "Unordered.", {2, 1}),
               "increasing");
  EXPECT_DEATH(family.WithLabels({"a", "b"}), "given 2 values");
}

TEST(MetricsRegistryTest, TextExpositionContentTypeIsVersion004) {
  EXPECT_EQ(std::string(kTextExpositionContentType),
            "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace ndes::observability
