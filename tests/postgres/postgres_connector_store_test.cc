#include "store/postgres_connector_store.h"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "postgres/postgres_cluster.h"
#include "postgres/postgres_test_support.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/store_test_support.h"
#include "store_factory.h"
#include "support/temp_dir.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::SyncStore;
using ::ndes::testing::FreshDatabaseUri;
using ::ndes::testing::PostgresCluster;
using ::ndes::testing::PostgresClusterOptions;
using ::ndes::testing::SharedPostgresCluster;
using ::ndes::v1::NdesConnector;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<std::unique_ptr<PostgresConnectorStore>> OpenStore(
    const std::string& uri, int pool_size = 4, int queue_limit = 1000) {
  PostgresStoreOptions options;
  options.uri = uri;
  options.pool_size = pool_size;
  options.queue_limit = queue_limit;
  return PostgresConnectorStore::Open(std::move(options));
}

INSTANTIATE_TEST_SUITE_P(
    Postgres, ConnectorStoreConformanceTest,
    ::testing::Values(ConnectorStoreConformanceParam{
        "Postgres",
        [](const std::string& /*scratch_dir*/)
            -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
          // A fresh database per test.
          absl::StatusOr<std::string> uri = FreshDatabaseUri();
          if (!uri.ok()) return uri.status();
          absl::StatusOr<std::unique_ptr<PostgresConnectorStore>> store =
              OpenStore(*uri);
          if (!store.ok()) return store.status();
          return std::unique_ptr<ConnectorStore>(*std::move(store));
        }}),
    ConnectorStoreConformanceParamName);

// Waits (polling the cheap flag) until Available() is `expected`.
bool AwaitAvailable(const ConnectorStore& store, bool expected,
                    absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time limit = absl::Now() + timeout;
  while (store.Available() != expected) {
    if (absl::Now() > limit) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// A connection of the test's own that holds a row lock until released, to
// keep a store's worker waiting.
class RowLock {
 public:
  RowLock(PostgresCluster& cluster, const std::string& database,
          const std::string& id) {
    const std::string port = absl::StrCat(cluster.port());
    const char* keywords[] = {"host", "port", "user", "dbname", nullptr};
    const char* values[] = {cluster.directory().c_str(), port.c_str(),
                            "postgres", database.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 0);
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    Exec("BEGIN");
    Exec(absl::StrCat("SELECT 1 FROM ndes_connectors WHERE id = '", id,
                      "' FOR UPDATE"));
  }
  ~RowLock() {
    Release();
    PQfinish(conn_);
  }
  void Release() {
    if (!released_) Exec("ROLLBACK");
    released_ = true;
  }

 private:
  void Exec(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    EXPECT_TRUE(PQresultStatus(result) == PGRES_COMMAND_OK ||
                PQresultStatus(result) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }

  PGconn* conn_;
  bool released_ = false;
};

// A callback and the future it fulfils; safe to outlive the test's scope.
std::pair<StoreCallback<NdesConnector>,
          std::future<absl::StatusOr<NdesConnector>>>
Capture() {
  auto promise =
      std::make_shared<std::promise<absl::StatusOr<NdesConnector>>>();
  std::future<absl::StatusOr<NdesConnector>> future = promise->get_future();
  return {[promise](absl::StatusOr<NdesConnector> answer) {
            promise->set_value(std::move(answer));
          },
          std::move(future)};
}

std::string DatabaseOf(const std::string& uri) {
  return uri.substr(uri.rfind('/') + 1);
}

TEST(RedactConnectionUriTest, HidesThePasswordOfTheUserInfo) {
  EXPECT_EQ(RedactConnectionUri("postgresql://ndes:s3cret@db:5432/ndes"),
            "postgresql://ndes:***@db:5432/ndes");
  EXPECT_EQ(RedactConnectionUri("postgres://ndes:p%40ss@db/ndes"),
            "postgres://ndes:***@db/ndes");
}

TEST(RedactConnectionUriTest, HidesAPasswordHoldingUnencodedDelimiters) {
  // Not a URI libpq accepts, but it must not reach a log either.
  EXPECT_EQ(RedactConnectionUri("postgresql://u:pa/ss@h/db"),
            "postgresql://u:***@h/db");
  EXPECT_EQ(RedactConnectionUri("postgresql://u:a/b@c@h:5432/db?x=1"),
            "postgresql://u:***@h:5432/db?x=1");
  EXPECT_EQ(RedactConnectionUri("postgresql://h/db?password=p@ss/word"),
            "postgresql://h/db?password=***");
}

TEST(RedactConnectionUriTest, HidesAPasswordQueryParameter) {
  EXPECT_EQ(RedactConnectionUri(
                "postgresql://db/ndes?sslmode=require&password=s3cret"),
            "postgresql://db/ndes?sslmode=require&password=***");
}

TEST(RedactConnectionUriTest, LeavesUrisWithoutPasswordUnchanged) {
  EXPECT_EQ(RedactConnectionUri("postgresql://ndes@db:5432/ndes"),
            "postgresql://ndes@db:5432/ndes");
  EXPECT_EQ(RedactConnectionUri("postgresql://[::1]:5432/ndes?sslmode=disable"),
            "postgresql://[::1]:5432/ndes?sslmode=disable");
}

TEST(RedactConnectionUriTest, HidesKeywordStringsThatMentionAPassword) {
  EXPECT_EQ(RedactConnectionUri("host=db password=s3cret"), "***");
}

TEST(RedactedStoreSpecTest, RedactsOnlyPostgresSpecs) {
  EXPECT_EQ(RedactedStoreSpec("postgresql://u:s3cret@db/x"),
            "postgresql://u:***@db/x");
  EXPECT_EQ(RedactedStoreSpec("sqlite:a:b@c"), "sqlite:a:b@c");
}

TEST(PostgresConnectorStoreTest, InvalidUriIsRefusedWithThePasswordRedacted) {
  absl::StatusOr<std::unique_ptr<PostgresConnectorStore>> store =
      OpenStore("postgresql://ndes:s3cret@localhost/ndes?no_such_option=1");
  EXPECT_THAT(
      store,
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("postgresql://ndes:***@localhost"),
                     HasSubstr("no_such_option"), Not(HasSubstr("s3cret")))));
}

TEST(PostgresConnectorStoreTest, OpenCreatesTheSchemaOnce) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  {
    auto store = OpenStore(*uri);
    ASSERT_THAT(store, IsOk());
    EXPECT_TRUE((*store)->Available());
    SyncStore sync(**store);
    ASSERT_THAT(sync.Create(SampleConnector("ndes-kept")), IsOk());
  }
  // Opened again: the schema and the data are found, not recreated.
  auto store = OpenStore(*uri);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  EXPECT_THAT(sync.Get("ndes-kept"), IsOk());
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  ASSERT_THAT(cluster, IsOk());
  EXPECT_THAT((*cluster)->Query(DatabaseOf(*uri),
                                "SELECT version FROM ndes_schema_version"),
              IsOkAndHolds(ElementsAre("1")));
}

TEST(PostgresConnectorStoreTest,
     ReplicasOpeningAnEmptyDatabaseTogetherAllSucceed) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  constexpr int kReplicas = 8;
  std::vector<absl::StatusOr<std::unique_ptr<PostgresConnectorStore>>> stores(
      kReplicas);
  {
    absl::Notification go;
    std::vector<std::thread> threads;
    for (int i = 0; i < kReplicas; ++i) {
      threads.emplace_back([&, i] {
        go.WaitForNotification();
        stores[i] = OpenStore(*uri, /*pool_size=*/1);
      });
    }
    go.Notify();
    for (std::thread& thread : threads) thread.join();
  }
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_THAT(stores[i], IsOk()) << "replica " << i;
    EXPECT_TRUE((*stores[i])->Available());
  }
  // They share one store: what one writes, every other reads.
  SyncStore first(**stores[0]);
  ASSERT_THAT(first.Create(SampleConnector("ndes-shared")), IsOk());
  for (int i = 1; i < kReplicas; ++i) {
    SyncStore other(**stores[i]);
    EXPECT_THAT(other.Get("ndes-shared"), IsOk()) << "replica " << i;
  }
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  ASSERT_THAT(cluster, IsOk());
  EXPECT_THAT((*cluster)->Query(DatabaseOf(*uri),
                                "SELECT version FROM ndes_schema_version"),
              IsOkAndHolds(ElementsAre("1")));
}

TEST(PostgresConnectorStoreTest, ANewerSchemaVersionIsRefused) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  ASSERT_THAT(OpenStore(*uri), IsOk());
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  ASSERT_THAT(cluster, IsOk());
  ASSERT_THAT((*cluster)->Query(DatabaseOf(*uri),
                                "UPDATE ndes_schema_version SET version = 7"),
              IsOk());
  EXPECT_THAT(OpenStore(*uri),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("schema version is 7"),
                             HasSubstr("run a newer ndes-gateway"))));
}

TEST(PostgresConnectorStoreTest, IdsAreOrderedByTheirBytes) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  auto store = OpenStore(*uri);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  // A linguistic collation would put "a-2" before "A-1" or ignore the '-'.
  for (const char* id : {"b-1", "a-2", "B-1", "a1", "A-1"}) {
    ASSERT_THAT(sync.Create(SampleConnector(id)), IsOk());
  }
  absl::StatusOr<std::vector<NdesConnector>> all = sync.ListAll(2);
  ASSERT_THAT(all, IsOk());
  std::vector<std::string> ids;
  for (const NdesConnector& connector : *all) ids.push_back(connector.id());
  EXPECT_THAT(ids, ElementsAre("A-1", "B-1", "a-2", "a1", "b-1"));
}

TEST(PostgresConnectorStoreTest, WritesWithNearAndFarDeadlinesSucceed) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  auto store = OpenStore(*uri);
  ASSERT_THAT(store, IsOk());
  // What the service passes for a call without a deadline, and a real one.
  for (absl::Time deadline :
       {absl::FromChrono(std::chrono::system_clock::time_point::max()),
        absl::Now() + absl::Seconds(30)}) {
    CallContext context;
    context.deadline = deadline;
    auto [done, created] = Capture();
    (*store)->Create(
        context,
        SampleConnector(absl::StrCat("ndes-", absl::ToUnixNanos(deadline))),
        std::move(done));
    EXPECT_THAT(created.get(), IsOk());
  }
}

TEST(PostgresConnectorStoreTest, AFullQueueAnswersUnavailableAtOnce) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  auto store = OpenStore(*uri, /*pool_size=*/1, /*queue_limit=*/1);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-locked")), IsOk());
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  ASSERT_THAT(cluster, IsOk());
  RowLock lock(**cluster, DatabaseOf(*uri), "ndes-locked");

  // The only worker waits for the row lock; one call may queue behind it.
  auto [blocked_done, blocked] = Capture();
  (*store)->Update({}, RenameCommand("ndes-locked", "after the lock"),
                   std::move(blocked_done));
  // Until the worker has taken the update, the update fills the queue.
  std::future<absl::StatusOr<NdesConnector>> queued;
  for (int attempt = 0; attempt < 1000 && !queued.valid(); ++attempt) {
    auto [done, answer] = Capture();
    (*store)->Get({}, "ndes-locked", std::move(done));
    if (answer.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      queued = std::move(answer);
    } else {
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  ASSERT_TRUE(queued.valid());
  // The queue is full: answered before the call returns.
  auto [done, refused] = Capture();
  (*store)->Get({}, "ndes-locked", std::move(done));
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)),
            std::future_status::ready);
  EXPECT_THAT(refused.get(), StatusIs(absl::StatusCode::kUnavailable,
                                      HasSubstr("too many calls")));
  lock.Release();
  EXPECT_THAT(blocked.get(), IsOk());
  EXPECT_THAT(queued.get(), IsOk());
}

TEST(PostgresConnectorStoreTest, AQueuedCallPastItsDeadlineIsUnavailable) {
  absl::StatusOr<std::string> uri = FreshDatabaseUri();
  ASSERT_THAT(uri, IsOk());
  auto store = OpenStore(*uri, /*pool_size=*/1);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  ASSERT_THAT(sync.Create(SampleConnector("ndes-locked")), IsOk());
  absl::StatusOr<PostgresCluster*> cluster = SharedPostgresCluster();
  ASSERT_THAT(cluster, IsOk());
  RowLock lock(**cluster, DatabaseOf(*uri), "ndes-locked");

  auto [blocked_done, blocked] = Capture();
  (*store)->Update({}, RenameCommand("ndes-locked", "after the lock"),
                   std::move(blocked_done));
  CallContext context;
  context.deadline = absl::Now() + absl::Milliseconds(300);
  auto [late_done, late] = Capture();
  (*store)->Get(context, "ndes-locked", std::move(late_done));
  // Answered while the only worker still waits for the lock.
  ASSERT_EQ(late.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_THAT(late.get(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("deadline")));
  lock.Release();
  EXPECT_THAT(blocked.get(), IsOk());
}

TEST(PostgresConnectorStoreTest, CallsAfterAServerRestartSucceed) {
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  ASSERT_THAT(cluster, IsOk());
  auto store = OpenStore((*cluster)->Uri(), /*pool_size=*/2);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  absl::StatusOr<NdesConnector> created =
      sync.Create(SampleConnector("ndes-restart"));
  ASSERT_THAT(created, IsOk());
  ASSERT_THAT((*cluster)->Restart(), IsOk());
  // The pooled connections died with the old server: a read, and a write
  // that never reached COMMIT, are run again on a fresh connection.
  EXPECT_THAT(sync.Get("ndes-restart"), IsOk());
  ASSERT_THAT((*cluster)->Restart(), IsOk());
  absl::StatusOr<NdesConnector> renamed =
      sync.Update(RenameCommand("ndes-restart", "renamed", created->etag()));
  EXPECT_THAT(renamed, IsOk());
  EXPECT_TRUE((*store)->Available());
}

TEST(PostgresConnectorStoreTest,
     StartsUnavailableWithoutTheDatabaseAndRecovers) {
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  ASSERT_THAT(cluster, IsOk());
  const std::string uri = (*cluster)->Uri();
  ASSERT_THAT((*cluster)->Stop(), IsOk());

  auto store = OpenStore(uri);
  ASSERT_THAT(store, IsOk());
  EXPECT_FALSE((*store)->Available());
  SyncStore sync(**store);
  EXPECT_THAT(sync.Get("ndes-x"), StatusIs(absl::StatusCode::kUnavailable,
                                           HasSubstr("cannot connect")));
  EXPECT_THAT(sync.Create(SampleConnector("ndes-x")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(uri)));

  ASSERT_THAT((*cluster)->StartAgain(), IsOk());
  // No call needed: the store reconnects by itself, creating the schema.
  ASSERT_TRUE(AwaitAvailable(**store, true));
  EXPECT_THAT(sync.Get("ndes-x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-x")));
  EXPECT_THAT(sync.Create(SampleConnector("ndes-x")), IsOk());

  // Noticed without a call: the server closes the idle connections.
  ASSERT_THAT((*cluster)->Stop(), IsOk());
  EXPECT_TRUE(AwaitAvailable(**store, false, absl::Seconds(10)));
  EXPECT_THAT(sync.Get("ndes-x"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(uri)));
  ASSERT_THAT((*cluster)->StartAgain(), IsOk());
  ASSERT_TRUE(AwaitAvailable(**store, true));
  EXPECT_THAT(sync.Get("ndes-x"), IsOk());
}

class PostgresPasswordTest : public ::testing::Test {
 protected:
  static constexpr char kPassword[] = "pg-Secret-4711";

  void SetUp() override {
    PostgresClusterOptions options;
    options.password = kPassword;
    absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
        PostgresCluster::Start(options);
    ASSERT_THAT(cluster, IsOk());
    cluster_ = *std::move(cluster);
  }

  std::string WritePasswordFile(const std::string& password) {
    const std::string path = dir_.Path("db-password");
    store::testing::WriteFileBytes(path, password + "\n");
    ::chmod(path.c_str(), 0600);
    return path;
  }

  ndes::testing::TempDir dir_;
  std::unique_ptr<PostgresCluster> cluster_;
};

TEST_F(PostgresPasswordTest, PasswordFileOpensTheStore) {
  StoreOptions options;
  options.postgres.password_file = WritePasswordFile(kPassword);
  options.postgres.pool_size = 2;
  absl::StatusOr<std::unique_ptr<ConnectorStore>> store =
      OpenConnectorStore(cluster_->Uri(), options);
  ASSERT_THAT(store, IsOk());
  EXPECT_TRUE((*store)->Available());
  SyncStore sync(**store);
  EXPECT_THAT(sync.Create(SampleConnector("ndes-pw")), IsOk());
}

TEST_F(PostgresPasswordTest, WithoutThePasswordCallsAreUnavailable) {
  absl::StatusOr<std::unique_ptr<ConnectorStore>> store =
      OpenConnectorStore(cluster_->Uri());
  ASSERT_THAT(store, IsOk());
  EXPECT_FALSE((*store)->Available());
  SyncStore sync(**store);
  EXPECT_THAT(sync.Get("ndes-pw"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("password")));
}

TEST_F(PostgresPasswordTest, AWrongPasswordNeverAppearsInMessages) {
  const std::string wrong = "wrong-Secret-0815";
  StoreOptions options;
  options.postgres.password_file = WritePasswordFile(wrong);
  absl::StatusOr<std::unique_ptr<ConnectorStore>> store =
      OpenConnectorStore(cluster_->Uri(), options);
  ASSERT_THAT(store, IsOk());
  SyncStore sync(**store);
  EXPECT_THAT(sync.Get("ndes-pw"),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("password authentication failed"),
                             Not(HasSubstr(wrong)))));

  // Nor one written into the URI: messages show it redacted.
  const std::string with_password =
      absl::StrCat("postgresql://postgres:", wrong,
                   "@127.0.0.1:", cluster_->port(), "/postgres");
  store = OpenConnectorStore(with_password);
  ASSERT_THAT(store, IsOk());
  SyncStore sync_uri(**store);
  EXPECT_THAT(sync_uri.Get("ndes-pw"),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("postgres:***@127.0.0.1"),
                             Not(HasSubstr(wrong)))));
}

TEST(PostgresStoreFactoryTest, AMissingPasswordFileIsRefusedNamingIt) {
  StoreOptions options;
  options.postgres.password_file = "/nonexistent/ndes-db-password";
  EXPECT_THAT(OpenConnectorStore("postgresql://db/ndes", options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("/nonexistent/ndes-db-password")));
}

TEST(PostgresStoreFactoryTest, APoolSizeBelowOneIsRefused) {
  StoreOptions options;
  options.postgres.pool_size = 0;
  EXPECT_THAT(OpenConnectorStore("postgres://db/ndes", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--store_pool_size")));
}

}  // namespace
}  // namespace ndes::store
