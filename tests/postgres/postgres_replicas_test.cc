// Several real ndes-gateway processes on one PostgreSQL database: what
// running replicas must guarantee (no lost update, acknowledged writes
// survive a replica's crash and a database restart, secrets stay out of
// logs).
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "postgres/postgres_cluster.h"
#include "postgres/postgres_test_support.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::ndes::v1::NdesConnectorService;
using ::testing::HasSubstr;
using ::testing::Not;

using Stub = NdesConnectorService::Stub;

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
}

grpc::Status Get(Stub& stub, const std::string& id, NdesConnector* out) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetNdesConnectorRequest request;
  request.set_id(id);
  return stub.GetNdesConnector(&context, request, out);
}

grpc::Status Create(Stub& stub, const std::string& id,
                    const std::string& display_name,
                    NdesConnector* out = nullptr) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_id(id);
  request.mutable_ndes_connector()->set_display_name(display_name);
  NdesConnector ignored;
  return stub.CreateNdesConnector(&context, request,
                                  out != nullptr ? out : &ignored);
}

grpc::Status Rename(Stub& stub, const std::string& id,
                    const std::string& display_name, const std::string& etag) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id(id);
  request.mutable_ndes_connector()->set_display_name(display_name);
  request.mutable_ndes_connector()->set_etag(etag);
  request.mutable_update_mask()->add_paths("display_name");
  NdesConnector ignored;
  return stub.UpdateNdesConnectors(&context, request, &ignored);
}

// Every id stored, or the first error.
grpc::Status ListIds(Stub& stub, std::set<std::string>* ids) {
  std::string token;
  do {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::ListNdesConnectorsRequest request;
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListNdesConnectorsResponse response;
    grpc::Status status = stub.ListNdesConnectors(&context, request, &response);
    if (!status.ok()) return status;
    for (const NdesConnector& connector : response.ndes_connectors()) {
      ids->insert(connector.id());
    }
    token = response.next_page_token();
  } while (!token.empty());
  return grpc::Status::OK;
}

std::unique_ptr<GatewayProcess> StartGateway(
    const std::string& uri, std::vector<std::string> env = {}) {
  auto gateway = std::make_unique<GatewayProcess>(
      std::vector<std::string>{"--store=" + uri}, std::move(env));
  absl::Status started = gateway->Start();
  EXPECT_TRUE(started.ok()) << started;
  return started.ok() ? std::move(gateway) : nullptr;
}

TEST(PostgresReplicasTest,
     ConditionalIncrementsThroughEveryReplicaLoseNothing) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_TRUE(uri.ok()) << uri.status();
  constexpr int kReplicas = 3;
  constexpr int kThreadsPerReplica = 2;
  constexpr int kIncrementsPerThread = 20;
  std::vector<std::unique_ptr<GatewayProcess>> gateways;
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < kReplicas; ++i) {
    gateways.push_back(StartGateway(*uri));
    ASSERT_NE(gateways.back(), nullptr);
    stubs.push_back(NdesConnectorService::NewStub(gateways.back()->Channel()));
  }
  ASSERT_TRUE(Create(*stubs[0], "ndes-counter", "0").ok());

  std::atomic<int> failures{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kReplicas * kThreadsPerReplica; ++t) {
    threads.emplace_back([&, t] {
      Stub& stub = *stubs[t % kReplicas];
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        bool done = false;
        for (int attempt = 0; !done && attempt < 10000; ++attempt) {
          NdesConnector current;
          int value = 0;
          if (!Get(stub, "ndes-counter", &current).ok() ||
              !absl::SimpleAtoi(current.display_name(), &value)) {
            failures.fetch_add(1);
            return;
          }
          grpc::Status renamed = Rename(
              stub, "ndes-counter", absl::StrCat(value + 1), current.etag());
          if (renamed.ok()) {
            done = true;
          } else if (renamed.error_code() == grpc::StatusCode::ABORTED) {
            conflicts.fetch_add(1);
          } else {
            ADD_FAILURE() << renamed.error_message();
            failures.fetch_add(1);
            return;
          }
        }
        if (!done) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  NdesConnector final_value;
  ASSERT_TRUE(Get(*stubs[kReplicas - 1], "ndes-counter", &final_value).ok());
  EXPECT_EQ(final_value.display_name(),
            absl::StrCat(kReplicas * kThreadsPerReplica * kIncrementsPerThread))
      << conflicts.load() << " conflicts were retried";
  for (auto& gateway : gateways) EXPECT_EQ(gateway->Terminate(), 0);
}

// Writers that create connectors with new ids through one stub until
// stopped, keeping the ids acknowledged.
class CreateLoad {
 public:
  CreateLoad(std::string prefix, Stub* stub, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, prefix, stub, t] {
        for (int i = 0; !stop_.load(); ++i) {
          const std::string id = absl::StrCat(prefix, "-", t, "-", i);
          grpc::Status created = Create(*stub, id, "load");
          absl::MutexLock lock(&mu_);
          ++codes_[created.error_code()];
          if (created.ok()) acknowledged_.push_back(id);
          // Reads of acknowledged ids must never be wrong.
          if (acknowledged_.size() > 1) {
            const std::string earlier =
                acknowledged_[static_cast<std::size_t>(i) %
                              acknowledged_.size()];
            mu_.Unlock();
            NdesConnector read;
            grpc::Status got = Get(*stub, earlier, &read);
            mu_.Lock();
            ++codes_[got.error_code()];
            if (got.ok() && read.id() != earlier) ++wrong_answers_;
          }
        }
      });
    }
  }
  ~CreateLoad() { Stop(); }

  void Stop() {
    stop_.store(true);
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  int acknowledged_count() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(acknowledged_.size());
  }
  // Waits until `count` more writes are acknowledged; false after 60 s.
  bool AwaitMoreAcknowledged(int count) {
    const int target = acknowledged_count() + count;
    const absl::Time limit = absl::Now() + absl::Seconds(60);
    while (acknowledged_count() < target) {
      if (absl::Now() > limit) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }
  std::vector<std::string> acknowledged() {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  std::map<grpc::StatusCode, int> codes() {
    absl::MutexLock lock(&mu_);
    return codes_;
  }
  int wrong_answers() {
    absl::MutexLock lock(&mu_);
    return wrong_answers_;
  }

 private:
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<std::string> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::map<grpc::StatusCode, int> codes_ ABSL_GUARDED_BY(mu_);
  int wrong_answers_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

TEST(PostgresReplicasTest, KillingAReplicaMidWriteLosesNoAcknowledgedWrite) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_TRUE(uri.ok()) << uri.status();
  std::unique_ptr<GatewayProcess> doomed = StartGateway(*uri);
  std::unique_ptr<GatewayProcess> survivor = StartGateway(*uri);
  ASSERT_NE(doomed, nullptr);
  ASSERT_NE(survivor, nullptr);
  auto doomed_stub = NdesConnectorService::NewStub(doomed->Channel());
  auto survivor_stub = NdesConnectorService::NewStub(survivor->Channel());
  std::vector<std::string> acknowledged;
  {
    CreateLoad doomed_load("doomed", doomed_stub.get(), 4);
    CreateLoad survivor_load("survivor", survivor_stub.get(), 2);
    ASSERT_TRUE(doomed_load.AwaitMoreAcknowledged(50));
    doomed->Kill();  // SIGKILL with writes in flight.
    ASSERT_TRUE(survivor_load.AwaitMoreAcknowledged(50));
    doomed_load.Stop();
    survivor_load.Stop();
    EXPECT_EQ(doomed_load.wrong_answers() + survivor_load.wrong_answers(), 0);
    // The survivor never failed: the killed replica left no lock behind.
    for (const auto& [code, count] : survivor_load.codes()) {
      EXPECT_EQ(code, grpc::StatusCode::OK) << count << " calls";
    }
    acknowledged = doomed_load.acknowledged();
    for (const std::string& id : survivor_load.acknowledged()) {
      acknowledged.push_back(id);
    }
  }
  std::set<std::string> stored;
  ASSERT_TRUE(ListIds(*survivor_stub, &stored).ok());
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(stored.count(id) == 1) << id << " was acknowledged but lost";
  }
  EXPECT_EQ(survivor->Terminate(), 0);
}

TEST(PostgresReplicasTest, ADatabaseRestartUnderLoadIsOnlyAnOutage) {
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string uri = (*cluster)->Uri();
  std::unique_ptr<GatewayProcess> first = StartGateway(uri);
  std::unique_ptr<GatewayProcess> second = StartGateway(uri);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  auto first_stub = NdesConnectorService::NewStub(first->Channel());
  auto second_stub = NdesConnectorService::NewStub(second->Channel());
  std::vector<std::string> acknowledged;
  {
    CreateLoad first_load("first", first_stub.get(), 3);
    CreateLoad second_load("second", second_stub.get(), 3);
    ASSERT_TRUE(first_load.AwaitMoreAcknowledged(30));
    ASSERT_TRUE(second_load.AwaitMoreAcknowledged(30));
    ASSERT_TRUE((*cluster)->Restart().ok()) << (*cluster)->ServerLog();
    // Service resumes on both replicas.
    EXPECT_TRUE(first_load.AwaitMoreAcknowledged(30));
    EXPECT_TRUE(second_load.AwaitMoreAcknowledged(30));
    first_load.Stop();
    second_load.Stop();
    EXPECT_EQ(first_load.wrong_answers() + second_load.wrong_answers(), 0);
    int unavailable = 0;
    for (CreateLoad* load : {&first_load, &second_load}) {
      for (const auto& [code, count] : load->codes()) {
        // Never NOT_FOUND for an acknowledged id, never INTERNAL, never a
        // duplicate: an outage only.
        EXPECT_TRUE(code == grpc::StatusCode::OK ||
                    code == grpc::StatusCode::UNAVAILABLE)
            << count << " calls answered with code " << code;
        if (code == grpc::StatusCode::UNAVAILABLE) unavailable += count;
      }
      for (const std::string& id : load->acknowledged()) {
        acknowledged.push_back(id);
      }
    }
    std::cerr << unavailable << " calls were UNAVAILABLE during the restart\n";
  }
  std::set<std::string> stored;
  ASSERT_TRUE(ListIds(*first_stub, &stored).ok());
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(stored.count(id) == 1) << id << " was acknowledged but lost";
  }
  // Neither replica crashed.
  EXPECT_EQ(first->Terminate(), 0);
  EXPECT_EQ(second->Terminate(), 0);
}

// Health follows ConnectorStore::Available(): NOT_SERVING while the
// database is down, SERVING once it is back.
TEST(PostgresReplicasTest, HealthFollowsTheDatabase) {
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  std::unique_ptr<GatewayProcess> gateway = StartGateway((*cluster)->Uri());
  ASSERT_NE(gateway, nullptr);
  auto channel = gateway->Channel();
  ASSERT_TRUE((*cluster)->Stop().ok());
  const absl::Time limit = absl::Now() + absl::Seconds(15);
  std::string health;
  while ((health = CheckHealth(channel)) != "NOT_SERVING" &&
         absl::Now() < limit) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(health, "NOT_SERVING");
  {
    auto stub = NdesConnectorService::NewStub(channel);
    NdesConnector read;
    EXPECT_EQ(Get(*stub, "ndes-x", &read).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  ASSERT_TRUE((*cluster)->StartAgain().ok());
  EXPECT_TRUE(WaitForServing(channel, absl::Seconds(30)).ok());
  channel.reset();
  EXPECT_EQ(gateway->Terminate(), 0);
}

TEST(PostgresReplicasTest, APasswordFromPgpassfileNeverReachesTheLog) {
  constexpr char kPassword[] = "gw-Secret-9157";
  PostgresClusterOptions options;
  options.password = kPassword;
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  TempDir dir;
  const std::string passfile = dir.Path("pgpass");
  {
    std::ofstream file(passfile);
    file << "127.0.0.1:" << (*cluster)->port() << ":*:postgres:" << kPassword
         << "\n";
  }
  // libpq ignores a password file others can read.
  ASSERT_EQ(::chmod(passfile.c_str(), 0600), 0);
  std::unique_ptr<GatewayProcess> gateway =
      StartGateway((*cluster)->Uri(), {"PGPASSFILE=" + passfile});
  ASSERT_NE(gateway, nullptr);
  {
    auto stub = NdesConnectorService::NewStub(gateway->Channel());
    ASSERT_TRUE(Create(*stub, "ndes-secret", "x").ok());
    NdesConnector read;
    EXPECT_TRUE(Get(*stub, "ndes-secret", &read).ok());
    // An error path too: its message must not carry the password either.
    EXPECT_EQ(Create(*stub, "ndes-secret", "x").error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  EXPECT_EQ(gateway->Terminate(), 0);
  EXPECT_THAT(gateway->Log(), Not(HasSubstr(kPassword)));
}

}  // namespace
}  // namespace ndes::testing
