#include "auth/jwt_verifier.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "auth/base64url.h"
#include "cpprest/json.h"
#include "text/untrusted_text.h"

namespace ndes::auth {
namespace {

// Far above any real token (Azure AD tokens with many groups stay under
// 8 KiB), and it bounds the work an unauthenticated caller can cause.
constexpr size_t kMaxTokenBytes = 32 * 1024;
constexpr size_t kEs256SignatureBytes = 64;

struct Algorithm {
  absl::string_view name;
  KeyType key_type;
  const EVP_MD* (*digest)();
};

constexpr Algorithm kAlgorithms[] = {
    {"RS256", KeyType::kRsa, EVP_sha256},
    {"RS384", KeyType::kRsa, EVP_sha384},
    {"RS512", KeyType::kRsa, EVP_sha512},
    {"ES256", KeyType::kEcP256, EVP_sha256},
};

const Algorithm* FindAlgorithm(absl::string_view name) {
  for (const Algorithm& algorithm : kAlgorithms) {
    if (algorithm.name == name) return &algorithm;
  }
  return nullptr;
}

absl::Status Refuse(absl::string_view message) {
  return absl::UnauthenticatedError(message);
}

// Decodes one base64url part of the token holding a JSON object.
// `what_is` names it in messages ("token header is").
absl::StatusOr<web::json::value> DecodeJsonObject(absl::string_view part,
                                                  absl::string_view what_is) {
  std::optional<std::string> bytes = DecodeBase64Url(part);
  if (!bytes) return Refuse(absl::StrCat(what_is, " not base64url"));
  std::error_code error;
  web::json::value value = web::json::value::parse(*bytes, error);
  if (error || !value.is_object()) {
    return Refuse(absl::StrCat(what_is, " not a JSON object"));
  }
  return value;
}

const web::json::value* Field(const web::json::value& object,
                              const std::string& name) {
  const web::json::object& members = object.as_object();
  auto it = members.find(name);
  return it == members.end() ? nullptr : &it->second;
}

std::optional<std::string> StringClaim(const web::json::value& object,
                                       const std::string& name) {
  const web::json::value* value = Field(object, name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->as_string();
}

// A NumericDate claim (seconds since the epoch, possibly fractional).
// nullopt if absent; UNAUTHENTICATED if not a number.
absl::StatusOr<std::optional<absl::Time>> TimeClaim(
    const web::json::value& claims, const std::string& name) {
  const web::json::value* value = Field(claims, name);
  if (value == nullptr) return std::optional<absl::Time>();
  if (!value->is_number()) {
    return Refuse(absl::StrCat("token ", name, " claim is not a number"));
  }
  const web::json::number& number = value->as_number();
  if (number.is_int64()) {
    return std::optional<absl::Time>(absl::FromUnixSeconds(number.to_int64()));
  }
  // absl::Seconds saturates to an infinite duration on huge values.
  return std::optional<absl::Time>(absl::UnixEpoch() +
                                   absl::Seconds(value->as_double()));
}

std::string FormatClaimTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

// JWS carries an ES256 signature as the raw r || s (RFC 7518 section
// 3.4); OpenSSL verifies the DER encoding of ECDSA-Sig-Value.
std::optional<std::string> Es256SignatureToDer(absl::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  const int half = static_cast<int>(kEs256SignatureBytes / 2);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0) return std::nullopt;
  std::string result(reinterpret_cast<const char*>(der), der_size);
  OPENSSL_free(der);
  return result;
}

bool SignatureIsValid(const Algorithm& algorithm, const JsonWebKey& key,
                      absl::string_view signing_input,
                      absl::string_view signature) {
  std::string der;
  if (algorithm.key_type == KeyType::kEcP256) {
    std::optional<std::string> converted = Es256SignatureToDer(signature);
    if (!converted) return false;
    der = *std::move(converted);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool valid =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, algorithm.digest(), nullptr,
                           key.public_key.get()) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()) == 1;
  // A failed verification leaves reasons on this thread's error queue,
  // where they would confuse the next OpenSSL user (a TLS connection).
  ERR_clear_error();
  return valid;
}

absl::Status CheckAudience(const web::json::value& claims,
                           const std::string& audience) {
  const web::json::value* aud = Field(claims, "aud");
  if (aud == nullptr) return Refuse("token has no aud claim");
  if (aud->is_string()) {
    if (aud->as_string() == audience) return absl::OkStatus();
    return Refuse(absl::StrCat("token audience ",
                               text::QuoteUntrusted(aud->as_string()),
                               " is not accepted"));
  }
  if (aud->is_array()) {
    for (const web::json::value& member : aud->as_array()) {
      if (member.is_string() && member.as_string() == audience) {
        return absl::OkStatus();
      }
    }
    return Refuse(absl::StrCat("none of the token's ", aud->as_array().size(),
                               " audiences is accepted"));
  }
  return Refuse("token aud claim is not a string or an array");
}

}  // namespace

JwtVerifier::JwtVerifier(std::shared_ptr<KeySource> keys,
                         JwtVerifierOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {
  options_.clock_skew =
      std::clamp(options_.clock_skew, absl::ZeroDuration(), kMaxClockSkew);
  if (!options_.clock) options_.clock = absl::Now;
}

absl::StatusOr<VerifiedToken> JwtVerifier::Verify(
    absl::string_view token) const {
  if (token.empty()) return Refuse("missing bearer token");
  if (token.size() > kMaxTokenBytes) {
    return Refuse(
        absl::StrCat("token is larger than ", kMaxTokenBytes, " bytes"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Refuse(absl::StrCat("token is not a compact JWS (", parts.size(),
                               " parts, expected 3)"));
  }

  // Everything that needs no key is checked first: a malformed token never
  // costs a key lookup, which may read the JWKS file.
  absl::StatusOr<web::json::value> header =
      DecodeJsonObject(parts[0], "token header is");
  if (!header.ok()) return header.status();
  std::optional<std::string> alg_name = StringClaim(*header, "alg");
  if (!alg_name) return Refuse("token header has no alg");
  const Algorithm* algorithm = FindAlgorithm(*alg_name);
  if (algorithm == nullptr) {
    return Refuse(absl::StrCat("algorithm ", text::QuoteUntrusted(*alg_name),
                               " is not accepted"));
  }
  // RFC 7515 section 4.1.11: extensions marked critical must be understood,
  // and the gateway understands none.
  if (Field(*header, "crit") != nullptr) {
    return Refuse("token header has a crit parameter, which is not supported");
  }
  std::optional<std::string> kid = StringClaim(*header, "kid");
  if (!kid || kid->empty()) return Refuse("token header has no kid");
  absl::StatusOr<web::json::value> claims =
      DecodeJsonObject(parts[1], "token claims are");
  if (!claims.ok()) return claims.status();
  std::optional<std::string> signature = DecodeBase64Url(parts[2]);
  if (!signature || signature->empty()) {
    return Refuse("token signature is not base64url");
  }

  std::shared_ptr<const JsonWebKey> key = keys_->FindKey(*kid);
  if (key == nullptr) {
    return Refuse(
        absl::StrCat("unknown signing key ", text::QuoteUntrusted(*kid)));
  }
  // The algorithm must fit the key: accepting RS256 over an EC key (or HS256
  // over any public key) is the classic algorithm-confusion hole.
  if (algorithm->key_type != key->type) {
    return Refuse(absl::StrCat(
        "algorithm ", algorithm->name, " does not fit signing key ",
        text::QuoteUntrusted(*kid), " (", KeyTypeName(key->type), ")"));
  }
  if (!key->alg.empty() && key->alg != algorithm->name) {
    return Refuse(absl::StrCat(
        "algorithm ", algorithm->name, " does not fit signing key ",
        text::QuoteUntrusted(*kid), " (", key->alg, " only)"));
  }
  const absl::string_view signing_input(token.data(),
                                        parts[0].size() + 1 + parts[1].size());
  if (!SignatureIsValid(*algorithm, *key, signing_input, *signature)) {
    return Refuse("token signature is invalid");
  }

  // The signature holds: now the claims are the issuer's word.
  const absl::Time now = options_.clock();
  absl::StatusOr<std::optional<absl::Time>> exp = TimeClaim(*claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Refuse("token has no exp claim");
  if (now >= **exp + options_.clock_skew) {
    return Refuse(absl::StrCat("token expired at ", FormatClaimTime(**exp)));
  }
  absl::StatusOr<std::optional<absl::Time>> nbf = TimeClaim(*claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && now < **nbf - options_.clock_skew) {
    return Refuse(
        absl::StrCat("token not valid before ", FormatClaimTime(**nbf)));
  }
  if (!options_.issuer.empty()) {
    std::optional<std::string> iss = StringClaim(*claims, "iss");
    if (!iss) return Refuse("token has no iss claim");
    if (*iss != options_.issuer) {
      return Refuse(absl::StrCat("token issuer ", text::QuoteUntrusted(*iss),
                                 " is not accepted"));
    }
  }
  if (!options_.audience.empty()) {
    absl::Status audience = CheckAudience(*claims, options_.audience);
    if (!audience.ok()) return audience;
  }

  VerifiedToken verified;
  verified.expires_at = **exp;
  verified.key_id = *kid;
  for (const char* name : {"appid", "azp", "sub"}) {
    if (std::optional<std::string> identity = StringClaim(*claims, name);
        identity && !identity->empty()) {
      verified.identity = *std::move(identity);
      break;
    }
  }
  // A roles or scp claim of the wrong type grants nothing rather than
  // refusing the token: permissions are checked per call.
  if (const web::json::value* roles = Field(*claims, "roles");
      roles != nullptr && roles->is_array()) {
    for (const web::json::value& role : roles->as_array()) {
      if (role.is_string()) verified.roles.push_back(role.as_string());
    }
  }
  if (std::optional<std::string> scp = StringClaim(*claims, "scp")) {
    for (absl::string_view scope :
         absl::StrSplit(*scp, ' ', absl::SkipEmpty())) {
      verified.scopes.emplace_back(scope);
    }
  }
  return verified;
}

}  // namespace ndes::auth
