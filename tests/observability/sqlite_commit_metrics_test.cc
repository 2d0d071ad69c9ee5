// The SQLite store's group commit as ndes_gateway_sqlite_commit_batch_size
// sees it.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/gateway_metrics.h"
#include "store/sqlite_connector_store.h"
#include "store/store_test_support.h"

namespace ndes::observability {
namespace {

using ::ndes::store::SqliteConnectorStore;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::MakeScratchDir;
using ::ndes::store::testing::RemoveScratchDir;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::SyncStore;

class SqliteCommitMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeScratchDir(); }
  void TearDown() override { RemoveScratchDir(dir_); }
  // What the store recorded on the registry it was handed.
  Histogram& Batches() {
    return registry_
        .AddHistogram("ndes_gateway_sqlite_commit_batch_size", "",
                      ExponentialBuckets(1, 2, 9))
        .Get();
  }
  std::string dir_;
  MetricsRegistry registry_;
};

TEST_F(SqliteCommitMetricsTest, EveryDurableCommitObservesItsBatch) {
  auto store = SqliteConnectorStore::Open(dir_ + "/metrics.db", &registry_);
  ASSERT_THAT(store, IsOk());
  Histogram& batches = Batches();
  const Histogram::Snapshot before = batches.Read();
  const std::uint64_t commits_before = (*store)->commit_count();

  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      SyncStore sync(**store);
      for (int i = 0; i < kWritesPerThread; ++i) {
        EXPECT_THAT(sync.Create(SampleConnector("ndes-" + std::to_string(t) +
                                                "-" + std::to_string(i))),
                    IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const Histogram::Snapshot after = batches.Read();
  const std::uint64_t commits = (*store)->commit_count() - commits_before;
  // One observation per commit, and together they hold every write.
  EXPECT_EQ(after.count - before.count, commits);
  EXPECT_EQ(after.sum - before.sum, kThreads * kWritesPerThread);
  EXPECT_GE(commits, 1u);
  EXPECT_LE(commits, static_cast<std::uint64_t>(kThreads * kWritesPerThread));
}

TEST_F(SqliteCommitMetricsTest, AOneWriteCommitLandsInTheFirstBucket) {
  auto store = SqliteConnectorStore::Open(dir_ + "/single.db", &registry_);
  ASSERT_THAT(store, IsOk());
  Histogram& batches = Batches();
  const Histogram::Snapshot before = batches.Read();
  SyncStore sync(**store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
  const Histogram::Snapshot after = batches.Read();
  EXPECT_EQ(after.cumulative[0] - before.cumulative[0], 1u);  // le="1"
  EXPECT_EQ(after.count - before.count, 1u);
}

}  // namespace
}  // namespace ndes::observability
