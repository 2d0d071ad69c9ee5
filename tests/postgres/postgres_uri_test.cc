#include "store/postgres_uri.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store_test_support.h"
#include "support/temp_dir.h"

namespace ndes::store {
namespace {

using ::ndes::store::postgres_internal::ConnectionSecrets;
using ::ndes::store::postgres_internal::ScrubSecrets;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary);
  file << content;
  ASSERT_TRUE(file.good()) << path;
}

TEST(ConnectionSecretsTest, HoldThePasswordAndTheUrisOwnAsWrittenAndDecoded) {
  EXPECT_THAT(ConnectionSecrets("postgresql://ndes:p%40ss@db/ndes", "given"),
              IsOkAndHolds(UnorderedElementsAre("given", "p%40ss", "p@ss")));
}

TEST(ConnectionSecretsTest, AreEmptyWithoutAnyPassword) {
  EXPECT_THAT(ConnectionSecrets("postgresql://ndes@db/ndes", ""),
              IsOkAndHolds(::testing::IsEmpty()));
}

TEST(ScrubSecretsTest, ReplacesASecretHoldingAnotherWhole) {
  EXPECT_EQ(ScrubSecrets("user pass, password", {"pass", "password"}),
            "user ***, ***");
}

TEST(ReadPasswordFileTest, DropsOnlyTheLineBreakThatEndsIt) {
  ndes::testing::TempDir dir;
  WriteFile(dir.Path("password"), " pa ss \r\n");
  EXPECT_THAT(ReadPasswordFile(dir.Path("password")),
              IsOkAndHolds(std::string(" pa ss ")));
}

TEST(ReadPasswordFileTest, AFileWithOnlyALineBreakIsRefusedAsEmpty) {
  ndes::testing::TempDir dir;
  WriteFile(dir.Path("password"), "\n");
  EXPECT_THAT(
      ReadPasswordFile(dir.Path("password")),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(dir.Path("password")), HasSubstr("is empty"))));
}

}  // namespace
}  // namespace ndes::store
