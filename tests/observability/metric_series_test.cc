#include "observability/metric_series.h"

#include "gtest/gtest.h"
#include "observability/metrics_registry.h"
#include "text/status_code_name.h"

namespace ndes::observability {
namespace {

TEST(MetricSeriesTest, NamesCodesAsGrpcDoes) {
  EXPECT_EQ(text::StatusCodeName(0), "OK");
  EXPECT_EQ(text::StatusCodeName(5), "NOT_FOUND");
  EXPECT_EQ(text::StatusCodeName(10), "ABORTED");
  EXPECT_EQ(text::StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(text::StatusCodeName(17), "UNKNOWN");
  EXPECT_EQ(text::StatusCodeName(-1), "UNKNOWN");
}

// go-grpc-prometheus writes grpc_code with Go's codes.Code.String().
TEST(MetricSeriesTest, LabelsGrpcCodesAsGoGrpcPrometheusDoes) {
  EXPECT_EQ(GrpcCodeLabel(0), "OK");
  EXPECT_EQ(GrpcCodeLabel(1), "Canceled");
  EXPECT_EQ(GrpcCodeLabel(3), "InvalidArgument");
  EXPECT_EQ(GrpcCodeLabel(4), "DeadlineExceeded");
  EXPECT_EQ(GrpcCodeLabel(5), "NotFound");
  EXPECT_EQ(GrpcCodeLabel(9), "FailedPrecondition");
  EXPECT_EQ(GrpcCodeLabel(14), "Unavailable");
  EXPECT_EQ(GrpcCodeLabel(15), "DataLoss");
  EXPECT_EQ(GrpcCodeLabel(16), "Unauthenticated");
  EXPECT_EQ(GrpcCodeLabel(17), "Unknown");
  EXPECT_EQ(GrpcCodeLabel(-1), "Unknown");
}

TEST(MetricSeriesTest, CodeCountersKeepOneCounterPerCode) {
  MetricsRegistry registry;
  CounterFamily& family =
      registry.AddCounter("app_ops_total", "Ops.", {"op", "code"});
  CodeCounters counters(&family, {"get"});
  counters.For(0).Increment();
  counters.For(5).Increment();
  counters.For(5).Increment();
  counters.For(99).Increment();  // out of range: UNKNOWN
  EXPECT_EQ(family.WithLabels({"get", "OK"}).Value(), 1);
  EXPECT_EQ(family.WithLabels({"get", "NOT_FOUND"}).Value(), 2);
  EXPECT_EQ(family.WithLabels({"get", "UNKNOWN"}).Value(), 1);
  EXPECT_EQ(&counters.For(5), &family.WithLabels({"get", "NOT_FOUND"}));
}

}  // namespace
}  // namespace ndes::observability
