// JSON Web Key Sets (RFC 7517): the public keys that sign the bearer tokens
// the gateway accepts.
//
// Usable keys are signature keys with a `kid`:
//   RSA         {"kty":"RSA","kid":..,"n":..,"e":..}         for RS256/384/512
//               (at least 2048 bits)
//   EC P-256    {"kty":"EC","crv":"P-256","kid":..,"x":..,"y":..}  for ES256
// `n`, `e`, `x`, `y` are base64url without padding. A key may name its `alg`;
// then only that algorithm is accepted with it.
//
// A key that cannot be used (`use` other than "sig", another `kty` or `crv`,
// no `kid`, a repeated `kid`, bad key material) is skipped, not fatal: an
// identity provider publishes encryption keys and new key types next to the
// ones the gateway needs. Skipped keys are reported by `skipped()` so that
// start-up can log them. A set with no usable key at all is an error.
//
//   absl::StatusOr<Jwks> jwks = LoadJwksFile("/etc/ndes/jwks.json");
//   if (!jwks.ok()) return jwks.status();
//   for (const std::string& why : jwks->skipped()) LOG(WARNING) << why;
//   const JsonWebKey* key = jwks->Find("kid-2026-11");
//
// Thread-safe once built: a Jwks is immutable, and its keys (EVP_PKEY) are
// only used for verification, which OpenSSL allows from many threads.
#ifndef NDES_SERVER_AUTH_JWKS_H_
#define NDES_SERVER_AUTH_JWKS_H_

#include <openssl/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::auth {

enum class KeyType {
  kRsa,
  kEcP256,
};

// "RSA" or "EC P-256", for messages.
absl::string_view KeyTypeName(KeyType type);

struct JsonWebKey {
  std::string kid;
  KeyType type = KeyType::kRsa;
  // The JWK's `alg` if it names one (then the token's `alg` must equal it),
  // else empty.
  std::string alg;
  // The public key. Never null in a Jwks.
  std::shared_ptr<EVP_PKEY> public_key;
};

class Jwks {
 public:
  // Parses a JWKS document. `source` names where it came from (a file path)
  // in messages. INVALID_ARGUMENT naming `source` if the document is not
  // JSON, not an object with a `keys` array, or has no usable key (the
  // message then says why the first keys were skipped).
  static absl::StatusOr<Jwks> Parse(absl::string_view json,
                                    absl::string_view source);

  // The usable key with this kid, or null. The pointer lives as long as
  // this Jwks.
  const JsonWebKey* Find(absl::string_view kid) const;

  // Number of usable keys (at least 1).
  size_t size() const { return keys_.size(); }

  // One line per skipped key, e.g.
  //   key "enc-1" skipped: use "enc" is not "sig"
  //   key #3 skipped: kty "oct" is not supported
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  Jwks() = default;

  std::map<std::string, JsonWebKey, std::less<>> keys_;
  std::vector<std::string> skipped_;
};

// Reads and parses a JWKS file. FAILED_PRECONDITION naming the file if it
// cannot be read; otherwise as Jwks::Parse.
absl::StatusOr<Jwks> LoadJwksFile(const std::string& path);

}  // namespace ndes::auth

#endif  // NDES_SERVER_AUTH_JWKS_H_
