#include "store/read_cache_connector_store.h"

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/memory_connector_store.h"
#include "store/sqlite_connector_store.h"
#include "store/store_test_support.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;
using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::SyncStore;
using ::ndes::v1::NdesConnector;
using ::testing::_;

// The cache must keep every behaviour of the store it wraps.
INSTANTIATE_TEST_SUITE_P(
    ReadCache, ConnectorStoreConformanceTest,
    ::testing::Values(
        ConnectorStoreConformanceParam{
            "OverMemory",
            [](const std::string& /*scratch_dir*/)
                -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
              return std::make_unique<ReadCacheConnectorStore>(
                  std::make_unique<MemoryConnectorStore>());
            }},
        ConnectorStoreConformanceParam{
            "OverSqlite",
            [](const std::string& scratch_dir)
                -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
              absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> sqlite =
                  SqliteConnectorStore::Open(scratch_dir + "/store.db");
              if (!sqlite.ok()) return sqlite.status();
              return std::make_unique<ReadCacheConnectorStore>(
                  *std::move(sqlite));
            }},
        ConnectorStoreConformanceParam{
            "TinyOverMemory",
            [](const std::string& /*scratch_dir*/)
                -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
              return std::make_unique<ReadCacheConnectorStore>(
                  std::make_unique<MemoryConnectorStore>(), 2);
            }}),
    ConnectorStoreConformanceParamName);

// A memory store whose calls can be held: a held Get reads the connector
// when it is called but answers only on ReleaseOne, like a read overtaken by
// a write; a held Update is applied only on ReleaseUpdate, like a write
// still in flight.
class HeldGetStore final : public ConnectorStore {
 public:
  void Get(const CallContext& context, std::string id,
           StoreCallback<NdesConnector> done) override {
    ++gets;
    if (!hold_gets) {
      inner.Get(context, std::move(id), std::move(done));
      return;
    }
    inner.Get(context, std::move(id),
              [this, done = std::move(done)](
                  absl::StatusOr<NdesConnector> read) mutable {
                held.emplace_back(std::move(read), std::move(done));
              });
  }
  void List(const CallContext& context, ListQuery query,
            StoreCallback<ListPage> done) override {
    inner.List(context, std::move(query), std::move(done));
  }
  void Create(const CallContext& context, NdesConnector connector,
              StoreCallback<NdesConnector> done) override {
    inner.Create(context, std::move(connector), std::move(done));
  }
  void Update(const CallContext& context, UpdateCommand command,
              StoreCallback<NdesConnector> done) override {
    if (hold_updates) {
      held_updates.emplace_back(std::move(command), std::move(done));
      return;
    }
    inner.Update(context, std::move(command), std::move(done));
  }
  void Delete(const CallContext& context, std::string id,
              std::string expected_etag, StatusCallback done) override {
    inner.Delete(context, std::move(id), std::move(expected_etag),
                 std::move(done));
  }

  // Answers the oldest held Get with what it read.
  void ReleaseOne() {
    auto [read, done] = std::move(held.front());
    held.pop_front();
    std::move(done)(std::move(read));
  }

  // Applies and answers the oldest held Update.
  void ReleaseUpdate() {
    auto [command, done] = std::move(held_updates.front());
    held_updates.pop_front();
    inner.Update(CallContext(), std::move(command), std::move(done));
  }

  MemoryConnectorStore inner;
  bool hold_gets = false;
  bool hold_updates = false;
  std::deque<std::pair<UpdateCommand, StoreCallback<NdesConnector>>>
      held_updates;
  int gets = 0;
  std::deque<
      std::pair<absl::StatusOr<NdesConnector>, StoreCallback<NdesConnector>>>
      held;
};

class ReadCacheTest : public ::testing::Test {
 protected:
  ReadCacheTest() {
    auto held = std::make_unique<HeldGetStore>();
    backing_ = held.get();
    cache_ = std::make_unique<ReadCacheConnectorStore>(std::move(held));
    sync_ = std::make_unique<SyncStore>(*cache_);
  }

  HeldGetStore* backing_;
  std::unique_ptr<ReadCacheConnectorStore> cache_;
  std::unique_ptr<SyncStore> sync_;
};

TEST_F(ReadCacheTest, ASecondGetIsAnsweredFromMemory) {
  absl::StatusOr<NdesConnector> created = sync_->Create(SampleConnector("a"));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*created)));
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*created)));
  EXPECT_EQ(backing_->gets, 1);
  EXPECT_EQ(cache_->hits(), 1u);
}

TEST_F(ReadCacheTest, NotFoundIsNotKept) {
  EXPECT_THAT(sync_->Get("missing"), StatusIs(absl::StatusCode::kNotFound, _));
  ASSERT_THAT(sync_->Create(SampleConnector("missing")), IsOk());
  EXPECT_THAT(sync_->Get("missing"), IsOk());
}

TEST_F(ReadCacheTest, AnUpdateIsSeenByTheNextGet) {
  ASSERT_THAT(sync_->Create(SampleConnector("a")), IsOk());
  ASSERT_THAT(sync_->Get("a"), IsOk());  // now kept
  absl::StatusOr<NdesConnector> updated =
      sync_->Update(RenameCommand("a", "renamed"));
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*updated)));
}

TEST_F(ReadCacheTest, ADeleteIsSeenByTheNextGet) {
  ASSERT_THAT(sync_->Create(SampleConnector("a")), IsOk());
  ASSERT_THAT(sync_->Get("a"), IsOk());
  ASSERT_THAT(sync_->Delete("a"), IsOk());
  EXPECT_THAT(sync_->Get("a"), StatusIs(absl::StatusCode::kNotFound, _));
}

TEST_F(ReadCacheTest, AGetOverlappingAWriteIsAnsweredButNotKept) {
  absl::StatusOr<NdesConnector> created = sync_->Create(SampleConnector("a"));
  ASSERT_THAT(created, IsOk());
  // A Get reads the old value, and a write finishes before it answers.
  backing_->hold_gets = true;
  absl::StatusOr<NdesConnector> overtaken;
  cache_->Get(CallContext(), "a",
              [&](absl::StatusOr<NdesConnector> read) { overtaken = read; });
  ASSERT_EQ(backing_->held.size(), 1u);
  absl::StatusOr<NdesConnector> updated =
      sync_->Update(RenameCommand("a", "renamed"));
  ASSERT_THAT(updated, IsOk());
  backing_->ReleaseOne();
  EXPECT_THAT(overtaken, IsOkAndHolds(EqualsProto(*created)));
  // The old value was not kept: the next Get reads the new one.
  backing_->hold_gets = false;
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*updated)));
  EXPECT_EQ(cache_->hits(), 0u);
}

TEST_F(ReadCacheTest, AGetThatRunsWhileAWriteIsInFlightIsNotKept) {
  ASSERT_THAT(sync_->Create(SampleConnector("a")), IsOk());
  // An Update is sent and not yet applied; a Get in the meantime reads the
  // old value, and must not keep it for later.
  backing_->hold_updates = true;
  absl::StatusOr<NdesConnector> updated;
  cache_->Update(CallContext(), RenameCommand("a", "renamed"),
                 [&](absl::StatusOr<NdesConnector> result) {
                   updated = std::move(result);
                 });
  ASSERT_EQ(backing_->held_updates.size(), 1u);
  ASSERT_THAT(sync_->Get("a"), IsOk());
  backing_->ReleaseUpdate();
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*updated)));
  EXPECT_EQ(cache_->hits(), 0u);
}

TEST_F(ReadCacheTest, AFailedConditionalWriteLeavesTheRightValue) {
  absl::StatusOr<NdesConnector> created = sync_->Create(SampleConnector("a"));
  ASSERT_THAT(created, IsOk());
  ASSERT_THAT(sync_->Get("a"), IsOk());
  EXPECT_THAT(sync_->Update(RenameCommand("a", "x", "W/\"999\"")),
              StatusIs(absl::StatusCode::kAborted, _));
  EXPECT_THAT(sync_->Get("a"), IsOkAndHolds(EqualsProto(*created)));
}

TEST(ReadCacheCapacityTest, HoldsAtMostItsCapacity) {
  auto memory = std::make_unique<MemoryConnectorStore>();
  ReadCacheConnectorStore cache(std::move(memory), 1);
  SyncStore sync(cache);
  ASSERT_THAT(sync.Create(SampleConnector("a")), IsOk());
  ASSERT_THAT(sync.Create(SampleConnector("b")), IsOk());
  ASSERT_THAT(sync.Get("a"), IsOk());  // kept
  ASSERT_THAT(sync.Get("b"), IsOk());  // full: not kept at a first miss
  ASSERT_THAT(sync.Get("b"), IsOk());  // a second miss: kept, "a" dropped
  ASSERT_THAT(sync.Get("b"), IsOk());  // hit
  ASSERT_THAT(sync.Get("a"), IsOk());  // miss
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(ReadCacheCapacityTest, AFullCacheIsNotChurnedByIdsReadOnce) {
  auto memory = std::make_unique<MemoryConnectorStore>();
  ReadCacheConnectorStore cache(std::move(memory), 2);
  SyncStore sync(cache);
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(sync.Create(SampleConnector(absl::StrCat("row-", i))), IsOk());
  }
  ASSERT_THAT(sync.Get("row-0"), IsOk());  // kept
  ASSERT_THAT(sync.Get("row-1"), IsOk());  // kept: the cache is full now
  for (int i = 2; i < 50; ++i) {
    ASSERT_THAT(sync.Get(absl::StrCat("row-", i)), IsOk());  // once each
  }
  ASSERT_THAT(sync.Get("row-0"), IsOk());
  ASSERT_THAT(sync.Get("row-1"), IsOk());
  EXPECT_EQ(cache.hits(), 2u);
}

TEST(ReadCacheCapacityTest, ZeroCapacityKeepsNothing) {
  ReadCacheConnectorStore cache(std::make_unique<MemoryConnectorStore>(), 0);
  SyncStore sync(cache);
  ASSERT_THAT(sync.Create(SampleConnector("a")), IsOk());
  ASSERT_THAT(sync.Get("a"), IsOk());
  ASSERT_THAT(sync.Get("a"), IsOk());
  EXPECT_EQ(cache.hits(), 0u);
}

}  // namespace
}  // namespace ndes::store
