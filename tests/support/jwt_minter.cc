#include "support/jwt_minter.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cpprest/json.h"
#include "gtest/gtest.h"
#include "support/jwt_test_keys.h"

namespace ndes::testing {
namespace {

std::string JsonString(const std::string& value) {
  return web::json::value::string(value).serialize();
}

std::string BnToBytes(const BIGNUM* bn, int width) {
  std::string bytes(width > 0 ? width : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()),
               static_cast<int>(bytes.size()));
  return bytes;
}

// The BIGNUM parameter `name` of `pkey` as big-endian bytes (`width` bytes,
// left-padded, or as few as needed when 0).
std::string BnParam(EVP_PKEY* pkey, const char* name, int width) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    ADD_FAILURE() << "EVP_PKEY_get_bn_param " << name;
    return "";
  }
  std::string bytes = BnToBytes(bn, width);
  BN_free(bn);
  return bytes;
}

const EVP_MD* DigestFor(const std::string& header_json) {
  std::error_code error;
  web::json::value header = web::json::value::parse(header_json, error);
  if (!error && header.is_object() && header.has_field("alg") &&
      header.at("alg").is_string()) {
    const std::string alg = header.at("alg").as_string();
    if (absl::EndsWith(alg, "384")) return EVP_sha384();
    if (absl::EndsWith(alg, "512")) return EVP_sha512();
  }
  return EVP_sha256();
}

// JWS wants r || s, each the size of the curve order; OpenSSL signs DER.
std::string DerToRawEcdsa(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) {
    ADD_FAILURE() << "d2i_ECDSA_SIG";
    return "";
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw = BnToBytes(r, 32) + BnToBytes(s, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

// The next unused pre-generated RSA-2048 key, or null when all are taken.
// Process-wide, so that two minters (a signer and a forger) never share a
// key.
EVP_PKEY* NextPooledRsaKey() {
  static std::atomic<int> next{0};
  const int index = next.fetch_add(1);
  if (index >= kRsaTestKeyCount) return nullptr;
  BIO* bio = BIO_new_mem_buf(kRsaTestKeysPem[index], -1);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return pkey;
}

}  // namespace

struct JwtMinter::Key {
  ~Key() { EVP_PKEY_free(pkey); }
  std::string kid;
  bool is_ec = false;
  EVP_PKEY* pkey = nullptr;
};

JwtClaims JwtClaims::Standard(absl::Time now) {
  JwtClaims claims;
  claims.Set("iss", kTestIssuer)
      .Set("aud", kTestAudience)
      .Set("appid", kTestAppId)
      .Set("iat", now)
      .Set("nbf", now)
      .Set("exp", now + absl::Hours(1))
      .Set("roles", std::vector<std::string>{
                        "DeviceManagementConfiguration.ReadWrite.All"});
  return claims;
}

JwtClaims& JwtClaims::Set(const std::string& name, const std::string& value) {
  return SetJson(name, JsonString(value));
}

JwtClaims& JwtClaims::Set(const std::string& name, const char* value) {
  return Set(name, std::string(value));
}

JwtClaims& JwtClaims::Set(const std::string& name, int64_t value) {
  return SetJson(name, absl::StrCat(value));
}

JwtClaims& JwtClaims::Set(const std::string& name, absl::Time value) {
  return Set(name, absl::ToUnixSeconds(value));
}

JwtClaims& JwtClaims::Set(const std::string& name,
                          const std::vector<std::string>& value) {
  std::vector<std::string> members;
  for (const std::string& member : value) members.push_back(JsonString(member));
  return SetJson(name, absl::StrCat("[", absl::StrJoin(members, ","), "]"));
}

JwtClaims& JwtClaims::SetJson(const std::string& name,
                              const std::string& json) {
  members_[name] = json;
  return *this;
}

JwtClaims& JwtClaims::Remove(const std::string& name) {
  members_.erase(name);
  return *this;
}

std::string JwtClaims::Json() const {
  std::vector<std::string> members;
  for (const auto& [name, value] : members_) {
    members.push_back(absl::StrCat(JsonString(name), ":", value));
  }
  return absl::StrCat("{", absl::StrJoin(members, ","), "}");
}

JwtMinter::JwtMinter() = default;
JwtMinter::~JwtMinter() = default;

void JwtMinter::AddRsaKey(const std::string& kid, int bits) {
  auto key = std::make_shared<Key>();
  key->kid = kid;
  if (bits == 2048) key->pkey = NextPooledRsaKey();
  if (key->pkey == nullptr) {
    key->pkey =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  }
  if (key->pkey == nullptr) {
    ADD_FAILURE() << "RSA key generation failed";
    return;
  }
  keys_[kid] = std::move(key);
}

void JwtMinter::AddEcKey(const std::string& kid) {
  auto key = std::make_shared<Key>();
  key->kid = kid;
  key->is_ec = true;
  key->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key->pkey == nullptr) {
    ADD_FAILURE() << "EC key generation failed";
    return;
  }
  keys_[kid] = std::move(key);
}

const JwtMinter::Key* JwtMinter::FindKey(const std::string& kid) const {
  auto it = keys_.find(kid);
  if (it == keys_.end()) {
    ADD_FAILURE() << "JwtMinter has no key " << kid;
    return nullptr;
  }
  return it->second.get();
}

std::string JwtMinter::Jwk(const std::string& kid) const {
  const Key* key = FindKey(kid);
  if (key == nullptr) return "";
  JwtClaims jwk;
  jwk.Set("kid", kid).Set("use", "sig");
  if (key->is_ec) {
    jwk.Set("kty", "EC")
        .Set("crv", "P-256")
        .Set("x", Base64Url(BnParam(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32)))
        .Set("y", Base64Url(BnParam(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32)));
  } else {
    jwk.Set("kty", "RSA")
        .Set("n", Base64Url(BnParam(key->pkey, OSSL_PKEY_PARAM_RSA_N, 0)))
        .Set("e", Base64Url(BnParam(key->pkey, OSSL_PKEY_PARAM_RSA_E, 0)));
  }
  return jwk.Json();
}

std::string JwtMinter::Jwks(const std::vector<std::string>& kids) const {
  std::vector<std::string> jwks;
  if (kids.empty()) {
    for (const auto& [kid, key] : keys_) jwks.push_back(Jwk(kid));
  } else {
    for (const std::string& kid : kids) jwks.push_back(Jwk(kid));
  }
  return absl::StrCat("{\"keys\":[", absl::StrJoin(jwks, ","), "]}");
}

void JwtMinter::WriteJwks(const std::string& path,
                          const std::vector<std::string>& kids) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << Jwks(kids);
    if (!out.good()) {
      ADD_FAILURE() << "cannot write " << temporary;
      return;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    ADD_FAILURE() << "cannot rename " << temporary << " to " << path;
  }
}

std::string JwtMinter::Mint(const std::string& kid,
                            const JwtClaims& claims) const {
  return Mint(kid, claims.Json());
}

std::string JwtMinter::Mint(const std::string& kid,
                            const std::string& claims_json) const {
  const Key* key = FindKey(kid);
  if (key == nullptr) return "";
  JwtClaims header;
  header.Set("alg", key->is_ec ? "ES256" : "RS256")
      .Set("typ", "JWT")
      .Set("kid", kid);
  return MintWithHeader(kid, header.Json(), claims_json);
}

std::string JwtMinter::MintWithHeader(const std::string& signing_kid,
                                      const std::string& header_json,
                                      const std::string& claims_json) const {
  const Key* key = FindKey(signing_kid);
  if (key == nullptr) return "";
  const std::string signing_input =
      absl::StrCat(Base64Url(header_json), ".", Base64Url(claims_json));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t size = 0;
  std::string signature;
  bool ok = EVP_DigestSignInit(ctx, nullptr, DigestFor(header_json), nullptr,
                               key->pkey) == 1 &&
            EVP_DigestSign(
                ctx, nullptr, &size,
                reinterpret_cast<const unsigned char*>(signing_input.data()),
                signing_input.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(
             ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
             reinterpret_cast<const unsigned char*>(signing_input.data()),
             signing_input.size()) == 1;
    signature.resize(size);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ADD_FAILURE() << "signing with " << signing_kid << " failed";
    return "";
  }
  if (key->is_ec) signature = DerToRawEcdsa(signature);
  return absl::StrCat(signing_input, ".", Base64Url(signature));
}

std::string JwtMinter::MintHs256(const std::string& secret,
                                 const std::string& header_json,
                                 const std::string& claims_json) {
  const std::string signing_input =
      absl::StrCat(Base64Url(header_json), ".", Base64Url(claims_json));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()),
           signing_input.size(), mac, &mac_size) == nullptr) {
    ADD_FAILURE() << "HMAC failed";
    return "";
  }
  return absl::StrCat(
      signing_input, ".",
      Base64Url(std::string(reinterpret_cast<const char*>(mac), mac_size)));
}

std::string JwtMinter::MintUnsigned(const std::string& header_json,
                                    const std::string& claims_json) {
  return absl::StrCat(Base64Url(header_json), ".", Base64Url(claims_json), ".");
}

std::string JwtMinter::PublicKeyPem(const std::string& kid) const {
  const Key* key = FindKey(kid);
  if (key == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (PEM_write_bio_PUBKEY(bio, key->pkey) == 1) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    pem.assign(data, size);
  } else {
    ADD_FAILURE() << "PEM_write_bio_PUBKEY failed";
  }
  BIO_free(bio);
  return pem;
}

std::string JwtMinter::TamperSignature(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string signature;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[2], &signature) ||
      signature.empty()) {
    ADD_FAILURE() << "not a signed compact JWS";
    return token;
  }
  signature[signature.size() / 2] ^= 0x01;
  parts[2] = Base64Url(signature);
  return absl::StrJoin(parts, ".");
}

std::string JwtMinter::ReplaceClaims(const std::string& token,
                                     const std::string& claims_json) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    ADD_FAILURE() << "not a compact JWS";
    return token;
  }
  parts[1] = Base64Url(claims_json);
  return absl::StrJoin(parts, ".");
}

std::string JwtMinter::Base64Url(const std::string& bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

}  // namespace ndes::testing
