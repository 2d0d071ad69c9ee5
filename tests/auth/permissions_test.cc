#include "auth/permissions.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kRead[] = "DeviceManagementConfiguration.Read.All";
constexpr char kReadWrite[] = "DeviceManagementConfiguration.ReadWrite.All";

VerifiedToken WithRoles(std::vector<std::string> roles) {
  VerifiedToken token;
  token.roles = std::move(roles);
  return token;
}

VerifiedToken WithScopes(std::vector<std::string> scopes) {
  VerifiedToken token;
  token.scopes = std::move(scopes);
  return token;
}

TEST(PermissionsTest, ReadWriteRoleAllowsReadAndWrite) {
  VerifiedToken token = WithRoles({kReadWrite});
  EXPECT_TRUE(CheckPermission(token, Access::kRead).ok());
  EXPECT_TRUE(CheckPermission(token, Access::kWrite).ok());
}

TEST(PermissionsTest, ReadWriteScopeAllowsReadAndWrite) {
  VerifiedToken token = WithScopes({"User.Read", kReadWrite});
  EXPECT_TRUE(CheckPermission(token, Access::kRead).ok());
  EXPECT_TRUE(CheckPermission(token, Access::kWrite).ok());
}

TEST(PermissionsTest, ReadRoleAllowsReadOnly) {
  VerifiedToken token = WithRoles({kRead});
  EXPECT_TRUE(CheckPermission(token, Access::kRead).ok());
  absl::Status write = CheckPermission(token, Access::kWrite);
  EXPECT_EQ(write.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(write.message(),
            "requires DeviceManagementConfiguration.ReadWrite.All (in roles "
            "or scp)");
}

TEST(PermissionsTest, ReadScopeAllowsReadOnly) {
  VerifiedToken token = WithScopes({kRead});
  EXPECT_TRUE(CheckPermission(token, Access::kRead).ok());
  EXPECT_EQ(CheckPermission(token, Access::kWrite).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PermissionsTest, NoPermissionDeniesReadNamingBothPermissions) {
  absl::Status read = CheckPermission(VerifiedToken{}, Access::kRead);
  EXPECT_EQ(read.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(read.message(), HasSubstr(kRead));
  EXPECT_THAT(read.message(), HasSubstr(kReadWrite));
  EXPECT_EQ(CheckPermission(VerifiedToken{}, Access::kWrite).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PermissionsTest, NearMissNamesGrantNothing) {
  for (const char* name :
       {"devicemanagementconfiguration.readwrite.all",
        "DeviceManagementConfiguration.ReadWrite",
        "DeviceManagementConfiguration.ReadWrite.All ",
        " DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementManagedDevices.ReadWrite.All",
        "DeviceManagementConfiguration.Read.All.ReadWrite.All",
        "DeviceManagementConfiguration.ReadWrite.Al",
        "DeviceManagementConfiguration.READ.All", ""}) {
    for (const VerifiedToken& token : {WithRoles({name}), WithScopes({name})}) {
      EXPECT_EQ(CheckPermission(token, Access::kRead).code(),
                absl::StatusCode::kPermissionDenied)
          << '"' << name << '"';
      EXPECT_EQ(CheckPermission(token, Access::kWrite).code(),
                absl::StatusCode::kPermissionDenied)
          << '"' << name << '"';
    }
  }
}

TEST(PermissionsTest, OtherPermissionsDoNotHelp) {
  VerifiedToken token;
  token.roles = {"User.Read.All", "Directory.ReadWrite.All"};
  token.scopes = {"openid", "profile"};
  EXPECT_EQ(CheckPermission(token, Access::kRead).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace ndes::auth
