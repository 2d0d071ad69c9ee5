// Test keys, JWKS files and JWTs — good ones and every kind of bad one.
//
//   JwtMinter minter;
//   minter.AddRsaKey("rsa-1");              // RSA-2048, signs RS256
//   minter.AddEcKey("ec-1");                // P-256, signs ES256
//   minter.WriteJwks(dir.Path("jwks.json"));
//
//   absl::Time now = absl::Now();
//   std::string good = minter.Mint("rsa-1", JwtClaims::Standard(now));
//   std::string expired = minter.Mint(
//       "ec-1", JwtClaims::Standard(now).Set("exp", now - absl::Hours(1)));
//   std::string none = JwtMinter::MintUnsigned(R"({"alg":"none"})",
//                                              JwtClaims::Standard(now).Json());
//   std::string confused = minter.MintWithHeader(
//       "ec-1", R"({"alg":"RS256","kid":"ec-1"})", claims_json);
//
// Independent of the gateway's own auth code (it shares no JOSE code with
// server/auth/), so a bug there cannot hide in both.
//
// Add keys first; after that the const methods may be called from any
// thread. Failures (OpenSSL, file I/O, an unknown kid) are reported with
// ADD_FAILURE and give an empty result.
#ifndef NDES_TESTS_SUPPORT_JWT_MINTER_H_
#define NDES_TESTS_SUPPORT_JWT_MINTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ndes::testing {

// The issuer and audience of JwtClaims::Standard.
inline constexpr char kTestIssuer[] = "https://issuer.ndes.test/";
inline constexpr char kTestAudience[] = "api://ndes-gateway-test";
inline constexpr char kTestAppId[] = "11111111-2222-3333-4444-555555555555";

// A JSON object built member by member (the claims of a token, or a header).
// Setting a member again replaces it.
class JwtClaims {
 public:
  // iss kTestIssuer, aud kTestAudience, appid kTestAppId, iat and nbf `now`,
  // exp `now` + 1 h, roles ["DeviceManagementConfiguration.ReadWrite.All"].
  static JwtClaims Standard(absl::Time now = absl::Now());

  JwtClaims& Set(const std::string& name, const std::string& value);
  JwtClaims& Set(const std::string& name, const char* value);
  JwtClaims& Set(const std::string& name, int64_t value);
  // A NumericDate: whole seconds since the epoch.
  JwtClaims& Set(const std::string& name, absl::Time value);
  // A JSON array of strings.
  JwtClaims& Set(const std::string& name,
                 const std::vector<std::string>& value);
  // Any JSON text, unchecked (e.g. "null", "{\"x\":1}", "\"1e9\"").
  JwtClaims& SetJson(const std::string& name, const std::string& json);
  JwtClaims& Remove(const std::string& name);

  std::string Json() const;

 private:
  // Member name -> its value as JSON text.
  std::map<std::string, std::string> members_;
};

class JwtMinter {
 public:
  JwtMinter();
  ~JwtMinter();
  JwtMinter(const JwtMinter&) = delete;
  JwtMinter& operator=(const JwtMinter&) = delete;

  // Adds a key pair under `kid` (replacing one of the same kid). RSA-2048
  // keys come from a small pool of pre-generated test keys while it lasts
  // (generating one takes up to a second on a busy machine); every key is
  // still distinct within a process, whichever minter holds it.
  void AddRsaKey(const std::string& kid, int bits = 2048);
  void AddEcKey(const std::string& kid);  // P-256

  // The public JWK of `kid`: {"kty","kid","use":"sig", n/e or crv/x/y}.
  std::string Jwk(const std::string& kid) const;
  // A JWKS document with the public keys of `kids` (all keys when empty).
  std::string Jwks(const std::vector<std::string>& kids = {}) const;
  // Writes Jwks(kids) to `path` by writing a temporary file and renaming it
  // over `path`, so that readers see the old or the new file, never a
  // partial one — as when Kubernetes swaps a mounted Secret.
  void WriteJwks(const std::string& path,
                 const std::vector<std::string>& kids = {}) const;

  // A token signed by `kid` with header {"alg":"RS256"|"ES256","typ":"JWT",
  // "kid":kid}.
  std::string Mint(const std::string& kid, const JwtClaims& claims) const;
  std::string Mint(const std::string& kid,
                   const std::string& claims_json) const;
  // A token with any header, signed by `signing_kid`'s key whatever the
  // header says: PKCS#1 v1.5 for an RSA key, ECDSA as raw r||s for an EC
  // key, with SHA-384 or SHA-512 when the header's alg ends in 384 or 512,
  // else SHA-256.
  std::string MintWithHeader(const std::string& signing_kid,
                             const std::string& header_json,
                             const std::string& claims_json) const;
  // HMAC-SHA256 with `secret` as the key (an HS256 token; with a public key
  // as the secret, the algorithm-confusion attack).
  static std::string MintHs256(const std::string& secret,
                               const std::string& header_json,
                               const std::string& claims_json);
  // "header.claims." with an empty signature.
  static std::string MintUnsigned(const std::string& header_json,
                                  const std::string& claims_json);

  // The public key of `kid` as PEM (SubjectPublicKeyInfo).
  std::string PublicKeyPem(const std::string& kid) const;

  // `token` with one bit of its signature flipped.
  static std::string TamperSignature(const std::string& token);
  // `token` with its claims replaced by `claims_json` and the old
  // signature kept.
  static std::string ReplaceClaims(const std::string& token,
                                   const std::string& claims_json);

  // base64url without padding, for hand-made tokens.
  static std::string Base64Url(const std::string& bytes);

 private:
  struct Key;
  const Key* FindKey(const std::string& kid) const;

  std::map<std::string, std::shared_ptr<Key>> keys_;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_JWT_MINTER_H_
