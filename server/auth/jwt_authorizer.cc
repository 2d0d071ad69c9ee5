#include "auth/jwt_authorizer.h"

#include <utility>

#include "auth/bearer.h"
#include "auth/permissions.h"

namespace ndes::auth {

absl::StatusOr<std::unique_ptr<JwtAuthorizer>> JwtAuthorizer::Create(
    const JwtAuthorizerOptions& options) {
  JwksFileOptions file;
  file.path = options.jwks_file;
  absl::StatusOr<std::unique_ptr<JwksFileKeySource>> keys =
      JwksFileKeySource::Create(std::move(file));
  if (!keys.ok()) return keys.status();
  JwtVerifierOptions verifier;
  verifier.issuer = options.issuer;
  verifier.audience = options.audience;
  return std::unique_ptr<JwtAuthorizer>(
      new JwtAuthorizer(std::shared_ptr<JwksFileKeySource>(std::move(*keys)),
                        std::move(verifier)));
}

JwtAuthorizer::JwtAuthorizer(std::shared_ptr<JwksFileKeySource> keys,
                             JwtVerifierOptions options)
    : keys_(keys), verifier_(std::move(keys), std::move(options)) {}

absl::StatusOr<service::Caller> JwtAuthorizer::Authorize(
    absl::string_view authorization, service::Access access) const {
  absl::StatusOr<absl::string_view> token = ExtractBearerToken(authorization);
  if (!token.ok()) return token.status();
  absl::StatusOr<VerifiedToken> verified = verifier_.Verify(*token);
  if (!verified.ok()) return verified.status();
  if (access != service::Access::kAuthenticated) {
    absl::Status permitted = CheckPermission(
        *verified,
        access == service::Access::kWrite ? Access::kWrite : Access::kRead);
    if (!permitted.ok()) return permitted;
  }
  return service::Caller{std::move(verified->identity)};
}

std::vector<std::string> JwtAuthorizer::SkippedKeys() const {
  return keys_->Current()->skipped();
}

}  // namespace ndes::auth
