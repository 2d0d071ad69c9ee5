#include "observability/gateway_metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::observability {
namespace {

using ::testing::HasSubstr;

// The process-wide registry is shared by every test: each asserts deltas.
double HandledTotal(absl::string_view method, absl::string_view code) {
  return Metrics()
      .server_handled_total()
      .WithLabels({"ndes.v1.NdesConnectorService", method, "unary", code})
      .Value();
}

double StartedTotal(absl::string_view method) {
  return Metrics()
      .server_started_total()
      .WithLabels({"ndes.v1.NdesConnectorService", method, "unary"})
      .Value();
}

Histogram& HandlingSeconds(absl::string_view method) {
  return Metrics().server_handling_seconds().WithLabels(
      {"ndes.v1.NdesConnectorService", method, "unary"});
}

TEST(GatewayMetricsTest, CountsAFinishedCallByMethodAndCode) {
  const double ok_before = HandledTotal("UpdateNdesConnectors", "OK");
  const double not_found_before =
      HandledTotal("UpdateNdesConnectors", "NotFound");
  Histogram& duration = HandlingSeconds("UpdateNdesConnectors");
  const std::uint64_t observed_before = duration.Read().count;

  CallToken first = Metrics().CallStarted("UpdateNdesConnectors");
  Metrics().CallFinished(first, 0);  // grpc::StatusCode::OK
  CallToken second = Metrics().CallStarted("UpdateNdesConnectors");
  Metrics().CallFinished(second, absl::StatusCode::kNotFound);

  EXPECT_EQ(HandledTotal("UpdateNdesConnectors", "OK"), ok_before + 1);
  EXPECT_EQ(HandledTotal("UpdateNdesConnectors", "NotFound"),
            not_found_before + 1);
  EXPECT_EQ(duration.Read().count, observed_before + 2);
}

TEST(GatewayMetricsTest, CountsACallStartedBeforeItFinishes) {
  const double started_before = StartedTotal("DeleteNdesConnector");
  const double handled_before = HandledTotal("DeleteNdesConnector", "OK");
  CallToken call = Metrics().CallStarted("DeleteNdesConnector");
  EXPECT_EQ(StartedTotal("DeleteNdesConnector"), started_before + 1);
  EXPECT_EQ(HandledTotal("DeleteNdesConnector", "OK"), handled_before);
  Metrics().CallFinished(call, 0);
  EXPECT_EQ(StartedTotal("DeleteNdesConnector"), started_before + 1);
  EXPECT_EQ(HandledTotal("DeleteNdesConnector", "OK"), handled_before + 1);
}

TEST(GatewayMetricsTest, ObservesTheGivenLatencyInItsBucket) {
  Histogram& duration = HandlingSeconds("GetNdesConnector");
  const Histogram::Snapshot before = duration.Read();
  CallToken call = Metrics().CallStarted("GetNdesConnector");
  Metrics().CallFinished(call, 0, absl::Milliseconds(3));
  const Histogram::Snapshot after = duration.Read();
  // Buckets ... 0.0025, 0.005 ...: 3 ms is counted from le=0.005 on.
  const std::vector<double>& bounds = duration.bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(after.cumulative[i] - before.cumulative[i],
              bounds[i] >= 0.003 ? 1u : 0u)
        << "le=" << bounds[i];
  }
  EXPECT_NEAR(after.sum - before.sum, 0.003, 1e-12);
}

TEST(GatewayMetricsTest, CallsInFlightRiseAtStartAndFallAtFinish) {
  Gauge& in_flight =
      Metrics().calls_in_flight().WithLabels({"ListNdesConnectors"});
  const double before = in_flight.Value();
  CallToken a = Metrics().CallStarted("ListNdesConnectors");
  CallToken b = Metrics().CallStarted("ListNdesConnectors");
  EXPECT_EQ(in_flight.Value(), before + 2);
  Metrics().CallFinished(a, 0);
  EXPECT_EQ(in_flight.Value(), before + 1);
  Metrics().CallFinished(b, 14);
  EXPECT_EQ(in_flight.Value(), before);
}

TEST(GatewayMetricsTest, EveryServiceMethodIsExposedBeforeItsFirstCall) {
  const std::string text = Metrics().registry().TextExposition();
  for (const char* method :
       {"GetNdesConnector", "ListNdesConnectors", "CreateNdesConnector",
        "UpdateNdesConnectors", "DeleteNdesConnector"}) {
    EXPECT_THAT(text, HasSubstr(std::string("ndes_gateway_calls_in_flight{"
                                            "method=\"") +
                                method + "\"}"));
    EXPECT_THAT(text, HasSubstr(std::string("grpc_server_handled_total{"
                                            "grpc_service=\"ndes.v1."
                                            "NdesConnectorService\","
                                            "grpc_method=\"") +
                                method +
                                "\",grpc_type=\"unary\",grpc_code=\"OK\"} "
                                "0"));
    EXPECT_THAT(text, HasSubstr(std::string("grpc_server_started_total{"
                                            "grpc_service=\"ndes.v1."
                                            "NdesConnectorService\","
                                            "grpc_method=\"") +
                                method + "\",grpc_type=\"unary\"}"));
  }
}

TEST(GatewayMetricsTest, AnUnknownMethodGetsItsOwnSeries) {
  const double before = HandledTotal("SomeFutureRpc", "Unimplemented");
  CallToken call = Metrics().CallStarted("SomeFutureRpc");
  Metrics().CallFinished(call, 12);
  EXPECT_EQ(HandledTotal("SomeFutureRpc", "Unimplemented"), before + 1);
  EXPECT_EQ(&Metrics().Rpc("SomeFutureRpc"), &Metrics().Rpc("SomeFutureRpc"));
}

TEST(GatewayMetricsTest, ConcurrentCallsAreCountedExactly) {
  const double before = HandledTotal("CreateNdesConnector", "AlreadyExists");
  constexpr int kThreads = 8;
  constexpr int kCalls = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < kCalls; ++i) {
        CallToken call = Metrics().CallStarted("CreateNdesConnector");
        Metrics().CallFinished(call, absl::StatusCode::kAlreadyExists);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(HandledTotal("CreateNdesConnector", "AlreadyExists"),
            before + kThreads * kCalls);
}

TEST(GatewayMetricsTest, NamesCodesAsGrpcDoes) {
  EXPECT_EQ(CodeName(0), "OK");
  EXPECT_EQ(CodeName(5), "NOT_FOUND");
  EXPECT_EQ(CodeName(10), "ABORTED");
  EXPECT_EQ(CodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(CodeName(17), "UNKNOWN");
  EXPECT_EQ(CodeName(-1), "UNKNOWN");
}

// go-grpc-prometheus writes grpc_code with Go's codes.Code.String().
TEST(GatewayMetricsTest, LabelsGrpcCodesAsGoGrpcPrometheusDoes) {
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

TEST(GatewayMetricsTest, CountsAuthRefusalsByReason) {
  Counter& unauthenticated =
      Metrics().auth_refusals_total().WithLabels({"unauthenticated"});
  Counter& denied =
      Metrics().auth_refusals_total().WithLabels({"permission_denied"});
  const double unauthenticated_before = unauthenticated.Value();
  const double denied_before = denied.Value();
  Metrics().AuthRefused(AuthRefusal::kUnauthenticated);
  Metrics().AuthRefused(AuthRefusal::kPermissionDenied);
  Metrics().AuthRefused(AuthRefusal::kPermissionDenied);
  EXPECT_EQ(unauthenticated.Value(), unauthenticated_before + 1);
  EXPECT_EQ(denied.Value(), denied_before + 2);
}

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

TEST(GatewayMetricsTest, ExposesBuildInfoAndProcessMetrics) {
  const std::string text = Metrics().registry().TextExposition();
  EXPECT_THAT(text, HasSubstr("ndes_gateway_build_info{version=\"" +
                              std::string(GatewayVersion()) + "\"} 1\n"));
  EXPECT_NE(GatewayVersion(), "unknown");
  for (const char* name :
       {"\nprocess_resident_memory_bytes ", "\nprocess_cpu_seconds_total ",
        "\nprocess_start_time_seconds ", "\nprocess_open_fds "}) {
    EXPECT_THAT(text, HasSubstr(name));
  }
}

TEST(GatewayMetricsTest, ProcessStartTimeIsInThePastAndRecent) {
  MetricsRegistry registry;
  AddProcessMetrics(registry);
  const std::string text = registry.TextExposition();
  const std::string prefix = "\nprocess_start_time_seconds ";
  const std::size_t at = text.find(prefix);
  ASSERT_NE(at, std::string::npos) << text;
  const double start =
      std::stod(text.substr(at + prefix.size(), text.find('\n', at + 1)));
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);
}

}  // namespace
}  // namespace ndes::observability
