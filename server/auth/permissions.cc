#include "auth/permissions.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ndes::auth {
namespace {

bool Grants(const VerifiedToken& token, absl::string_view permission) {
  auto is_permission = [permission](const std::string& granted) {
    return granted == permission;
  };
  return std::any_of(token.roles.begin(), token.roles.end(), is_permission) ||
         std::any_of(token.scopes.begin(), token.scopes.end(), is_permission);
}

}  // namespace

absl::Status CheckPermission(const VerifiedToken& token, Access access) {
  if (Grants(token, kReadWritePermission)) return absl::OkStatus();
  if (access == Access::kRead) {
    if (Grants(token, kReadPermission)) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("requires ", kReadPermission, " or ", kReadWritePermission,
                     " (in roles or scp)"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("requires ", kReadWritePermission, " (in roles or scp)"));
}

}  // namespace ndes::auth
