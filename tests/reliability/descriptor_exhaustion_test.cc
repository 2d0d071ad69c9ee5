// Running out of file descriptors: the gateway raises its soft limit to the
// hard one at start; when idle connections use up every descriptor anyway,
// readiness turns NOT_SERVING while the API listener cannot accept, and
// the listener serves again by itself once the connections are gone (gRPC
// 1.51's own listener stops accepting for good after EMFILE).

#include <dirent.h>
#include <sys/resource.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/grpc_connection.h"
#include "support/health_probe.h"
#include "support/raw_http_connection.h"

namespace ndes::testing {
namespace {

using ::testing::HasSubstr;

int OpenDescriptors(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 2;  // "." and ".."
}

// The soft and hard "Max open files" of /proc/PID/limits.
std::vector<std::string> OpenFileLimits(pid_t pid) {
  std::ifstream limits(absl::StrCat("/proc/", pid, "/limits"));
  std::string line;
  while (std::getline(limits, line)) {
    if (absl::StartsWith(line, "Max open files")) {
      return absl::StrSplit(line.substr(sizeof("Max open files") - 1), ' ',
                            absl::SkipEmpty());
    }
  }
  return {};
}

// Polls `check` every 50 ms until it holds or `timeout` passes.
template <typename Check>
bool Eventually(Check check, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!check()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

grpc::Status GetFrom(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& id) {
  auto stub = v1::NdesConnectorService::NewStub(channel);
  v1::GetNdesConnectorRequest request;
  request.set_id(id);
  v1::NdesConnector connector;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return stub->GetNdesConnector(&context, request, &connector);
}

TEST(DescriptorExhaustionTest, SoftDescriptorLimitIsRaisedToTheHardLimit) {
  struct rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_max <= 512) GTEST_SKIP() << "hard limit too low to lower";
  // The child inherits the lowered soft limit.
  struct rlimit lowered = own;
  lowered.rlim_cur = 512;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  GatewayProcess gateway({"--store=memory"});
  const absl::Status started = gateway.Start();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_TRUE(started.ok()) << gateway.Log();
  const std::vector<std::string> limits = OpenFileLimits(gateway.pid());
  ASSERT_GE(limits.size(), 2u);
  EXPECT_EQ(limits[0], limits[1]);
  EXPECT_EQ(limits[1], absl::StrCat(own.rlim_max));
  EXPECT_THAT(gateway.Log(),
              HasSubstr(absl::StrCat("raised the descriptor limit from 512 to ",
                                     own.rlim_max)));
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(DescriptorExhaustionTest, ListenerRecoversAndReadinessFollowsIt) {
  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  // Connected before the descriptors run out: how readiness is watched.
  std::shared_ptr<grpc::Channel> watcher = gateway.Channel();
  ASSERT_EQ(CheckHealth(watcher), "SERVING");
  {
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id("known-1");
    v1::NdesConnector created;
    grpc::ClientContext context;
    ASSERT_TRUE(v1::NdesConnectorService::NewStub(watcher)
                    ->CreateNdesConnector(&context, request, &created)
                    .ok());
  }

  // A few descriptors to spare, then more idle connections than that.
  const int in_use = OpenDescriptors(gateway.pid());
  ASSERT_GT(in_use, 0);
  const rlimit tight{static_cast<rlim_t>(in_use + 16),
                     static_cast<rlim_t>(in_use + 16)};
  ASSERT_EQ(prlimit(gateway.pid(), RLIMIT_NOFILE, &tight, nullptr), 0);
  const int port = PortOf(gateway.address());
  std::vector<RawHttpConnection> idle;
  for (int i = 0; i < 64; ++i) {
    absl::StatusOr<RawHttpConnection> connection =
        RawHttpConnection::Connect(port);
    ASSERT_TRUE(connection.ok()) << connection.status();
    idle.push_back(*std::move(connection));
  }
  EXPECT_TRUE(Eventually([&] { return CheckHealth(watcher) == "NOT_SERVING"; },
                         absl::Seconds(10)))
      << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr("cannot accept connections on"));
  EXPECT_THAT(gateway.Log(), HasSubstr("Too many open files"));

  // The descriptors come back when the idle clients leave.
  idle.clear();
  EXPECT_TRUE(Eventually([&] { return CheckHealth(watcher) == "SERVING"; },
                         absl::Seconds(10)))
      << gateway.Log();
  // New connections are served again, on their own.
  std::shared_ptr<grpc::Channel> fresh = NewConnectionTo(gateway.address());
  const grpc::Status status = GetFrom(fresh, "known-1");
  EXPECT_TRUE(status.ok()) << status.error_message() << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr("again"));
  EXPECT_EQ(gateway.Terminate(), 0);
}

}  // namespace
}  // namespace ndes::testing
