// Graph's permission model for the gateway's calls.
//
//   write (Create, Update, Delete):
//     DeviceManagementConfiguration.ReadWrite.All
//   read (Get, List):
//     DeviceManagementConfiguration.Read.All or
//     DeviceManagementConfiguration.ReadWrite.All
//
// as an application permission (the `roles` claim of an app-only token) or
// a delegated one (the `scp` claim of a token acting for a user). Names
// compare case-sensitively, as Graph's do.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_AUTH_PERMISSIONS_H_
#define NDES_SERVER_AUTH_PERMISSIONS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "auth/jwt_verifier.h"

namespace ndes::auth {

enum class Access {
  kRead,
  kWrite,
};

inline constexpr absl::string_view kReadPermission =
    "DeviceManagementConfiguration.Read.All";
inline constexpr absl::string_view kReadWritePermission =
    "DeviceManagementConfiguration.ReadWrite.All";

// OK if `token` grants `access`; otherwise PERMISSION_DENIED naming what is
// required, e.g.
//   requires DeviceManagementConfiguration.ReadWrite.All (in roles or scp)
absl::Status CheckPermission(const VerifiedToken& token, Access access);

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_PERMISSIONS_H_
