// Durability under kill -9: the real gateway on a SQLite file, several
// writers hammering it, SIGKILL at a seeded random moment, a restart on the
// same file. Every write the gateway acknowledged must be there; a write in
// flight when the process died may or may not be.
//
// Each writer owns its connectors and writes a rising sequence number into
// each, one call at a time, so for every connector the stored sequence must
// be either the last one acknowledged or the one in flight at the kill.

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::ndes::v1::NdesConnectorService;

constexpr int kWriters = 4;
constexpr int kConnectorsPerWriter = 3;

std::string ConnectorId(int writer, int connector) {
  return absl::StrCat("w", writer, "-c", connector);
}

// Sequence numbers are written into display_name and machine_name alike,
// so a torn write would also show.
void SetSequence(NdesConnector& connector, std::int64_t sequence) {
  connector.set_display_name(absl::StrCat("seq-", sequence));
  connector.set_machine_name(absl::StrCat("host-", sequence));
}

std::int64_t ReadSequence(const NdesConnector& connector) {
  std::int64_t sequence = -1;
  std::string name = connector.display_name();
  if (name.rfind("seq-", 0) != 0 ||
      !absl::SimpleAtoi(name.substr(4), &sequence)) {
    return -1;
  }
  return sequence;
}

// What one writer knows about one of its connectors.
struct Ledger {
  std::int64_t acknowledged = -1;  // last sequence answered OK
  std::int64_t attempted = -1;     // last sequence sent
};

class CrashDurabilityTest : public ::testing::TestWithParam<int> {};

TEST_P(CrashDurabilityTest, AcknowledgedWritesSurviveKillNine) {
  const int seed = GetParam();
  std::mt19937 random(seed);
  // The kill lands after this many acknowledged writes (all threads
  // together), somewhere between the first batches and a few hundred.
  const int kill_after =
      std::uniform_int_distribution<int>(20, 400)(random);

  TempDir dir;
  const std::string store = "--store=sqlite:" + dir.Path("crash.db");
  std::map<std::string, Ledger> ledgers;
  std::vector<std::string> created_ids[kWriters];

  {
    GatewayProcess gateway({store});
    ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
    const std::shared_ptr<grpc::Channel> channel = gateway.Channel();
    {
      auto stub = NdesConnectorService::NewStub(channel);
      for (int w = 0; w < kWriters; ++w) {
        for (int c = 0; c < kConnectorsPerWriter; ++c) {
          v1::CreateNdesConnectorRequest request;
          request.mutable_ndes_connector()->set_id(ConnectorId(w, c));
          SetSequence(*request.mutable_ndes_connector(), 0);
          NdesConnector out;
          grpc::ClientContext context;
          ASSERT_TRUE(stub->CreateNdesConnector(&context, request, &out).ok());
          ledgers[ConnectorId(w, c)] = {0, 0};
        }
      }
    }

    std::atomic<int> acknowledged{0};
    std::atomic<bool> stop{false};
    absl::Notification reached;
    // Each writer has its own ledger slice; they are merged after join.
    std::vector<std::map<std::string, Ledger>> writer_ledgers(kWriters);
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writer_ledgers[w] = {};
      for (int c = 0; c < kConnectorsPerWriter; ++c) {
        writer_ledgers[w][ConnectorId(w, c)] = {0, 0};
      }
      writers.emplace_back([&, w] {
        auto stub = NdesConnectorService::NewStub(channel);
        std::map<std::string, Ledger>& mine = writer_ledgers[w];
        for (std::int64_t sequence = 1; !stop.load(); ++sequence) {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() +
                                                  absl::Seconds(10)));
          grpc::Status status;
          if (sequence % 10 == 0) {
            // Now and then a create of a new connector, which must survive
            // too once acknowledged.
            const std::string id = absl::StrCat("w", w, "-new-", sequence);
            v1::CreateNdesConnectorRequest request;
            request.mutable_ndes_connector()->set_id(id);
            SetSequence(*request.mutable_ndes_connector(), sequence);
            NdesConnector out;
            status = stub->CreateNdesConnector(&context, request, &out);
            if (status.ok()) created_ids[w].push_back(id);
          } else {
            const std::string id =
                ConnectorId(w, static_cast<int>(sequence %
                                                kConnectorsPerWriter));
            v1::UpdateNdesConnectorsRequest request;
            request.mutable_ndes_connector()->set_id(id);
            SetSequence(*request.mutable_ndes_connector(), sequence);
            request.mutable_update_mask()->add_paths("display_name");
            request.mutable_update_mask()->add_paths("machine_name");
            mine[id].attempted = sequence;
            NdesConnector out;
            status = stub->UpdateNdesConnectors(&context, request, &out);
            if (status.ok()) mine[id].acknowledged = sequence;
          }
          if (!status.ok()) break;  // the gateway is gone
          if (acknowledged.fetch_add(1) + 1 == kill_after) reached.Notify();
        }
      });
    }

    EXPECT_TRUE(reached.WaitForNotificationWithTimeout(absl::Seconds(60)))
        << "only " << acknowledged.load() << " writes acknowledged";
    gateway.Kill();  // SIGKILL mid-load: writes are in flight
    stop = true;
    for (std::thread& writer : writers) writer.join();
    for (const auto& slice : writer_ledgers) {
      for (const auto& [id, ledger] : slice) ledgers[id] = ledger;
    }
  }

  GatewayProcess restarted({store});
  ASSERT_TRUE(restarted.Start().ok()) << restarted.Log();
  auto stub = NdesConnectorService::NewStub(restarted.Channel());
  auto get = [&](const std::string& id, NdesConnector* out) {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    return stub->GetNdesConnector(&context, request, out);
  };
  for (const auto& [id, ledger] : ledgers) {
    NdesConnector stored;
    ASSERT_TRUE(get(id, &stored).ok()) << id;
    const std::int64_t sequence = ReadSequence(stored);
    EXPECT_EQ(stored.machine_name(), absl::StrCat("host-", sequence))
        << id << ": fields of different writes";
    EXPECT_TRUE(sequence == ledger.acknowledged ||
                sequence == ledger.attempted)
        << id << ": stored seq-" << sequence << ", last acknowledged seq-"
        << ledger.acknowledged << ", last sent seq-" << ledger.attempted
        << " (seed " << seed << ", killed after " << kill_after << ")";
  }
  int creates = 0;
  for (const std::vector<std::string>& ids : created_ids) {
    for (const std::string& id : ids) {
      NdesConnector stored;
      EXPECT_TRUE(get(id, &stored).ok())
          << "acknowledged create of " << id << " lost (seed " << seed << ")";
      ++creates;
    }
  }
  RecordProperty("kill_after", kill_after);
  RecordProperty("acknowledged_creates", creates);
  stub.reset();
  EXPECT_EQ(restarted.Terminate(), 0) << restarted.Log();
}

INSTANTIATE_TEST_SUITE_P(SeededKillPoints, CrashDurabilityTest,
                         ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace ndes::testing
