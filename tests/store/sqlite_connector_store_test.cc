#include "store/sqlite_connector_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/sqlite_file_support.h"
#include "store/store_test_support.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;
using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::FileSizeLimit;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::MakeScratchDir;
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::QuerySql;
using ::ndes::store::testing::ReadFileBytes;
using ::ndes::store::testing::RemoveScratchDir;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::RunSql;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::SyncStore;
using ::ndes::store::testing::WriteFileBytes;
using ::ndes::v1::NdesConnector;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ConnectorStoreConformanceTest,
    ::testing::Values(ConnectorStoreConformanceParam{
        "Sqlite",
        [](const std::string& scratch_dir)
            -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
          absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
              SqliteConnectorStore::Open(scratch_dir + "/connectors.db");
          if (!store.ok()) return store.status();
          return std::unique_ptr<ConnectorStore>(*std::move(store));
        }}),
    ConnectorStoreConformanceParamName);

constexpr auto kWaitLimit = std::chrono::seconds(60);

// The result of one asynchronous call, for tests that queue several writes
// before waiting for any.
template <typename T>
class AsyncResult {
 public:
  AsyncResult()
      : promise_(std::make_shared<std::promise<T>>()),
        future_(promise_->get_future()) {}

  absl::AnyInvocable<void(T) &&> Callback() {
    return [promise = promise_](T result) {
      promise->set_value(std::move(result));
    };
  }

  T Wait() {
    if (future_.wait_for(kWaitLimit) != std::future_status::ready) {
      ADD_FAILURE() << "the store never answered";
      return T(absl::DeadlineExceededError("never answered"));
    }
    return future_.get();
  }

 private:
  std::shared_ptr<std::promise<T>> promise_;
  std::future<T> future_;
};

using ConnectorResult = AsyncResult<absl::StatusOr<NdesConnector>>;
using DeleteResult = AsyncResult<absl::Status>;

// Every SQLite connection this process opens once WatchEveryConnection()
// has run reports each statement it starts (sqlite3_trace_v2, installed by
// sqlite3_auto_extension): tests see which statements the store runs, and
// WriterGate holds the store's writer thread at the start of a transaction.
struct GateState {
  absl::Notification entered;
  absl::Notification release;
};

struct StatementWatch {
  absl::Mutex mu;
  bool recording ABSL_GUARDED_BY(mu) = false;
  std::vector<std::string> started ABSL_GUARDED_BY(mu);
  // Taken by the next BEGIN IMMEDIATE, which then waits for its release.
  std::shared_ptr<GateState> gate ABSL_GUARDED_BY(mu);
};

StatementWatch& Watch() {
  static StatementWatch* const watch = new StatementWatch;
  return *watch;
}

int OnStatementStart(unsigned /*type*/, void* /*context*/, void* /*stmt*/,
                     void* sql) {
  const absl::string_view text(static_cast<const char*>(sql));
  std::shared_ptr<GateState> gate;
  {
    absl::MutexLock lock(&Watch().mu);
    if (Watch().recording) Watch().started.emplace_back(text);
    if (absl::StartsWith(text, "BEGIN IMMEDIATE")) gate.swap(Watch().gate);
  }
  if (gate != nullptr) {
    gate->entered.Notify();
    gate->release.WaitForNotification();
  }
  return 0;
}

int TraceStatements(sqlite3* db, char** /*error*/,
                    const sqlite3_api_routines* /*api*/) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, &OnStatementStart, nullptr);
  return SQLITE_OK;
}

// Connections opened before the first call are not watched. Idempotent.
void WatchEveryConnection() {
  ASSERT_EQ(
      sqlite3_auto_extension(reinterpret_cast<void (*)()>(&TraceStatements)),
      SQLITE_OK);
}

// The statements SQLite connections of this process started during `run`.
std::vector<std::string> StatementsStartedBy(absl::FunctionRef<void()> run) {
  {
    absl::MutexLock lock(&Watch().mu);
    Watch().recording = true;
    Watch().started.clear();
  }
  run();
  absl::MutexLock lock(&Watch().mu);
  Watch().recording = false;
  return std::move(Watch().started);
}

// Holds the store's writer thread at the start of its next transaction until
// Release(), so that every write queued meanwhile goes into one batch. The
// write that wakes the writer deletes an id that does not exist: it commits
// nothing and leaves commit_count() alone.
class WriterGate {
 public:
  explicit WriterGate(SqliteConnectorStore& store)
      : state_(std::make_shared<GateState>()) {
    {
      absl::MutexLock lock(&Watch().mu);
      Watch().gate = state_;
    }
    store.Delete(CallContext(), "writer-gate", "", [](absl::Status status) {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound,
                                   HasSubstr("writer-gate")));
    });
    EXPECT_TRUE(state_->entered.WaitForNotificationWithTimeout(
        absl::FromChrono(kWaitLimit)))
        << "the writer never started a transaction";
  }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;
  ~WriterGate() {
    Release();
    absl::MutexLock lock(&Watch().mu);
    if (Watch().gate == state_) Watch().gate = nullptr;
  }

  void Release() {
    if (!state_->release.HasBeenNotified()) state_->release.Notify();
  }

 private:
  std::shared_ptr<GateState> state_;
};

// The revision in an etag W/"<n>".
std::uint64_t RevisionOf(absl::string_view etag) {
  std::uint64_t revision = 0;
  EXPECT_TRUE(absl::ConsumePrefix(&etag, "W/\"") &&
              absl::ConsumeSuffix(&etag, "\"") &&
              absl::SimpleAtoi(etag, &revision))
      << "not an embedded store etag: " << etag;
  return revision;
}

class SqliteConnectorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WatchEveryConnection();
    dir_ = MakeScratchDir();
    path_ = dir_ + "/connectors.db";
  }
  void TearDown() override { RemoveScratchDir(dir_); }

  std::unique_ptr<SqliteConnectorStore> MustOpen() {
    absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
        SqliteConnectorStore::Open(path_);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A store at path_ holding `count` sample connectors, then closed.
  void MakeStoreWith(int count) {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    // Queued all at once, so that they share a few commits.
    std::vector<ConnectorResult> results(count);
    for (int i = 0; i < count; ++i) {
      store->Create(CallContext(), SampleConnector(absl::StrCat("ndes-", i)),
                    results[i].Callback());
    }
    for (ConnectorResult& result : results) {
      ASSERT_THAT(result.Wait(), IsOk());
    }
  }

  std::string dir_;
  std::string path_;
};

// --- Persistence -------------------------------------------------------------

TEST_F(SqliteConnectorStoreTest, DataSurvivesCloseAndReopen) {
  NdesConnector updated;
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    SyncStore sync(*store);
    ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
    ASSERT_THAT(sync.Create(SampleConnector("ndes-2")), IsOk());
    absl::StatusOr<NdesConnector> renamed =
        sync.Update(RenameCommand("ndes-1", "renamed"));
    ASSERT_THAT(renamed, IsOk());
    updated = *renamed;
    ASSERT_THAT(sync.Delete("ndes-2"), IsOk());
  }
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  absl::StatusOr<NdesConnector> got = sync.Get("ndes-1");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(updated));
  EXPECT_THAT(sync.Get("ndes-2"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-2")));
}

TEST_F(SqliteConnectorStoreTest,
       RevisionsKeepGrowingAfterReopenEvenWhenTheNewestRowIsDeleted) {
  std::uint64_t newest = 0;
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    SyncStore sync(*store);
    ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
    ASSERT_THAT(sync.Create(SampleConnector("ndes-2")), IsOk());
    absl::StatusOr<NdesConnector> renamed =
        sync.Update(RenameCommand("ndes-2", "newest"));
    ASSERT_THAT(renamed, IsOk());
    newest = RevisionOf(renamed->etag());
    // The row with the newest revision goes: only the stored counter
    // remembers it.
    ASSERT_THAT(sync.Delete("ndes-2"), IsOk());
  }
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  absl::StatusOr<NdesConnector> recreated =
      sync.Create(SampleConnector("ndes-2"));
  ASSERT_THAT(recreated, IsOk());
  EXPECT_GT(RevisionOf(recreated->etag()), newest);
}

// What a crash leaves behind: the database file and its WAL (synchronous=FULL
// makes every acknowledged write durable there), with or without the -shm
// index. Copied while the store is idle, so the copy is consistent.
TEST_F(SqliteConnectorStoreTest, OpensWhatACrashLeavesBehind) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
  absl::StatusOr<NdesConnector> renamed =
      sync.Update(RenameCommand("ndes-1", "only in the WAL"));
  ASSERT_THAT(renamed, IsOk());
  ASSERT_TRUE(std::filesystem::exists(path_ + "-wal"));

  for (bool with_shm : {true, false}) {
    SCOPED_TRACE(with_shm ? "with -shm" : "without -shm");
    const std::string copy =
        absl::StrCat(dir_, "/crashed-", with_shm ? "shm" : "noshm", ".db");
    std::filesystem::copy_file(path_, copy);
    std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
    if (with_shm) std::filesystem::copy_file(path_ + "-shm", copy + "-shm");

    absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> recovered =
        SqliteConnectorStore::Open(copy);
    ASSERT_THAT(recovered, IsOk());
    EXPECT_THAT(SyncStore(**recovered).Get("ndes-1"),
                IsOkAndHolds(EqualsProto(*renamed)));
  }
}

TEST_F(SqliteConnectorStoreTest, CreatesAMissingFileAsAWalModeStore) {
  MakeStoreWith(1);
  EXPECT_EQ(QuerySql(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QuerySql(path_, "PRAGMA user_version"),
            absl::StrCat(SqliteConnectorStore::kSchemaVersion));
  EXPECT_EQ(QuerySql(path_, "SELECT count(*) FROM connectors"), "1");
}

TEST_F(SqliteConnectorStoreTest, OpensAnEmptyFileAsANewStore) {
  WriteFileBytes(path_, "");
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  EXPECT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
}

// --- Files that are refused
// ----------------------------------------------------

TEST_F(SqliteConnectorStoreTest,
       RefusesAFileOfRandomBytesAndLeavesItUntouched) {
  std::mt19937 random(20261128);
  std::string bytes(8192, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xff);
  WriteFileBytes(path_, bytes);

  EXPECT_THAT(
      SqliteConnectorStore::Open(path_),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(path_), HasSubstr("file is not a database"))));
  EXPECT_EQ(ReadFileBytes(path_), bytes);
}

TEST_F(SqliteConnectorStoreTest,
       RefusesATruncatedDatabaseAndLeavesItUntouched) {
  MakeStoreWith(600);
  const std::string whole = ReadFileBytes(path_);
  ASSERT_GT(whole.size(), 16u * 4096u) << "too small to truncate usefully";
  const std::string truncated = whole.substr(0, whole.size() / 2);
  WriteFileBytes(path_, truncated);

  EXPECT_THAT(SqliteConnectorStore::Open(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_), HasSubstr("malformed"))));
  EXPECT_EQ(ReadFileBytes(path_), truncated);
}

TEST_F(SqliteConnectorStoreTest,
       RefusesADatabaseWithADamagedPageAndLeavesItUntouched) {
  MakeStoreWith(600);
  std::string damaged = ReadFileBytes(path_);
  const std::size_t page_size = std::stoul(QuerySql(path_, "PRAGMA page_size"));
  ASSERT_GT(damaged.size(), 16 * page_size);
  // A page of the connectors table, far from the schema on page 1: only an
  // integrity check finds it before a read stumbles on it.
  damaged.replace(10 * page_size, page_size, std::string(page_size, '\xAA'));
  WriteFileBytes(path_, damaged);

  EXPECT_THAT(SqliteConnectorStore::Open(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_), HasSubstr("damaged"))));
  EXPECT_EQ(ReadFileBytes(path_), damaged);
}

TEST_F(SqliteConnectorStoreTest,
       RefusesADatabaseOfAnotherApplicationAndLeavesItUntouched) {
  RunSql(path_,
         "CREATE TABLE photos (name TEXT); "
         "INSERT INTO photos VALUES ('cat.jpg');");
  const std::string bytes = ReadFileBytes(path_);

  EXPECT_THAT(SqliteConnectorStore::Open(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_),
                             HasSubstr("not an ndes-gateway store"))));
  EXPECT_EQ(ReadFileBytes(path_), bytes);
}

TEST_F(SqliteConnectorStoreTest,
       RefusesANewerSchemaVersionNamingBothVersionsAndLeavesItUntouched) {
  MakeStoreWith(1);
  const int newer = SqliteConnectorStore::kSchemaVersion + 1;
  RunSql(path_, absl::StrCat("PRAGMA user_version = ", newer));
  const std::string bytes = ReadFileBytes(path_);

  EXPECT_THAT(
      SqliteConnectorStore::Open(path_),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(path_),
                     HasSubstr(absl::StrCat("schema version is ", newer)),
                     HasSubstr(absl::StrCat(
                         "version ", SqliteConnectorStore::kSchemaVersion)))));
  EXPECT_EQ(ReadFileBytes(path_), bytes);
}

TEST_F(SqliteConnectorStoreTest, RefusesAPathInAMissingDirectoryNamingIt) {
  const std::string path = dir_ + "/no-such-dir/connectors.db";
  EXPECT_THAT(
      SqliteConnectorStore::Open(path),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(path), HasSubstr("No such file or directory"))));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/no-such-dir"));
}

TEST_F(SqliteConnectorStoreTest, RefusesADirectoryNamingIt) {
  const std::string path = dir_ + "/a-directory";
  ASSERT_TRUE(std::filesystem::create_directory(path));
  EXPECT_THAT(
      SqliteConnectorStore::Open(path),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(path), HasSubstr("not a regular file"))));
}

TEST_F(SqliteConnectorStoreTest,
       RefusesASecondOpenWhileTheFirstIsOpenAndAllowsItAfterwards) {
  std::unique_ptr<SqliteConnectorStore> first = MustOpen();
  ASSERT_NE(first, nullptr);
  EXPECT_THAT(SqliteConnectorStore::Open(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_),
                             HasSubstr("is in use by another ndes-gateway "
                                       "process"))));
  // The refused Open did not take the first store's lock away.
  EXPECT_THAT(
      SqliteConnectorStore::Open(path_),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use")));
  SyncStore sync(*first);
  EXPECT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());

  first.reset();
  std::unique_ptr<SqliteConnectorStore> second = MustOpen();
  ASSERT_NE(second, nullptr);
  EXPECT_THAT(SyncStore(*second).Get("ndes-1"), IsOk());
}

// --- The file deleted or replaced while open

TEST_F(SqliteConnectorStoreTest, AFileDeletedWhileOpenTurnsUnavailable) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
  // Leaves a read connection open to the file.
  ASSERT_THAT(sync.Get("ndes-1"), IsOk());
  EXPECT_TRUE(store->Available());
  ASSERT_TRUE(std::filesystem::remove(path_));

  EXPECT_FALSE(store->Available());
  EXPECT_THAT(sync.Create(SampleConnector("ndes-2")),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(path_), HasSubstr("was deleted"))));
  EXPECT_THAT(sync.Delete("ndes-1", ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path_)));
  // Reads go on over the connection open to the old file.
  EXPECT_THAT(sync.Get("ndes-1"), IsOk());
}

TEST_F(SqliteConnectorStoreTest, AFileReplacedWhileOpenTurnsUnavailable) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
  std::filesystem::copy_file(path_, dir_ + "/copy.db");
  std::filesystem::rename(dir_ + "/copy.db", path_);

  EXPECT_THAT(sync.Create(SampleConnector("ndes-2")),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(path_), HasSubstr("was replaced"))));
  EXPECT_FALSE(store->Available());
}

// --- Damaged rows
// --------------------------------------------------------------

TEST_F(SqliteConnectorStoreTest,
       DamagedRowsAreInternalOnReadAndWriteAndTheRestKeepsWorking) {
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    SyncStore sync(*store);
    for (const char* id : {"bad-json", "bad-type", "bad-id", "bad-bytes",
                           "bad-state", "bad-owner", "good"}) {
      ASSERT_THAT(sync.Create(SampleConnector(id)), IsOk());
    }
  }
  // Bodies as schema 1 wrote them (Graph JSON, TEXT) and as schema 2 does
  // (protobuf, BLOB): id "bad-state" with state 42; id "someone-else".
  RunSql(path_,
         "UPDATE connectors SET body = 'not json' WHERE id = 'bad-json';"
         "UPDATE connectors SET body = '{\"id\":\"bad-type\",\"state\":42}' "
         "  WHERE id = 'bad-type';"
         "UPDATE connectors SET body = '{\"id\":\"someone-else\"}' "
         "  WHERE id = 'bad-id';"
         "UPDATE connectors SET body = x'ffff' WHERE id = 'bad-bytes';"
         "UPDATE connectors SET body = x'0a096261642d7374617465182a' "
         "  WHERE id = 'bad-state';"
         "UPDATE connectors SET body = x'0a0c736f6d656f6e652d656c7365' "
         "  WHERE id = 'bad-owner';");

  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  for (const char* id : {"bad-json", "bad-type", "bad-id", "bad-bytes",
                         "bad-state", "bad-owner"}) {
    SCOPED_TRACE(id);
    EXPECT_THAT(sync.Get(id),
                StatusIs(absl::StatusCode::kInternal,
                         AllOf(HasSubstr(id), HasSubstr("damaged"))));
    EXPECT_THAT(sync.Update(RenameCommand(id, "x")),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
  }
  EXPECT_THAT(sync.List(kMaxPageSize),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
  EXPECT_THAT(sync.Get("good"), IsOk());
  EXPECT_THAT(sync.Create(SampleConnector("new")), IsOk());
  // A damaged row can still be removed.
  EXPECT_THAT(sync.Delete("bad-json"), IsOk());
  EXPECT_THAT(sync.Get("bad-json"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("bad-json")));
}

// --- Group commit
// --------------------------------------------------------------

TEST_F(SqliteConnectorStoreTest, ConcurrentWritesAreCommittedTogether) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  constexpr int kWrites = 100;
  WriterGate gate(*store);
  const std::uint64_t commits_before = store->commit_count();

  std::vector<ConnectorResult> results(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    store->Create(CallContext(), SampleConnector(absl::StrCat("ndes-", i)),
                  results[i].Callback());
  }
  gate.Release();
  for (ConnectorResult& result : results) EXPECT_THAT(result.Wait(), IsOk());

  EXPECT_EQ(store->commit_count() - commits_before, 1u);
  absl::StatusOr<std::vector<NdesConnector>> all = SyncStore(*store).ListAll();
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(*all, SizeIs(kWrites));
}

TEST_F(SqliteConnectorStoreTest,
       FailingWritesOfABatchAreRolledBackAloneAndAnsweredWithTheirErrors) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  ASSERT_THAT(sync.Create(SampleConnector("a")), IsOk());
  absl::StatusOr<NdesConnector> b_created = sync.Create(SampleConnector("b"));
  ASSERT_THAT(b_created, IsOk());
  absl::StatusOr<NdesConnector> c_created = sync.Create(SampleConnector("c"));
  ASSERT_THAT(c_created, IsOk());
  absl::StatusOr<NdesConnector> b_current =
      sync.Update(RenameCommand("b", "b current"));
  ASSERT_THAT(b_current, IsOk());

  WriterGate gate(*store);
  const std::uint64_t commits_before = store->commit_count();
  ConnectorResult rename_a;
  store->Update(CallContext(), RenameCommand("a", "a renamed"),
                rename_a.Callback());
  ConnectorResult stale_b;
  store->Update(CallContext(), RenameCommand("b", "lost", b_created->etag()),
                stale_b.Callback());
  ConnectorResult duplicate_c;
  store->Create(CallContext(), SampleConnector("c"), duplicate_c.Callback());
  DeleteResult delete_missing;
  store->Delete(CallContext(), "missing", "", delete_missing.Callback());
  NdesConnector a_values;
  a_values.set_id("a");
  a_values.set_machine_name("second write");
  ConnectorResult second_a;
  store->Update(CallContext(), MakeUpdate(a_values, {"machine_name"}),
                second_a.Callback());
  DeleteResult delete_c;
  store->Delete(CallContext(), "c", c_created->etag(), delete_c.Callback());
  gate.Release();

  absl::StatusOr<NdesConnector> first_a_result = rename_a.Wait();
  ASSERT_THAT(first_a_result, IsOk());
  EXPECT_THAT(stale_b.Wait(),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("b")));
  EXPECT_THAT(duplicate_c.Wait(),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("c")));
  EXPECT_THAT(delete_missing.Wait(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  absl::StatusOr<NdesConnector> second_a_result = second_a.Wait();
  ASSERT_THAT(second_a_result, IsOk());
  EXPECT_THAT(delete_c.Wait(), IsOk());
  EXPECT_EQ(store->commit_count() - commits_before, 1u);

  // The second write to "a" saw the first one inside the same transaction.
  EXPECT_EQ(second_a_result->display_name(), "a renamed");
  EXPECT_EQ(second_a_result->machine_name(), "second write");
  EXPECT_GT(RevisionOf(second_a_result->etag()),
            RevisionOf(first_a_result->etag()));
  absl::StatusOr<NdesConnector> a = sync.Get("a");
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(*a, EqualsProto(*second_a_result));
  absl::StatusOr<NdesConnector> b = sync.Get("b");
  ASSERT_THAT(b, IsOk());
  EXPECT_THAT(*b, EqualsProto(*b_current));
  EXPECT_THAT(sync.Get("c"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("c")));
}

TEST_F(SqliteConnectorStoreTest,
       FailedCommitAcknowledgesNoWriteOfItsBatchAndTheStoreKeepsWorking) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  absl::StatusOr<NdesConnector> a_before = sync.Create(SampleConnector("a"));
  ASSERT_THAT(a_before, IsOk());
  absl::StatusOr<NdesConnector> b_before = sync.Create(SampleConnector("b"));
  ASSERT_THAT(b_before, IsOk());

  WriterGate gate(*store);
  ConnectorResult small_write;
  store->Update(CallContext(), RenameCommand("b", "small"),
                small_write.Callback());
  ConnectorResult big_write;
  store->Update(CallContext(), RenameCommand("a", std::string(512 * 1024, 'x')),
                big_write.Callback());
  {
    // Room for the files as they are, not for the big write's WAL frames.
    std::error_code error;
    const auto wal_size = std::filesystem::file_size(path_ + "-wal", error);
    const rlim_t limit = std::max<rlim_t>(std::filesystem::file_size(path_),
                                          error ? 0 : wal_size);
    FileSizeLimit disk_full(limit + 64 * 1024);
    gate.Release();
    const auto failed =
        AnyOf(absl::StatusCode::kUnavailable, absl::StatusCode::kInternal);
    absl::StatusOr<NdesConnector> small = small_write.Wait();
    absl::StatusOr<NdesConnector> big = big_write.Wait();
    EXPECT_THAT(small.status().code(), failed) << small.status();
    EXPECT_THAT(big.status().code(), failed) << big.status();
    EXPECT_THAT(std::string(big.status().message()), HasSubstr(path_));
  }

  EXPECT_THAT(sync.Get("a"), IsOkAndHolds(EqualsProto(*a_before)));
  EXPECT_THAT(sync.Get("b"), IsOkAndHolds(EqualsProto(*b_before)));
  absl::StatusOr<NdesConnector> after =
      sync.Update(RenameCommand("b", "after"));
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->display_name(), "after");

  store.reset();
  store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore reopened(*store);
  EXPECT_THAT(reopened.Get("a"), IsOkAndHolds(EqualsProto(*a_before)));
  EXPECT_THAT(reopened.Get("b"), IsOkAndHolds(EqualsProto(*after)));
}

TEST_F(SqliteConnectorStoreTest,
       ReadsAnswerWhileTheWriterIsBusyAndSeeOnlyCommittedWrites) {
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  absl::StatusOr<NdesConnector> before = sync.Create(SampleConnector("a"));
  ASSERT_THAT(before, IsOk());

  WriterGate gate(*store);
  ConnectorResult rename;
  store->Update(CallContext(), RenameCommand("a", "queued"), rename.Callback());
  // Inline reads, while the queued write waits for the writer.
  absl::StatusOr<NdesConnector> during = sync.Get("a");
  ASSERT_THAT(during, IsOk());
  EXPECT_THAT(*during, EqualsProto(*before));
  EXPECT_THAT(sync.ListAll(), IsOk());
  gate.Release();

  absl::StatusOr<NdesConnector> renamed = rename.Wait();
  ASSERT_THAT(renamed, IsOk());
  EXPECT_THAT(sync.Get("a"), IsOkAndHolds(EqualsProto(*renamed)));
}

TEST_F(SqliteConnectorStoreTest,
       ABlockedCallbackHoldsUpNeitherLaterCommitsNorTheirAnswers) {
  auto first_entered = std::make_shared<absl::Notification>();
  auto release_first = std::make_shared<absl::Notification>();
  // Released however the test ends, so that the store can be destroyed.
  absl::Cleanup release = [release_first] {
    if (!release_first->HasBeenNotified()) release_first->Notify();
  };
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);

  ConnectorResult first;
  store->Create(CallContext(), SampleConnector("first"),
                [first_entered, release_first, done = first.Callback()](
                    absl::StatusOr<NdesConnector> created) mutable {
                  first_entered->Notify();
                  release_first->WaitForNotification();
                  std::move(done)(std::move(created));
                });
  ASSERT_TRUE(first_entered->WaitForNotificationWithTimeout(
      absl::FromChrono(kWaitLimit)));
  const std::uint64_t commits_before = store->commit_count();

  // Queued while the first callback is still blocked.
  ConnectorResult second;
  store->Create(CallContext(), SampleConnector("second"), second.Callback());
  EXPECT_THAT(second.Wait(), IsOk());
  EXPECT_EQ(store->commit_count() - commits_before, 1u);
  EXPECT_THAT(SyncStore(*store).Get("second"), IsOk());

  release_first->Notify();
  EXPECT_THAT(first.Wait(), IsOk());
}

// --- Shutdown
// ------------------------------------------------------------------

TEST_F(SqliteConnectorStoreTest, DestructorFinishesEveryQueuedWrite) {
  constexpr int kWrites = 50;
  std::vector<ConnectorResult> results(kWrites);
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kWrites; ++i) {
      store->Create(CallContext(), SampleConnector(absl::StrCat("ndes-", i)),
                    results[i].Callback());
    }
  }
  for (ConnectorResult& result : results) EXPECT_THAT(result.Wait(), IsOk());
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<NdesConnector>> all = SyncStore(*store).ListAll();
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(*all, SizeIs(kWrites));
}

TEST_F(SqliteConnectorStoreTest,
       WriteQueuedByACallbackDuringDestructionIsStillApplied) {
  ConnectorResult nested;
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    SqliteConnectorStore* raw = store.get();
    store->Create(CallContext(), SampleConnector("a"),
                  [raw, done = nested.Callback()](
                      absl::StatusOr<NdesConnector> created) mutable {
                    if (!created.ok()) {
                      std::move(done)(created.status());
                      return;
                    }
                    raw->Update(CallContext(),
                                RenameCommand("a", "from callback"),
                                std::move(done));
                  });
  }
  absl::StatusOr<NdesConnector> renamed = nested.Wait();
  ASSERT_THAT(renamed, IsOk());
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<NdesConnector> got = SyncStore(*store).Get("a");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->display_name(), "from callback");
}

TEST_F(SqliteConnectorStoreTest,
       DestructionRunsEveryPendingCallbackExactlyOnceBeforeItReturns) {
  constexpr int kWrites = 40;
  struct State {
    absl::Notification entered;
    std::atomic<bool> any_entered{false};
    absl::Notification release;
    std::atomic<int> calls[kWrites] = {};
    std::atomic<int> ok[kWrites] = {};
    std::atomic<int> nested_calls{0};
    std::atomic<bool> nested_ok{false};
  };
  auto state = std::make_shared<State>();
  absl::Cleanup release = [state] {
    if (!state->release.HasBeenNotified()) state->release.Notify();
  };
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  SqliteConnectorStore* raw = store.get();
  for (int i = 0; i < kWrites; ++i) {
    store->Create(CallContext(), SampleConnector(absl::StrCat("ndes-", i)),
                  [state, raw, i](absl::StatusOr<NdesConnector> created) {
                    if (!state->any_entered.exchange(true))
                      state->entered.Notify();
                    state->release.WaitForNotification();
                    state->calls[i].fetch_add(1);
                    if (created.ok()) state->ok[i].fetch_add(1);
                    if (i != 0) return;
                    // A write queued by a callback while the store is being
                    // destroyed.
                    raw->Update(CallContext(),
                                RenameCommand("ndes-0", "during close"),
                                [state](absl::StatusOr<NdesConnector> renamed) {
                                  state->nested_ok = renamed.ok();
                                  state->nested_calls.fetch_add(1);
                                });
                  });
  }
  // Callbacks are running and blocked; the rest of them are pending.
  ASSERT_TRUE(state->entered.WaitForNotificationWithTimeout(
      absl::FromChrono(kWaitLimit)));

  std::vector<int> calls_when_destroyed(kWrites);
  int nested_calls_when_destroyed = 0;
  std::thread destroyer([&] {
    store.reset();
    for (int i = 0; i < kWrites; ++i) {
      calls_when_destroyed[i] = state->calls[i].load();
    }
    nested_calls_when_destroyed = state->nested_calls.load();
  });
  state->release.Notify();
  destroyer.join();

  for (int i = 0; i < kWrites; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(calls_when_destroyed[i], 1);
    EXPECT_EQ(state->calls[i].load(), 1);
    EXPECT_EQ(state->ok[i].load(), 1);
  }
  EXPECT_EQ(nested_calls_when_destroyed, 1);
  EXPECT_EQ(state->nested_calls.load(), 1);
  EXPECT_TRUE(state->nested_ok);

  store = MustOpen();
  ASSERT_NE(store, nullptr);
  SyncStore sync(*store);
  absl::StatusOr<std::vector<NdesConnector>> all = sync.ListAll();
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(*all, SizeIs(kWrites));
  absl::StatusOr<NdesConnector> renamed = sync.Get("ndes-0");
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ(renamed->display_name(), "during close");
}

// --- Start-up check
// ------------------------------------------------------------

bool AnyStatementHas(const std::vector<std::string>& statements,
                     absl::string_view part) {
  return std::any_of(statements.begin(), statements.end(),
                     [part](const std::string& statement) {
                       return absl::StrContains(statement, part);
                     });
}

TEST_F(SqliteConnectorStoreTest, OpenRemovesTheCleanCloseMarkAndCloseSetsIt) {
  const std::string mark =
      "SELECT ifnull((SELECT value FROM meta WHERE key = 'clean_shutdown'), "
      "'missing')";
  MakeStoreWith(1);
  EXPECT_EQ(QuerySql(path_, mark), "1");
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QuerySql(path_, mark), "missing");
  store.reset();
  EXPECT_EQ(QuerySql(path_, mark), "1");
}

TEST_F(SqliteConnectorStoreTest,
       ReopeningAnUnchangedCleanlyClosedFileSkipsTheFullReads) {
  MakeStoreWith(20);
  std::unique_ptr<SqliteConnectorStore> store;
  const std::vector<std::string> statements =
      StatementsStartedBy([&] { store = MustOpen(); });
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(AnyStatementHas(statements, "quick_check"));
  EXPECT_FALSE(AnyStatementHas(statements, "max(revision)"));
  EXPECT_THAT(SyncStore(*store).Get("ndes-7"), IsOk());
}

TEST_F(SqliteConnectorStoreTest,
       AFileRewrittenAfterACleanCloseGetsTheFullCheck) {
  MakeStoreWith(20);
  // The same bytes: only the act of writing tells.
  WriteFileBytes(path_, ReadFileBytes(path_));
  std::unique_ptr<SqliteConnectorStore> store;
  const std::vector<std::string> statements =
      StatementsStartedBy([&] { store = MustOpen(); });
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(AnyStatementHas(statements, "quick_check"));
  EXPECT_TRUE(AnyStatementHas(statements, "max(revision)"));
}

// kill -9: a child process opens the store, writes, and exits without
// closing it. The stamp of the clean close before is put back in the lock
// file, as a crash of the file system could leave it.
TEST_F(SqliteConnectorStoreTest, AStoreThatWasNotClosedGetsTheFullCheck) {
  MakeStoreWith(20);
  const std::string stamp = ReadFileBytes(path_ + ".lock");
  ASSERT_FALSE(stamp.empty());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
        SqliteConnectorStore::Open(path_);
    if (!store.ok()) ::_exit(2);
    absl::StatusOr<NdesConnector> renamed =
        SyncStore(**store).Update(RenameCommand("ndes-1", "before the crash"));
    ::_exit(renamed.ok() ? 0 : 3);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 0);
  WriteFileBytes(path_ + ".lock", stamp);

  std::unique_ptr<SqliteConnectorStore> store;
  const std::vector<std::string> statements =
      StatementsStartedBy([&] { store = MustOpen(); });
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(AnyStatementHas(statements, "quick_check"));
  absl::StatusOr<NdesConnector> renamed = SyncStore(*store).Get("ndes-1");
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ(renamed->display_name(), "before the crash");
}

TEST_F(SqliteConnectorStoreTest,
       ALoweredRevisionCounterNeverBringsAnEtagBackAfterACleanClose) {
  std::uint64_t newest = 0;
  {
    std::unique_ptr<SqliteConnectorStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<NdesConnector> created =
        SyncStore(*store).Create(SampleConnector("ndes-1"));
    ASSERT_THAT(created, IsOk());
    newest = RevisionOf(created->etag());
  }
  RunSql(path_, "UPDATE meta SET value = 0 WHERE key = 'revision'");
  std::unique_ptr<SqliteConnectorStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<NdesConnector> created =
      SyncStore(*store).Create(SampleConnector("ndes-2"));
  ASSERT_THAT(created, IsOk());
  EXPECT_GT(RevisionOf(created->etag()), newest);
}

}  // namespace
}  // namespace ndes::store
