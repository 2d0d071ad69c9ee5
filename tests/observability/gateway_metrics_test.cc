#include "observability/gateway_metrics.h"

#include "gtest/gtest.h"

namespace ndes::observability {
namespace {

// The process-wide registry is shared by every test: each asserts deltas.
TEST(GatewayMetricsTest, CountsGraphRequestsByMethodAndStatus) {
  Counter& patch_200 =
      Metrics().graph_requests_total().WithLabels({"PATCH", "200"});
  Counter& get_error =
      Metrics().graph_requests_total().WithLabels({"GET", "error"});
  Counter& odd = Metrics().graph_requests_total().WithLabels({"PUT", "999"});
  const double patch_before = patch_200.Value();
  const double error_before = get_error.Value();
  const double odd_before = odd.Value();
  Metrics().GraphAnswered("PATCH", 200);
  Metrics().GraphAnswered("PATCH", 200);
  Metrics().GraphFailed("GET");
  Metrics().GraphAnswered("PUT", 999);
  EXPECT_EQ(patch_200.Value(), patch_before + 2);
  EXPECT_EQ(get_error.Value(), error_before + 1);
  EXPECT_EQ(odd.Value(), odd_before + 1);
}

}  // namespace
}  // namespace ndes::observability
