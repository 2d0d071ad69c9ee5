// The SQLite store's schema versions: a file of schema 1 (Graph JSON
// bodies) is converted when opened, safely.
#include "store/sqlite_schema.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/sqlite_connector_store.h"
#include "store/sqlite_file_support.h"
#include "store/store_test_support.h"
#include "store/stored_connector.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::FileSizeLimit;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::MakeScratchDir;
using ::ndes::store::testing::QuerySql;
using ::ndes::store::testing::RemoveScratchDir;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::RunSql;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::SyncStore;
using ::ndes::v1::NdesConnector;
using ::testing::AllOf;
using ::testing::HasSubstr;

// `text` as an SQL string literal.
std::string SqlText(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
}

class SqliteSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeScratchDir();
    path_ = dir_ + "/connectors.db";
  }
  void TearDown() override { RemoveScratchDir(dir_); }

  // A file as a gateway of schema 1 left it: `count` sample connectors
  // "ndes-<i>" with revision i + 1 and Graph JSON bodies, and one row whose
  // body is not a connector.
  void WriteVersion1File(int count) {
    std::string sql =
        "PRAGMA journal_mode = WAL;"
        "BEGIN;"
        "CREATE TABLE connectors ("
        "  id TEXT PRIMARY KEY NOT NULL,"
        "  body TEXT NOT NULL,"
        "  revision INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE TABLE meta ("
        "  key TEXT PRIMARY KEY NOT NULL,"
        "  value INTEGER NOT NULL"
        ") WITHOUT ROWID;";
    for (int i = 0; i < count; ++i) {
      NdesConnector connector = SampleConnector(absl::StrCat("ndes-", i));
      connector.set_display_name(absl::StrCat("NDES 'number' ", i));
      absl::StrAppend(&sql, "INSERT INTO connectors VALUES (",
                      SqlText(connector.id()), ", ",
                      SqlText(StoredBodyOf(connector)), ", ", i + 1, ");");
      version1_.push_back(connector);
    }
    absl::StrAppend(&sql,
                    "INSERT INTO connectors VALUES ('damaged', 'not json', ",
                    count + 1, ");", "INSERT INTO meta VALUES ('revision', ",
                    count + 1, ");",
                    "PRAGMA application_id = 1313097043;"
                    "PRAGMA user_version = 1;"
                    "COMMIT;");
    RunSql(path_, sql);
  }

  std::string dir_;
  std::string path_;
  // What WriteVersion1File stored, in id order of creation.
  std::vector<NdesConnector> version1_;
};

TEST_F(SqliteSchemaTest,
       AVersion1FileIsConvertedAndAnswersWhatItHeldWithTheSameEtags) {
  constexpr int kRows = 2500;  // more than one chunk of the conversion
  WriteVersion1File(kRows);

  absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
      SqliteConnectorStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ(QuerySql(path_, "PRAGMA user_version"),
            absl::StrCat(SqliteConnectorStore::kSchemaVersion));
  EXPECT_EQ(QuerySql(path_,
                     "SELECT count(*) FROM connectors "
                     "WHERE typeof(body) = 'blob'"),
            absl::StrCat(kRows));
  SyncStore sync(**store);
  for (int i : {0, 1, kRows / 2, kRows - 1}) {
    SCOPED_TRACE(i);
    NdesConnector expected = version1_[i];
    expected.set_etag(absl::StrCat("W/\"", i + 1, "\""));
    EXPECT_THAT(sync.Get(expected.id()), IsOkAndHolds(EqualsProto(expected)));
  }
  absl::StatusOr<std::vector<NdesConnector>> all = sync.ListAll();
  ASSERT_THAT(all, ::testing::Not(IsOk()));  // the damaged row
  // The row that was not a connector is left as it was, and still damaged.
  EXPECT_EQ(QuerySql(path_, "SELECT body FROM connectors WHERE id = 'damaged'"),
            "not json");
  EXPECT_THAT(sync.Get("damaged"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
  EXPECT_THAT(sync.Delete("damaged"), IsOk());
  ASSERT_THAT(sync.ListAll(), IsOk());
  // Writes go on from the file's revision counter.
  absl::StatusOr<NdesConnector> renamed =
      sync.Update(RenameCommand("ndes-0", "renamed"));
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ(renamed->etag(), absl::StrCat("W/\"", kRows + 2, "\""));

  store->reset();
  store = SqliteConnectorStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_THAT(SyncStore(**store).Get("ndes-0"),
              IsOkAndHolds(EqualsProto(*renamed)));
}

TEST_F(SqliteSchemaTest, AConversionThatFailsLeavesTheFileAtVersion1) {
  WriteVersion1File(2000);
  const std::string bodies_before =
      QuerySql(path_, "SELECT group_concat(body, '|') FROM connectors");
  {
    // Room for the shared-memory index (32 KiB), not for the converted rows
    // in the write-ahead log.
    FileSizeLimit disk_full(64 * 1024);
    EXPECT_THAT(SqliteConnectorStore::Open(path_),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr(path_), HasSubstr("conver"))));
  }
  EXPECT_EQ(QuerySql(path_, "PRAGMA user_version"), "1");
  EXPECT_EQ(QuerySql(path_, "SELECT group_concat(body, '|') FROM connectors"),
            bodies_before);

  // With room again, the next Open converts it.
  absl::StatusOr<std::unique_ptr<SqliteConnectorStore>> store =
      SqliteConnectorStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  NdesConnector expected = version1_[7];
  expected.set_etag("W/\"8\"");
  EXPECT_THAT(SyncStore(**store).Get("ndes-7"),
              IsOkAndHolds(EqualsProto(expected)));
}

}  // namespace
}  // namespace ndes::store
