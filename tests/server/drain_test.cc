// Graceful drain on SIGTERM, as Kubernetes stops a Pod: health turns
// NOT_SERVING at once (on the probe listener too), no new call is accepted,
// a call in flight still completes within --shutdown_grace, and the process
// exits 0. The call in flight is held open by a slow fake Graph upstream.

#include <signal.h>

#include <future>
#include <memory>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "translation/graph_json.h"

namespace ndes::testing {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::v1::NdesConnector;

struct CallResult {
  grpc::Status status;
  NdesConnector connector;
};

// Gets `id` on its own channel and thread.
std::future<CallResult> GetInBackground(const std::string& address,
                                        const std::string& id) {
  return std::async(std::launch::async, [address, id] {
    auto stub = v1::NdesConnectorService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer caller-token");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    CallResult result;
    result.status =
        stub->GetNdesConnector(&context, request, &result.connector);
    return result;
  });
}

// Polls the health of `channel` until it is `expected`; how long it took,
// or InfiniteDuration if `timeout` passed.
absl::Duration TimeUntilHealth(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& expected,
                               absl::Duration timeout) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < timeout) {
    if (CheckHealth(channel) == expected) return absl::Now() - start;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::InfiniteDuration();
}

class DrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ndes::v1::NdesConnector connector;
    connector.set_id("slow-1");
    connector.set_display_name("held open");
    graph_.PutConnector(translation::ConnectorToGraphJson(connector));
  }

  std::vector<std::string> Args(const std::string& grace) {
    return {"--store=graph", "--graph_base_url=" + graph_.base_url(),
            "--graph_auth=passthrough", "--health_listen=127.0.0.1:0",
            "--shutdown_grace=" + grace};
  }

  FakeGraphServer graph_;
};

TEST_F(DrainTest, CallInFlightCompletesAfterSigtermThenExitZero) {
  GatewayProcess gateway(Args("20s"));
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  auto probe = grpc::CreateChannel(gateway.LoggedWord("health probes on "),
                                   grpc::InsecureChannelCredentials());
  ASSERT_EQ(CheckHealth(probe), "SERVING");

  graph_.SetResponseDelay(absl::Seconds(2));
  std::future<CallResult> in_flight =
      GetInBackground(gateway.address(), "slow-1");
  ASSERT_TRUE(
      graph_.WaitForRequests(1, absl::Seconds(10), FakeEndpoint::kGraph));

  gateway.Signal(SIGTERM);
  // "At once": well before the upstream answers.
  EXPECT_LT(TimeUntilHealth(probe, "NOT_SERVING", absl::Seconds(5)),
            absl::Seconds(1));
  // A new call is not accepted while draining.
  std::future<CallResult> late = GetInBackground(gateway.address(), "slow-1");
  EXPECT_FALSE(late.get().status.ok());

  const CallResult result = in_flight.get();
  EXPECT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.connector.display_name(), "held open");
  EXPECT_EQ(gateway.WaitForExit(absl::Seconds(20)), 0) << gateway.Log();
  EXPECT_THAT(gateway.Log(), ::testing::HasSubstr("received SIGTERM"));
}

TEST_F(DrainTest, CallStillRunningWhenGraceEndsIsCancelledAndExitIsPrompt) {
  GatewayProcess gateway(Args("300ms"));
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();

  graph_.SetResponseDelay(absl::Seconds(20));
  std::future<CallResult> in_flight =
      GetInBackground(gateway.address(), "slow-1");
  ASSERT_TRUE(
      graph_.WaitForRequests(1, absl::Seconds(10), FakeEndpoint::kGraph));

  const absl::Time signalled = absl::Now();
  gateway.Signal(SIGTERM);
  const CallResult result = in_flight.get();
  EXPECT_FALSE(result.status.ok());
  EXPECT_EQ(gateway.WaitForExit(absl::Seconds(15)), 0) << gateway.Log();
  // Bounded by the grace, not by the upstream's 20 s.
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5));
}

}  // namespace
}  // namespace ndes::testing
