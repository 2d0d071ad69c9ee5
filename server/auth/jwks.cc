#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "auth/base64url.h"
#include "cpprest/json.h"
#include "text/untrusted_text.h"

namespace ndes::auth {
namespace {

// Below 2048 bits RSA is no longer considered safe (NIST SP 800-131A);
// above 8192 a key only slows every verification down.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr size_t kP256CoordinateBytes = 32;
// Enough to explain a document with no usable key without a huge message.
constexpr size_t kSkippedReasonsInError = 3;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

std::shared_ptr<EVP_PKEY> SharePkey(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

// The string member `name` of `object`, or nullopt if it is absent or not a
// string.
std::optional<std::string> StringField(const web::json::value& object,
                                       const std::string& name) {
  if (!object.has_field(name)) return std::nullopt;
  const web::json::value& value = object.at(name);
  if (!value.is_string()) return std::nullopt;
  return value.as_string();
}

// Builds a public key of `type_name` ("RSA", "EC") from `params` and checks
// it (an EC point on the curve, a sane RSA modulus and exponent).
absl::StatusOr<std::shared_ptr<EVP_PKEY>> PublicKeyFromParams(
    const char* type_name, const OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY,
                        const_cast<OSSL_PARAM*>(params)) != 1) {
    return absl::InvalidArgumentError("key material is not a valid key");
  }
  std::shared_ptr<EVP_PKEY> pkey = SharePkey(raw);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError("key material is not a valid key");
  }
  return pkey;
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> RsaPublicKey(
    const web::json::value& jwk) {
  std::optional<std::string> n_text = StringField(jwk, "n");
  std::optional<std::string> e_text = StringField(jwk, "e");
  if (!n_text || !e_text) {
    return absl::InvalidArgumentError("RSA key without \"n\" and \"e\"");
  }
  std::optional<std::string> n = DecodeBase64Url(*n_text);
  std::optional<std::string> e = DecodeBase64Url(*e_text);
  if (!n || !e || n->empty() || e->empty()) {
    return absl::InvalidArgumentError("\"n\" or \"e\" is not base64url");
  }
  BnPtr n_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr e_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  if (n_bn == nullptr || e_bn == nullptr) {
    return absl::ResourceExhaustedError("out of memory");
  }
  const int bits = BN_num_bits(n_bn.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA key of ", bits, " bits (accepted: ", kMinRsaBits,
                     " to ", kMaxRsaBits, ")"));
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) !=
          1) {
    return absl::ResourceExhaustedError("out of memory");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) return absl::ResourceExhaustedError("out of memory");
  return PublicKeyFromParams("RSA", params.get());
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> EcP256PublicKey(
    const web::json::value& jwk) {
  std::optional<std::string> x_text = StringField(jwk, "x");
  std::optional<std::string> y_text = StringField(jwk, "y");
  if (!x_text || !y_text) {
    return absl::InvalidArgumentError("EC key without \"x\" and \"y\"");
  }
  std::optional<std::string> x = DecodeBase64Url(*x_text);
  std::optional<std::string> y = DecodeBase64Url(*y_text);
  // RFC 7518 section 6.2.1.2: each coordinate is exactly the field size.
  if (!x || !y || x->size() != kP256CoordinateBytes ||
      y->size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(
        "\"x\" and \"y\" are not 32-byte base64url coordinates");
  }
  // The uncompressed point encoding (SEC 1): 0x04 || x || y.
  std::string point = absl::StrCat("\x04", *x, *y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::ResourceExhaustedError("out of memory");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) return absl::ResourceExhaustedError("out of memory");
  return PublicKeyFromParams("EC", params.get());
}

// The usable key `jwk` describes, or why it is skipped.
absl::StatusOr<JsonWebKey> ParseKey(const web::json::value& jwk) {
  if (!jwk.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  std::optional<std::string> kid = StringField(jwk, "kid");
  if (!kid || kid->empty()) return absl::InvalidArgumentError("no \"kid\"");
  if (jwk.has_field("use")) {
    std::optional<std::string> use = StringField(jwk, "use");
    if (!use || *use != "sig") {
      return absl::InvalidArgumentError(absl::StrCat(
          "use ", use ? text::QuoteUntrusted(*use) : "(not a string)",
          " is not \"sig\""));
    }
  }
  std::optional<std::string> kty = StringField(jwk, "kty");
  if (!kty) return absl::InvalidArgumentError("no \"kty\"");

  JsonWebKey key;
  key.kid = *kid;
  if (std::optional<std::string> alg = StringField(jwk, "alg")) key.alg = *alg;
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> pkey;
  if (*kty == "RSA") {
    key.type = KeyType::kRsa;
    if (!key.alg.empty() && key.alg != "RS256" && key.alg != "RS384" &&
        key.alg != "RS512") {
      return absl::InvalidArgumentError(
          absl::StrCat("alg ", text::QuoteUntrusted(key.alg),
                       " is not supported with an RSA key"));
    }
    pkey = RsaPublicKey(jwk);
  } else if (*kty == "EC") {
    key.type = KeyType::kEcP256;
    std::optional<std::string> crv = StringField(jwk, "crv");
    if (!crv || *crv != "P-256") {
      return absl::InvalidArgumentError(
          absl::StrCat("crv ", crv ? text::QuoteUntrusted(*crv) : "(none)",
                       " is not supported"));
    }
    if (!key.alg.empty() && key.alg != "ES256") {
      return absl::InvalidArgumentError(
          absl::StrCat("alg ", text::QuoteUntrusted(key.alg),
                       " is not supported with a P-256 key"));
    }
    pkey = EcP256PublicKey(jwk);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("kty ", text::QuoteUntrusted(*kty), " is not supported"));
  }
  // OpenSSL leaves its reasons on the thread's error queue; they would
  // surface in an unrelated later call on this thread.
  ERR_clear_error();
  if (!pkey.ok()) return pkey.status();
  key.public_key = *std::move(pkey);
  return key;
}

}  // namespace

absl::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return "RSA";
    case KeyType::kEcP256:
      return "EC P-256";
  }
  return "unknown";
}

absl::StatusOr<Jwks> Jwks::Parse(absl::string_view json,
                                 absl::string_view source) {
  std::error_code error;
  web::json::value document = web::json::value::parse(std::string(json), error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS ", source, " is not JSON: ", error.message()));
  }
  if (!document.is_object() || !document.has_field("keys") ||
      !document.at("keys").is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JWKS ", source, " is not an object with a \"keys\" array"));
  }
  Jwks jwks;
  const web::json::array& keys = document.at("keys").as_array();
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::StatusOr<JsonWebKey> key = ParseKey(keys.at(i));
    std::string name = absl::StrCat("#", i + 1);
    if (keys.at(i).is_object()) {
      if (std::optional<std::string> kid = StringField(keys.at(i), "kid");
          kid && !kid->empty()) {
        name = text::QuoteUntrusted(*kid);
      }
    }
    if (!key.ok()) {
      jwks.skipped_.push_back(
          absl::StrCat("key ", name, " skipped: ", key.status().message()));
      continue;
    }
    if (jwks.keys_.count(key->kid) != 0) {
      jwks.skipped_.push_back(
          absl::StrCat("key ", name, " skipped: repeats an earlier kid"));
      continue;
    }
    std::string kid = key->kid;
    jwks.keys_.emplace(std::move(kid), *std::move(key));
  }
  if (jwks.keys_.empty()) {
    std::string why = "the \"keys\" array is empty";
    if (!jwks.skipped_.empty()) {
      std::vector<std::string> first(
          jwks.skipped_.begin(),
          jwks.skipped_.begin() +
              std::min(jwks.skipped_.size(), kSkippedReasonsInError));
      why = absl::StrJoin(first, "; ");
      if (jwks.skipped_.size() > kSkippedReasonsInError) {
        absl::StrAppend(&why, "; ...");
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "JWKS ", source, " has no usable signing key (", why, ")"));
  }
  return jwks;
}

const JsonWebKey* Jwks::Find(absl::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

absl::StatusOr<Jwks> LoadJwksFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read JWKS file ", path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read JWKS file ", path));
  }
  return Jwks::Parse(content.str(), path);
}

}  // namespace ndes::auth
