// Verifies the bearer JWTs callers present (--auth=jwt).
//
// Accepted: a compact JWS (RFC 7515: three base64url parts, no padding)
// whose header names a `kid` the KeySource knows and an `alg` that fits that
// key — RS256, RS384 or RS512 with an RSA key, ES256 with an EC P-256 key
// (and the JWK's own `alg`, if it names one) — with a valid signature, and
// whose claims (RFC 7519) hold
//   exp   required, a number; now < exp + clock_skew
//   nbf   optional; now >= nbf - clock_skew
//   iss   equal to `issuer`, when one is configured
//   aud   a string or an array of strings containing `audience`, when one
//         is configured
// Everything else is refused: `alg` "none", HMAC algorithms (a public key
// must never serve as an HMAC secret), any other algorithm, an `alg` that
// does not fit the key (RS256 over an EC key), a `crit` header, bad base64
// or JSON, a header or claims that are not JSON objects.
//
// Every refusal is UNAUTHENTICATED with a short message saying which check
// failed, e.g.
//   token expired at 2026-11-28T10:00:00Z
//   unknown signing key "kid1"
//   algorithm "none" is not accepted
// Messages never contain the token, its signature or any other credential;
// the values quoted from the token (kid, iss, aud) are escaped and cut short.
//
//   JwtVerifierOptions options;
//   options.issuer = "https://sts.windows.net/<tenant id>/";
//   options.audience = "api://ndes-gateway";
//   JwtVerifier verifier(keys, options);
//   absl::StatusOr<VerifiedToken> token = verifier.Verify(bearer_token);
//   if (!token.ok()) return token.status();      // UNAUTHENTICATED
//   absl::Status allowed = CheckPermission(*token, Access::kWrite);
//
// Thread-safe: Verify may be called from any number of threads at once.
#ifndef NDES_SERVER_AUTH_JWT_VERIFIER_H_
#define NDES_SERVER_AUTH_JWT_VERIFIER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "auth/key_source.h"

namespace ndes::auth {

// What a verified token says about its caller.
struct VerifiedToken {
  // Who to name in logs: `appid` (Azure AD v1 app tokens), else `azp` (v2),
  // else `sub`; empty if the token has none of them.
  std::string identity;
  // The `roles` claim: application permissions.
  std::vector<std::string> roles;
  // The `scp` claim split on spaces: delegated permissions.
  std::vector<std::string> scopes;
  // The `exp` claim.
  absl::Time expires_at;
  // The `kid` of the key that signed the token.
  std::string key_id;
};

// The most clock skew tolerated between the token issuer and the gateway.
inline constexpr absl::Duration kMaxClockSkew = absl::Seconds(60);

struct JwtVerifierOptions {
  // Required `iss`; empty: not checked.
  std::string issuer;
  // Required member of `aud`; empty: not checked.
  std::string audience;
  // Tolerance on exp and nbf. Clamped to [0, kMaxClockSkew].
  absl::Duration clock_skew = kMaxClockSkew;
  // The current time (tests replace it).
  std::function<absl::Time()> clock = absl::Now;
};

class JwtVerifier {
 public:
  // `keys` must not be null.
  JwtVerifier(std::shared_ptr<KeySource> keys, JwtVerifierOptions options);

  // Verifies a compact JWS (without the "Bearer " prefix; see
  // ExtractBearerToken). UNAUTHENTICATED on any refusal (see above).
  absl::StatusOr<VerifiedToken> Verify(absl::string_view token) const;

  // The skew actually applied (after clamping).
  absl::Duration clock_skew() const { return options_.clock_skew; }

 private:
  const std::shared_ptr<KeySource> keys_;
  JwtVerifierOptions options_;
};

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_JWT_VERIFIER_H_
