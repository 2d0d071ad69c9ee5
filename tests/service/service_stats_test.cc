#include "service/service_stats.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/metric_series.h"
#include "observability/metrics_registry.h"

namespace ndes::service {
namespace {

using ::ndes::observability::Counter;
using ::ndes::observability::Gauge;
using ::ndes::observability::Histogram;
using ::ndes::observability::MetricsRegistry;
using ::testing::HasSubstr;

// Each test hands the service's stats a registry of its own and reads
// exactly what they recorded there (adding an equal family returns the
// existing one).
class ServiceStatsTest : public ::testing::Test {
 protected:
  double Handled(absl::string_view method, absl::string_view code) {
    return registry_
        .AddCounter("grpc_server_handled_total", "",
                    {"grpc_service", "grpc_method", "grpc_type", "grpc_code"})
        .WithLabels({kMeteredService, method, "unary", code})
        .Value();
  }
  double Started(absl::string_view method) {
    return registry_
        .AddCounter("grpc_server_started_total", "",
                    {"grpc_service", "grpc_method", "grpc_type"})
        .WithLabels({kMeteredService, method, "unary"})
        .Value();
  }
  Histogram& Handling(absl::string_view method) {
    return registry_
        .AddHistogram("grpc_server_handling_seconds", "",
                      observability::LatencyBuckets(),
                      {"grpc_service", "grpc_method", "grpc_type"})
        .WithLabels({kMeteredService, method, "unary"});
  }
  Gauge& InFlight(absl::string_view method) {
    return registry_.AddGauge("ndes_gateway_calls_in_flight", "", {"method"})
        .WithLabels({method});
  }
  Counter& Refusals(absl::string_view reason) {
    return registry_
        .AddCounter("ndes_gateway_auth_refusals_total", "", {"reason"})
        .WithLabels({reason});
  }

  MetricsRegistry registry_;
  ServiceStats stats_{registry_};
};

TEST_F(ServiceStatsTest, CountsAFinishedCallByMethodAndCode) {
  CallToken first = stats_.CallStarted("UpdateNdesConnectors");
  stats_.CallFinished(first, absl::StatusCode::kOk, absl::Milliseconds(1));
  CallToken second = stats_.CallStarted("UpdateNdesConnectors");
  stats_.CallFinished(second, absl::StatusCode::kNotFound,
                      absl::Milliseconds(1));
  EXPECT_EQ(Handled("UpdateNdesConnectors", "OK"), 1);
  EXPECT_EQ(Handled("UpdateNdesConnectors", "NotFound"), 1);
  EXPECT_EQ(Handling("UpdateNdesConnectors").Read().count, 2u);
}

TEST_F(ServiceStatsTest, CountsACallStartedBeforeItFinishes) {
  CallToken call = stats_.CallStarted("DeleteNdesConnector");
  EXPECT_EQ(Started("DeleteNdesConnector"), 1);
  EXPECT_EQ(Handled("DeleteNdesConnector", "OK"), 0);
  stats_.CallFinished(call, absl::StatusCode::kOk, absl::Milliseconds(1));
  EXPECT_EQ(Started("DeleteNdesConnector"), 1);
  EXPECT_EQ(Handled("DeleteNdesConnector", "OK"), 1);
}

TEST_F(ServiceStatsTest, ObservesTheGivenLatencyInItsBucket) {
  CallToken call = stats_.CallStarted("GetNdesConnector");
  stats_.CallFinished(call, absl::StatusCode::kOk, absl::Milliseconds(3));
  const Histogram::Snapshot after = Handling("GetNdesConnector").Read();
  // Buckets ... 0.0025, 0.005 ...: 3 ms is counted from le=0.005 on.
  const std::vector<double>& bounds = Handling("GetNdesConnector").bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(after.cumulative[i], bounds[i] >= 0.003 ? 1u : 0u)
        << "le=" << bounds[i];
  }
  EXPECT_NEAR(after.sum, 0.003, 1e-12);
}

TEST_F(ServiceStatsTest, CallsInFlightRiseAtStartAndFallAtFinish) {
  CallToken a = stats_.CallStarted("ListNdesConnectors");
  CallToken b = stats_.CallStarted("ListNdesConnectors");
  EXPECT_EQ(InFlight("ListNdesConnectors").Value(), 2);
  stats_.CallFinished(a, absl::StatusCode::kOk, absl::Milliseconds(1));
  EXPECT_EQ(InFlight("ListNdesConnectors").Value(), 1);
  stats_.CallFinished(b, absl::StatusCode::kUnavailable, absl::Milliseconds(1));
  EXPECT_EQ(InFlight("ListNdesConnectors").Value(), 0);
}

TEST_F(ServiceStatsTest, EveryServiceMethodIsExposedBeforeItsFirstCall) {
  const std::string text = registry_.TextExposition();
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

TEST_F(ServiceStatsTest, AnUnknownMethodGetsItsOwnSeries) {
  CallToken call = stats_.CallStarted("SomeFutureRpc");
  stats_.CallFinished(call, absl::StatusCode::kUnimplemented,
                      absl::Milliseconds(1));
  call = stats_.CallStarted("SomeFutureRpc");
  stats_.CallFinished(call, absl::StatusCode::kUnimplemented,
                      absl::Milliseconds(1));
  EXPECT_EQ(Handled("SomeFutureRpc", "Unimplemented"), 2);
}

TEST_F(ServiceStatsTest, ConcurrentCallsAreCountedExactly) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kCalls; ++i) {
        CallToken call = stats_.CallStarted("CreateNdesConnector");
        stats_.CallFinished(call, absl::StatusCode::kAlreadyExists,
                            absl::Microseconds(5));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Handled("CreateNdesConnector", "AlreadyExists"), kThreads * kCalls);
}

TEST_F(ServiceStatsTest, CountsAuthRefusalsByReason) {
  stats_.AuthRefused(AuthRefusal::kUnauthenticated);
  stats_.AuthRefused(AuthRefusal::kPermissionDenied);
  stats_.AuthRefused(AuthRefusal::kPermissionDenied);
  EXPECT_EQ(Refusals("unauthenticated").Value(), 1);
  EXPECT_EQ(Refusals("permission_denied").Value(), 2);
}

// Two services on one registry (two servers of one process) share the
// families instead of failing to register them twice.
TEST_F(ServiceStatsTest, TwoServicesShareOneRegistry) {
  ServiceStats other(registry_);
  CallToken call = other.CallStarted("GetNdesConnector");
  other.CallFinished(call, absl::StatusCode::kOk, absl::Milliseconds(1));
  call = stats_.CallStarted("GetNdesConnector");
  stats_.CallFinished(call, absl::StatusCode::kOk, absl::Milliseconds(1));
  EXPECT_EQ(Handled("GetNdesConnector", "OK"), 2);
}

}  // namespace
}  // namespace ndes::service
