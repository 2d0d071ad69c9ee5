// Inbound authorization of gRPC calls: who is calling, and may they do this?
//
// The service asks before it touches the store, so a refused call writes
// nothing. The gateway's implementation verifies bearer JWTs with Graph's
// permission model (auth/jwt_authorizer.h); without --auth there is no
// Authorizer and every call is allowed.
//
// Implementations are thread-safe and never block on the network.
#ifndef NDES_SERVER_SERVICE_AUTHORIZER_H_
#define NDES_SERVER_SERVICE_AUTHORIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::service {

// What a call needs.
enum class Access {
  // A valid token, whatever it grants (server reflection).
  kAuthenticated,
  // Get, List.
  kRead,
  // Create, Update, Delete.
  kWrite,
};

struct Caller {
  // The identity claim to log (appid, azp or sub); may be empty.
  std::string identity;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;

  // `authorization` is the call's `authorization` metadata, empty when it
  // has none. UNAUTHENTICATED when there is no valid credential,
  // PERMISSION_DENIED when it does not grant `access`; the message says why
  // and never contains the credential.
  virtual absl::StatusOr<Caller> Authorize(absl::string_view authorization,
                                           Access access) const = 0;
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_AUTHORIZER_H_
