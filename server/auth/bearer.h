// The bearer token in a call's `authorization` metadata (RFC 6750 section
// 2.1): "Bearer <token>", the scheme in any case, one space.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_AUTH_BEARER_H_
#define NDES_SERVER_AUTH_BEARER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::auth {

// The token in `authorization` (a view into it). Pass an empty value when
// the call has no authorization metadata. UNAUTHENTICATED:
//   "missing bearer token"                 empty value, or "Bearer" alone
//   "authorization is not a bearer token"  another scheme ("Basic ..."), or
//                                          a token with spaces or characters
//                                          outside RFC 6750's token68
// Never echoes the value.
absl::StatusOr<absl::string_view> ExtractBearerToken(
    absl::string_view authorization);

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_BEARER_H_
