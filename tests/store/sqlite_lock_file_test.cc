#include "store/sqlite_lock_file.h"

#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store_test_support.h"

namespace ndes::store::sqlite_internal {
namespace {

using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::MakeScratchDir;
using ::ndes::store::testing::ReadFileBytes;
using ::ndes::store::testing::RemoveScratchDir;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::WriteFileBytes;
using ::testing::AllOf;
using ::testing::HasSubstr;

class SqliteLockFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeScratchDir();
    path_ = dir_ + "/connectors.db";
  }
  void TearDown() override { RemoveScratchDir(dir_); }

  struct stat StatOfStore() const {
    struct stat file_status {};
    EXPECT_EQ(::stat(path_.c_str(), &file_status), 0);
    return file_status;
  }

  // A lock file holding the stamp of a clean close of the store file as it
  // is now; skips the test on a file system with whole-second times (no
  // stamp is ever written there).
  void CloseCleanly() {
    if (StatOfStore().st_ctim.tv_nsec == 0) {
      GTEST_SKIP() << "the file system keeps whole-second times";
    }
    absl::StatusOr<std::unique_ptr<LockFile>> lock = LockFile::Acquire(path_);
    ASSERT_THAT(lock, IsOk());
    (*lock)->StampCleanClose();
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteLockFileTest, ASecondAcquireIsRefusedWhileTheLockIsHeld) {
  absl::StatusOr<std::unique_ptr<LockFile>> first = LockFile::Acquire(path_);
  ASSERT_THAT(first, IsOk());

  EXPECT_THAT(LockFile::Acquire(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_),
                             HasSubstr("is in use by another ndes-gateway "
                                       "process"))));
}

TEST_F(SqliteLockFileTest, TheLockIsFreeOnceReleased) {
  ASSERT_THAT(LockFile::Acquire(path_), IsOk());

  EXPECT_THAT(LockFile::Acquire(path_), IsOk());
}

TEST_F(SqliteLockFileTest, AStampMatchesTheFileUntilSomethingWritesIt) {
  WriteFileBytes(path_, "store content");
  CloseCleanly();
  if (IsSkipped() || HasFatalFailure()) return;

  absl::StatusOr<std::unique_ptr<LockFile>> lock = LockFile::Acquire(path_);
  ASSERT_THAT(lock, IsOk());
  EXPECT_TRUE((*lock)->UnchangedSinceCleanClose(StatOfStore()));
  // Acquire took the stamp out of the lock file.
  EXPECT_EQ(ReadFileBytes(path_ + ".lock"), "");

  WriteFileBytes(path_, "store content, changed");
  EXPECT_FALSE((*lock)->UnchangedSinceCleanClose(StatOfStore()));
}

TEST_F(SqliteLockFileTest, AWriteAheadLogBesideTheFileDefeatsTheStamp) {
  WriteFileBytes(path_, "store content");
  CloseCleanly();
  if (IsSkipped() || HasFatalFailure()) return;
  absl::StatusOr<std::unique_ptr<LockFile>> lock = LockFile::Acquire(path_);
  ASSERT_THAT(lock, IsOk());
  ASSERT_TRUE((*lock)->UnchangedSinceCleanClose(StatOfStore()));

  WriteFileBytes(path_ + "-wal", "frames");
  EXPECT_FALSE((*lock)->UnchangedSinceCleanClose(StatOfStore()));
}

TEST_F(SqliteLockFileTest, WithoutACleanCloseNothingMatches) {
  WriteFileBytes(path_, "store content");
  ASSERT_THAT(LockFile::Acquire(path_), IsOk());

  absl::StatusOr<std::unique_ptr<LockFile>> lock = LockFile::Acquire(path_);
  ASSERT_THAT(lock, IsOk());
  EXPECT_FALSE((*lock)->UnchangedSinceCleanClose(StatOfStore()));
}

}  // namespace
}  // namespace ndes::store::sqlite_internal
