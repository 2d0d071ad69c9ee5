// HTTP/2 floods against the real gateway process, on the API listener and
// on the health-only listener: rapid reset (CVE-2023-44487) and a header
// block that never ends (CONTINUATION flood), each from several connections
// at once. gRPC 1.51 bounds neither; the gateway must keep its resident
// memory under a ceiling during the flood, give it back within 10 s, close
// the flooding connections, and answer an ordinary call right after.
//
// Every flood is bounded by a count (streams or bytes per connection) and,
// as a safety net, by a time limit; the gateway ends each one much sooner
// by closing the connection.

#include "support/http2_flood.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/grpc_connection.h"
#include "support/health_probe.h"
#include "support/process_status.h"

namespace ndes::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr int kConnections = 4;
constexpr char kKnownId[] = "known-1";
constexpr char kGetMethod[] = "/ndes.v1.NdesConnectorService/GetNdesConnector";
constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
// The safety net of every flood; the gateway ends them within a second or
// two by closing their connections.
constexpr absl::Duration kFloodTimeLimit = absl::Seconds(15);

enum class Listener { kApi, kHealthOnly };

class Http2FloodTest : public ::testing::TestWithParam<Listener> {
 protected:
  void SetUp() override {
    if (kAddressSanitizer) {
      GTEST_SKIP() << "memory figures mean nothing under AddressSanitizer";
    }
    gateway_ = std::make_unique<GatewayProcess>(std::vector<std::string>{
        "--store=memory", "--health_listen=127.0.0.1:0"});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    stub_ = v1::NdesConnectorService::NewStub(gateway_->Channel());
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(kKnownId);
    v1::NdesConnector created;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateNdesConnector(&context, request, &created).ok());
    const std::string address = GetParam() == Listener::kApi
                                    ? gateway_->address()
                                    : gateway_->LoggedWord("health probes on ");
    port_ = PortOf(address);
    ASSERT_GT(port_, 0) << address;
    // What start-up took is not the flood's.
    ASSERT_TRUE(ResetPeakResident(gateway_->pid()));
  }

  void TearDown() override {
    if (gateway_ != nullptr) {
      EXPECT_EQ(gateway_->Terminate(), 0);
    }
  }

  // The method the flood calls: one the listener serves.
  const char* Method() const {
    return GetParam() == Listener::kApi ? kGetMethod : kHealthCheckMethod;
  }

  // Runs `flood` on kConnections connections at once; returns how many the
  // gateway closed.
  int FloodFromConnections(
      const std::function<Http2FloodResult(Http2FloodConnection&)>& flood) {
    absl::Mutex mu;
    int closed = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kConnections; ++i) {
      threads.emplace_back([&] {
        absl::StatusOr<Http2FloodConnection> connection =
            Http2FloodConnection::Connect(port_);
        if (!connection.ok()) return;
        const Http2FloodResult result = flood(*connection);
        const bool was_closed =
            result.closed || connection->WaitForClose(absl::Seconds(5));
        absl::MutexLock lock(&mu);
        if (was_closed) ++closed;
      });
    }
    for (std::thread& thread : threads) thread.join();
    return closed;
  }

  // After a flood: the peak stayed under `ceiling`, the memory comes back
  // under 96 MiB within 10 s, and the API answers on a new connection.
  void ExpectBoundedAndServing(std::int64_t ceiling) {
    const std::int64_t peak = ProcessStatusBytes(gateway_->pid(), "VmHWM");
    std::int64_t resident = ProcessStatusBytes(gateway_->pid(), "VmRSS");
    const absl::Time flood_over = absl::Now();
    const absl::Time deadline = flood_over + absl::Seconds(10);
    while (resident >= 96 * kMiB && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(100));
      resident = ProcessStatusBytes(gateway_->pid(), "VmRSS");
    }
    std::fprintf(stderr,
                 "peak VmHWM %lld MiB; VmRSS %lld MiB %s after the flood\n",
                 static_cast<long long>(peak / kMiB),
                 static_cast<long long>(resident / kMiB),
                 absl::FormatDuration(absl::Now() - flood_over).c_str());
    EXPECT_GT(peak, 0);
    EXPECT_LT(peak, ceiling) << "peak resident " << peak / kMiB << " MiB";
    EXPECT_LT(resident, 96 * kMiB)
        << "still " << resident / kMiB << " MiB resident 10 s after";

    auto channel = NewConnectionTo(gateway_->address());
    EXPECT_EQ(CheckHealth(channel), "SERVING") << gateway_->Log();
    auto stub = v1::NdesConnectorService::NewStub(channel);
    v1::GetNdesConnectorRequest request;
    request.set_id(kKnownId);
    v1::NdesConnector known;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const grpc::Status status =
        stub->GetNdesConnector(&context, request, &known);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(known.id(), kKnownId);
  }

  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<v1::NdesConnectorService::Stub> stub_;
  int port_ = 0;
};

TEST_P(Http2FloodTest, RapidResetIsCutShortAndMemoryStaysBounded) {
  // A request both methods parse (field 1, a string).
  const std::string request("\x0a\x01x", 3);
  const int closed = FloodFromConnections([&](Http2FloodConnection& c) {
    return c.RapidReset(Method(), request, /*streams=*/50000, kFloodTimeLimit);
  });
  EXPECT_EQ(closed, kConnections) << gateway_->Log();
  ExpectBoundedAndServing(256 * kMiB);
  EXPECT_THAT(gateway_->Log(), HasSubstr("closed the connection from ipv4:"));
}

TEST_P(Http2FloodTest, EndlessHeaderBlockIsCutShortAndMemoryStaysBounded) {
  const int closed = FloodFromConnections([&](Http2FloodConnection& c) {
    return c.ContinuationFlood(Method(), /*bytes=*/64 * kMiB, kFloodTimeLimit);
  });
  EXPECT_EQ(closed, kConnections) << gateway_->Log();
  ExpectBoundedAndServing(128 * kMiB);
  EXPECT_THAT(gateway_->Log(), HasSubstr("closed the connection from ipv4:"));
}

INSTANTIATE_TEST_SUITE_P(Listeners, Http2FloodTest,
                         ::testing::Values(Listener::kApi,
                                           Listener::kHealthOnly),
                         [](const ::testing::TestParamInfo<Listener>& info) {
                           return info.param == Listener::kApi ? "Api"
                                                               : "HealthOnly";
                         });

}  // namespace
}  // namespace ndes::testing
