// GatewayServer in-process: health follows the store's availability, and
// keepalive enforcement disconnects a client that pings too often.

#include "gateway_server.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "store/memory_connector_store.h"
#include "support/health_probe.h"

namespace ndes {
namespace {

using ::ndes::testing::CheckHealth;

// A memory store whose availability the test switches.
class SwitchableStore final : public store::ConnectorStore {
 public:
  void Get(const store::CallContext& context, std::string id,
           store::StoreCallback<v1::NdesConnector> done) override {
    inner_.Get(context, std::move(id), std::move(done));
  }
  void List(const store::CallContext& context, store::ListQuery query,
            store::StoreCallback<store::ListPage> done) override {
    inner_.List(context, std::move(query), std::move(done));
  }
  void Create(const store::CallContext& context, v1::NdesConnector connector,
              store::StoreCallback<v1::NdesConnector> done) override {
    inner_.Create(context, std::move(connector), std::move(done));
  }
  void Update(const store::CallContext& context, store::UpdateCommand command,
              store::StoreCallback<v1::NdesConnector> done) override {
    inner_.Update(context, std::move(command), std::move(done));
  }
  void Delete(const store::CallContext& context, std::string id,
              std::string expected_etag, store::StatusCallback done) override {
    inner_.Delete(context, std::move(id), std::move(expected_etag),
                  std::move(done));
  }
  bool Available() const override { return available_.load(); }

  void set_available(bool available) { available_.store(available); }

 private:
  store::MemoryConnectorStore inner_;
  std::atomic<bool> available_{true};
};

bool HealthBecomes(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& service, const std::string& expected) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (CheckHealth(channel, service) == expected) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST(GatewayServerTest, HealthFollowsStoreAvailabilityOnBothListeners) {
  SwitchableStore store;
  GatewayServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.health_listen_address = "127.0.0.1:0";
  options.availability_poll_interval = absl::Milliseconds(20);
  auto server = GatewayServer::Start(options, store);
  ASSERT_TRUE(server.ok()) << server.status();
  {
    auto api = grpc::CreateChannel((*server)->address(),
                                   grpc::InsecureChannelCredentials());
    auto probe = grpc::CreateChannel((*server)->health_address(),
                                     grpc::InsecureChannelCredentials());
    EXPECT_EQ(CheckHealth(api), "SERVING");
    EXPECT_EQ(CheckHealth(probe), "SERVING");

    EXPECT_EQ(CheckHealth(probe, kLivenessService), "SERVING");

    store.set_available(false);
    EXPECT_TRUE(HealthBecomes(probe, "", "NOT_SERVING"));
    EXPECT_TRUE(HealthBecomes(probe, kServiceName, "NOT_SERVING"));
    EXPECT_TRUE(HealthBecomes(api, "", "NOT_SERVING"));
    // Liveness stays SERVING: restarting would not bring the store back.
    EXPECT_EQ(CheckHealth(probe, kLivenessService), "SERVING");
    EXPECT_EQ(CheckHealth(api, kLivenessService), "SERVING");

    store.set_available(true);
    EXPECT_TRUE(HealthBecomes(probe, "", "SERVING"));
    EXPECT_TRUE(HealthBecomes(api, kServiceName, "SERVING"));
  }
  (*server)->Shutdown(absl::ZeroDuration());
}

TEST(GatewayServerTest, StoreUnavailableAtStartStartsNotServing) {
  SwitchableStore store;
  store.set_available(false);
  GatewayServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.availability_poll_interval = absl::Milliseconds(20);
  auto server = GatewayServer::Start(options, store);
  ASSERT_TRUE(server.ok()) << server.status();
  {
    auto api = grpc::CreateChannel((*server)->address(),
                                   grpc::InsecureChannelCredentials());
    // The first answer (a loaded machine may need more than one health
    // call's deadline to connect) says NOT_SERVING.
    std::string first = CheckHealth(api);
    for (int attempt = 0; absl::StartsWith(first, "error") && attempt < 5;
         ++attempt) {
      first = CheckHealth(api);
    }
    EXPECT_EQ(first, "NOT_SERVING");
    store.set_available(true);
    EXPECT_TRUE(HealthBecomes(api, "", "SERVING"));
  }
  (*server)->Shutdown(absl::ZeroDuration());
}

// A client that pings every 100 ms on an idle connection, against a server
// that allows one ping per `min_ping_interval`: whether the server closes
// the connection (GOAWAY too_many_pings) within `watch`.
bool ServerDisconnectsEagerPinger(absl::Duration min_ping_interval,
                                  absl::Duration watch) {
  store::MemoryConnectorStore store;
  GatewayServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.keepalive_min_ping_interval = min_ping_interval;
  auto server = GatewayServer::Start(options, store);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return false;
  bool disconnected = false;
  {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 100);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    auto channel = grpc::CreateCustomChannel(
        (*server)->address(), grpc::InsecureChannelCredentials(), arguments);
    EXPECT_EQ(CheckHealth(channel), "SERVING");
    const absl::Time deadline = absl::Now() + watch;
    grpc_connectivity_state state = channel->GetState(false);
    while (!disconnected && absl::Now() < deadline) {
      channel->WaitForStateChange(state, absl::ToChronoTime(deadline));
      state = channel->GetState(false);
      disconnected = state != GRPC_CHANNEL_READY;
    }
  }
  (*server)->Shutdown(absl::ZeroDuration());
  return disconnected;
}

TEST(GatewayServerTest,
     KeepaliveEnforcementDisconnectsClientsThatPingTooOften) {
  EXPECT_TRUE(
      ServerDisconnectsEagerPinger(absl::Seconds(60), absl::Seconds(10)));
}

TEST(GatewayServerTest, KeepaliveWithinTheAllowedIntervalKeepsTheConnection) {
  EXPECT_FALSE(
      ServerDisconnectsEagerPinger(absl::Milliseconds(10), absl::Seconds(2)));
}

}  // namespace
}  // namespace ndes
