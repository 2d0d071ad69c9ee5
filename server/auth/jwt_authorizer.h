// service::Authorizer for --auth=jwt: the bearer token of each call is
// verified (jwt_verifier.h, keys from a JWKS file) and its Graph permissions
// checked (permissions.h).
//
//   Get, List                -> DeviceManagementConfiguration.Read.All or
//                               DeviceManagementConfiguration.ReadWrite.All
//   Create, Update, Delete   -> DeviceManagementConfiguration.ReadWrite.All
//   reflection               -> any valid token
//
// Refusals are counted in ndes_gateway_auth_refusals_total by reason.
//
// Thread-safe. No network I/O: keys come from a local file.
#ifndef NDES_SERVER_AUTH_JWT_AUTHORIZER_H_
#define NDES_SERVER_AUTH_JWT_AUTHORIZER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/jwt_verifier.h"
#include "auth/key_source.h"
#include "service/authorizer.h"

namespace ndes::auth {

struct JwtAuthorizerOptions {
  // The JWKS file; re-read when it changes (at most every 10 s).
  std::string jwks_file;
  // When not empty, tokens must carry exactly this `iss` / this `aud`.
  std::string issuer;
  std::string audience;
};

class JwtAuthorizer final : public service::Authorizer {
 public:
  // Loads the JWKS file; FAILED_PRECONDITION or INVALID_ARGUMENT naming it
  // when it cannot be read or holds no usable key.
  static absl::StatusOr<std::unique_ptr<JwtAuthorizer>> Create(
      const JwtAuthorizerOptions& options);

  absl::StatusOr<service::Caller> Authorize(
      absl::string_view authorization, service::Access access) const override;

  // The keys the JWKS file held at the last (re)load that were skipped, and
  // why; for the start-up log.
  std::vector<std::string> SkippedKeys() const;

 private:
  JwtAuthorizer(std::shared_ptr<JwksFileKeySource> keys,
                JwtVerifierOptions options);

  std::shared_ptr<JwksFileKeySource> keys_;
  JwtVerifier verifier_;
};

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_JWT_AUTHORIZER_H_
