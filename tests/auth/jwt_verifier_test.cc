#include "auth/jwt_verifier.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "auth/key_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/jwt_minter.h"

namespace ndes::auth {
namespace {

using ::ndes::testing::JwtClaims;
using ::ndes::testing::JwtMinter;
using ::ndes::testing::kTestAppId;
using ::ndes::testing::kTestAudience;
using ::ndes::testing::kTestIssuer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 11, 28, 10, 0, 0), absl::UTCTimeZone());

constexpr char kRsaKid[] = "rsa-1";
constexpr char kEcKid[] = "ec-1";
constexpr char kReadWrite[] = "DeviceManagementConfiguration.ReadWrite.All";

// Keys are generated once for all tests: RSA key generation is slow.
class JwtVerifierTestBase {
 protected:
  static void CreateKeys() {
    if (minter_ != nullptr) return;
    minter_ = new JwtMinter;
    minter_->AddRsaKey(kRsaKid);
    minter_->AddEcKey(kEcKid);
    // Same kids, different keys: what a forger would sign with.
    forger_ = new JwtMinter;
    forger_->AddRsaKey(kRsaKid);
    forger_->AddEcKey(kEcKid);
  }

  static std::shared_ptr<KeySource> Keys(const std::string& jwks_json) {
    absl::StatusOr<Jwks> jwks = Jwks::Parse(jwks_json, "test");
    EXPECT_TRUE(jwks.ok()) << jwks.status();
    return std::make_shared<StaticKeySource>(*std::move(jwks));
  }

  static JwtVerifierOptions Options() {
    JwtVerifierOptions options;
    options.issuer = kTestIssuer;
    options.audience = kTestAudience;
    options.clock = [] { return kNow; };
    return options;
  }

  static JwtVerifier Verifier(JwtVerifierOptions options = Options()) {
    return JwtVerifier(Keys(minter_->Jwks()), std::move(options));
  }

  // Verify refuses `token` with UNAUTHENTICATED and a message containing
  // `message`, and the message gives away no part of the token's
  // signature.
  static void ExpectRefused(const JwtVerifier& verifier,
                            const std::string& token,
                            const std::string& message) {
    absl::StatusOr<VerifiedToken> verified = verifier.Verify(token);
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated)
        << verified.status();
    // std::string: gtest prints it as text.
    const std::string actual(verified.status().message());
    EXPECT_THAT(actual, HasSubstr(message));
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    if (parts.size() == 3 && parts[2].size() >= 8) {
      EXPECT_THAT(actual, Not(HasSubstr(parts[2].substr(0, 8))));
    }
  }

  static JwtMinter* minter_;
  static JwtMinter* forger_;
};

JwtMinter* JwtVerifierTestBase::minter_ = nullptr;
JwtMinter* JwtVerifierTestBase::forger_ = nullptr;

// Every test here runs for RS256 (an RSA key) and ES256 (a P-256 key).
class JwtVerifierTest : public JwtVerifierTestBase,
                        public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { CreateKeys(); }

  const std::string& kid() const { return GetParam(); }
  std::string alg() const { return kid() == kRsaKid ? "RS256" : "ES256"; }
  std::string Mint(const JwtClaims& claims) const {
    return minter_->Mint(kid(), claims);
  }
  std::string Header() const {
    return absl::StrCat(R"({"alg":")", alg(), R"(","kid":")", kid(), "\"}");
  }
};

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtVerifierTest,
                         ::testing::Values(kRsaKid, kEcKid),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == kRsaKid ? "RS256" : "ES256";
                         });

TEST_P(JwtVerifierTest, AcceptsAValidToken) {
  absl::StatusOr<VerifiedToken> verified =
      Verifier().Verify(Mint(JwtClaims::Standard(kNow)));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->identity, kTestAppId);
  EXPECT_THAT(verified->roles, ElementsAre(kReadWrite));
  EXPECT_THAT(verified->scopes, IsEmpty());
  EXPECT_EQ(verified->expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(verified->key_id, kid());
}

TEST_P(JwtVerifierTest, RefusesAnExpiredToken) {
  ExpectRefused(Verifier(), Mint(JwtClaims::Standard(kNow - absl::Hours(2))),
                "token expired at 2026-11-28T09:00:00Z");
}

TEST_P(JwtVerifierTest, ToleratesExpiryWithinTheClockSkew) {
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(verifier
                  .Verify(Mint(JwtClaims::Standard(kNow).Set(
                      "exp", kNow - absl::Seconds(59))))
                  .ok());
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("exp", kNow - absl::Seconds(61))),
      "token expired at 2026-11-28T09:58:59Z");
}

TEST_P(JwtVerifierTest, ToleratesNotBeforeWithinTheClockSkew) {
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(verifier
                  .Verify(Mint(JwtClaims::Standard(kNow).Set(
                      "nbf", kNow + absl::Seconds(59))))
                  .ok());
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("nbf", kNow + absl::Seconds(61))),
      "token not valid before 2026-11-28T10:01:01Z");
}

TEST_P(JwtVerifierTest, ClockSkewIsNeverMoreThanSixtySeconds) {
  JwtVerifierOptions options = Options();
  options.clock_skew = absl::Hours(1);
  JwtVerifier verifier = Verifier(options);
  EXPECT_EQ(verifier.clock_skew(), absl::Seconds(60));
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("exp", kNow - absl::Seconds(61))),
      "token expired");
}

TEST_P(JwtVerifierTest, ZeroClockSkewIsExact) {
  JwtVerifierOptions options = Options();
  options.clock_skew = absl::ZeroDuration();
  JwtVerifier verifier = Verifier(options);
  ExpectRefused(verifier, Mint(JwtClaims::Standard(kNow).Set("exp", kNow)),
                "token expired");
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("nbf", kNow + absl::Seconds(1))),
      "token not valid before");
  EXPECT_TRUE(verifier
                  .Verify(Mint(JwtClaims::Standard(kNow).Set(
                      "exp", kNow + absl::Seconds(1))))
                  .ok());
}

TEST_P(JwtVerifierTest, RefusesATokenWithoutExp) {
  ExpectRefused(Verifier(), Mint(JwtClaims::Standard(kNow).Remove("exp")),
                "token has no exp claim");
}

TEST_P(JwtVerifierTest, RefusesTimeClaimsThatAreNotNumbers) {
  JwtVerifier verifier = Verifier();
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).SetJson("exp", "\"1900000000\"")),
      "token exp claim is not a number");
  ExpectRefused(verifier,
                Mint(JwtClaims::Standard(kNow).SetJson("nbf", "null")),
                "token nbf claim is not a number");
}

TEST_P(JwtVerifierTest, AcceptsFractionalAndHugeExp) {
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(
      verifier
          .Verify(Mint(JwtClaims::Standard(kNow).SetJson(
              "exp", absl::StrCat(absl::ToUnixSeconds(kNow) + 10, ".5"))))
          .ok());
  EXPECT_TRUE(
      verifier.Verify(Mint(JwtClaims::Standard(kNow).SetJson("exp", "1e300")))
          .ok());
  ExpectRefused(verifier,
                Mint(JwtClaims::Standard(kNow).SetJson("exp", "-1e300")),
                "token expired");
}

TEST_P(JwtVerifierTest, RefusesAnotherIssuer) {
  JwtVerifier verifier = Verifier();
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("iss", "https://evil.test/")),
      "token issuer \"https://evil.test/\" is not accepted");
  ExpectRefused(verifier, Mint(JwtClaims::Standard(kNow).Remove("iss")),
                "token has no iss claim");
  ExpectRefused(verifier,
                Mint(JwtClaims::Standard(kNow).SetJson("iss", "[\"x\"]")),
                "token has no iss claim");
}

TEST_P(JwtVerifierTest, IssuerIsNotCheckedWhenNotConfigured) {
  JwtVerifierOptions options = Options();
  options.issuer.clear();
  EXPECT_TRUE(Verifier(options)
                  .Verify(Mint(JwtClaims::Standard(kNow).Remove("iss")))
                  .ok());
}

TEST_P(JwtVerifierTest, RefusesAnotherAudience) {
  JwtVerifier verifier = Verifier();
  ExpectRefused(verifier,
                Mint(JwtClaims::Standard(kNow).Set("aud", "api://other")),
                "token audience \"api://other\" is not accepted");
  ExpectRefused(verifier,
                Mint(JwtClaims::Standard(kNow).Set(
                    "aud", std::vector<std::string>{"api://a", "api://b"})),
                "none of the token's 2 audiences is accepted");
  ExpectRefused(verifier, Mint(JwtClaims::Standard(kNow).Remove("aud")),
                "token has no aud claim");
  ExpectRefused(verifier, Mint(JwtClaims::Standard(kNow).SetJson("aud", "7")),
                "token aud claim is not a string or an array");
  // Case matters.
  ExpectRefused(
      verifier,
      Mint(JwtClaims::Standard(kNow).Set("aud", "API://NDES-GATEWAY-TEST")),
      "is not accepted");
}

TEST_P(JwtVerifierTest, AcceptsTheAudienceInAnArray) {
  EXPECT_TRUE(
      Verifier()
          .Verify(Mint(JwtClaims::Standard(kNow).Set(
              "aud", std::vector<std::string>{"api://other", kTestAudience})))
          .ok());
}

TEST_P(JwtVerifierTest, AudienceIsNotCheckedWhenNotConfigured) {
  JwtVerifierOptions options = Options();
  options.audience.clear();
  EXPECT_TRUE(Verifier(options)
                  .Verify(Mint(JwtClaims::Standard(kNow).Remove("aud")))
                  .ok());
}

TEST_P(JwtVerifierTest, RefusesATamperedSignature) {
  ExpectRefused(Verifier(),
                JwtMinter::TamperSignature(Mint(JwtClaims::Standard(kNow))),
                "token signature is invalid");
}

TEST_P(JwtVerifierTest, RefusesTamperedClaims) {
  const std::string token = Mint(JwtClaims::Standard(kNow));
  ExpectRefused(Verifier(),
                JwtMinter::ReplaceClaims(
                    token, JwtClaims::Standard(kNow)
                               .Set("exp", kNow + absl::Hours(24 * 365))
                               .Json()),
                "token signature is invalid");
}

TEST_P(JwtVerifierTest, RefusesATokenSignedByAnotherKeyWithTheSameKid) {
  ExpectRefused(Verifier(), forger_->Mint(kid(), JwtClaims::Standard(kNow)),
                "token signature is invalid");
}

TEST_P(JwtVerifierTest, RefusesAnUnknownKid) {
  JwtMinter other;
  other.AddEcKey("kid1");
  ExpectRefused(Verifier(), other.Mint("kid1", JwtClaims::Standard(kNow)),
                "unknown signing key \"kid1\"");
}

TEST_P(JwtVerifierTest, RefusesAMissingKid) {
  const std::string claims = JwtClaims::Standard(kNow).Json();
  JwtVerifier verifier = Verifier();
  ExpectRefused(verifier,
                minter_->MintWithHeader(
                    kid(), absl::StrCat(R"({"alg":")", alg(), "\"}"), claims),
                "token header has no kid");
  ExpectRefused(
      verifier,
      minter_->MintWithHeader(
          kid(), absl::StrCat(R"({"alg":")", alg(), R"(","kid":""})"), claims),
      "token header has no kid");
  ExpectRefused(
      verifier,
      minter_->MintWithHeader(
          kid(), absl::StrCat(R"({"alg":")", alg(), R"(","kid":7})"), claims),
      "token header has no kid");
}

TEST_P(JwtVerifierTest, RefusesAlgNone) {
  const std::string claims = JwtClaims::Standard(kNow).Json();
  JwtVerifier verifier = Verifier();
  for (const char* alg : {"none", "None", "NONE"}) {
    ExpectRefused(
        verifier,
        JwtMinter::MintUnsigned(
            absl::StrCat(R"({"alg":")", alg, R"(","kid":")", kid(), "\"}"),
            claims),
        absl::StrCat("algorithm \"", alg, "\" is not accepted"));
  }
  // alg none with a signature that is valid for the key.
  ExpectRefused(
      verifier,
      minter_->MintWithHeader(
          kid(), absl::StrCat(R"({"alg":"none","kid":")", kid(), "\"}"),
          claims),
      "algorithm \"none\" is not accepted");
}

TEST_P(JwtVerifierTest, RefusesHs256EvenKeyedWithThePublicKey) {
  ExpectRefused(Verifier(),
                JwtMinter::MintHs256(
                    minter_->PublicKeyPem(kid()),
                    absl::StrCat(R"({"alg":"HS256","kid":")", kid(), "\"}"),
                    JwtClaims::Standard(kNow).Json()),
                "algorithm \"HS256\" is not accepted");
}

TEST_P(JwtVerifierTest, RefusesOtherAlgorithms) {
  JwtVerifier verifier = Verifier();
  const std::string claims = JwtClaims::Standard(kNow).Json();
  for (const char* alg :
       {"PS256", "ES384", "ES512", "EdDSA", "rs256", "HS512", "RSA-OAEP", ""}) {
    ExpectRefused(
        verifier,
        minter_->MintWithHeader(
            kid(),
            absl::StrCat(R"({"alg":")", alg, R"(","kid":")", kid(), "\"}"),
            claims),
        absl::StrCat("algorithm \"", alg, "\" is not accepted"));
  }
  ExpectRefused(verifier,
                minter_->MintWithHeader(
                    kid(), absl::StrCat(R"({"kid":")", kid(), "\"}"), claims),
                "token header has no alg");
}

TEST_P(JwtVerifierTest, RefusesACritHeader) {
  ExpectRefused(Verifier(),
                minter_->MintWithHeader(
                    kid(),
                    absl::StrCat(R"({"alg":")", alg(), R"(","kid":")", kid(),
                                 R"(","crit":["exp"],"exp":1})"),
                    JwtClaims::Standard(kNow).Json()),
                "crit");
}

TEST_P(JwtVerifierTest, RefusesMalformedTokens) {
  JwtVerifier verifier = Verifier();
  const std::string good = Mint(JwtClaims::Standard(kNow));
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  ASSERT_EQ(parts.size(), 3u);
  const std::string claims = JwtClaims::Standard(kNow).Json();

  ExpectRefused(verifier, absl::StrCat(parts[0], ".", parts[1]),
                "token is not a compact JWS (2 parts, expected 3)");
  ExpectRefused(verifier, absl::StrCat(good, ".", parts[2]),
                "token is not a compact JWS (4 parts, expected 3)");
  ExpectRefused(verifier, "abc", "token is not a compact JWS (1 parts");
  ExpectRefused(verifier, "", "missing bearer token");
  ExpectRefused(verifier, "..", "token header is not a JSON object");
  ExpectRefused(
      verifier,
      absl::StrCat("!", parts[0].substr(1), ".", parts[1], ".", parts[2]),
      "token header is not base64url");
  ExpectRefused(verifier, absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]),
                "token header is not base64url");
  ExpectRefused(verifier, absl::StrCat(parts[0], ".", parts[1], "$.", parts[2]),
                "token claims are not base64url");
  ExpectRefused(verifier,
                absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "=="),
                "token signature is not base64url");
  ExpectRefused(verifier, absl::StrCat(parts[0], ".", parts[1], "."),
                "token signature is not base64url");
  // Standard base64 in place of base64url.
  std::string signature = parts[2];
  for (char& c : signature) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (signature != parts[2]) {
    ExpectRefused(verifier,
                  absl::StrCat(parts[0], ".", parts[1], ".", signature),
                  "token signature is not base64url");
  }
  // Headers and claims that are JSON, but not objects; or not JSON at all.
  for (const char* json :
       {"[1,2]", "\"text\"", "42", "null", "{\"alg\":", "not json"}) {
    SCOPED_TRACE(json);
    ExpectRefused(verifier, minter_->MintWithHeader(kid(), json, claims),
                  "token header is not a JSON object");
    ExpectRefused(verifier, minter_->MintWithHeader(kid(), Header(), json),
                  "token claims are not a JSON object");
  }
}

TEST_P(JwtVerifierTest, RefusesAHugeToken) {
  ExpectRefused(
      Verifier(),
      Mint(JwtClaims::Standard(kNow).Set("pad", std::string(40000, 'x'))),
      "token is larger than 32768 bytes");
}

TEST_P(JwtVerifierTest, RefusalsNeverEchoTheToken) {
  const std::string token =
      Mint(JwtClaims::Standard(kNow).Set("exp", kNow - absl::Hours(1)));
  absl::StatusOr<VerifiedToken> verified = Verifier().Verify(token);
  ASSERT_FALSE(verified.ok());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  for (const std::string& part : parts) {
    EXPECT_THAT(verified.status().message(), Not(HasSubstr(part.substr(0, 8))));
  }
}

TEST_P(JwtVerifierTest, QuotedClaimValuesAreEscapedAndCut) {
  absl::StatusOr<VerifiedToken> verified =
      Verifier().Verify(Mint(JwtClaims::Standard(kNow).Set(
          "iss", std::string("evil\n\"x") + std::string(200, 'a'))));
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(verified.status().message(), HasSubstr("evil\\n\\\"x"));
  EXPECT_THAT(verified.status().message(), Not(HasSubstr("\n")));
  EXPECT_LT(verified.status().message().size(), 120u);
}

TEST_P(JwtVerifierTest, IdentityFallsBackFromAppidToAzpToSub) {
  JwtVerifier verifier = Verifier();
  absl::StatusOr<VerifiedToken> azp =
      verifier.Verify(Mint(JwtClaims::Standard(kNow)
                               .Remove("appid")
                               .Set("azp", "azp-id")
                               .Set("sub", "sub-id")));
  ASSERT_TRUE(azp.ok()) << azp.status();
  EXPECT_EQ(azp->identity, "azp-id");

  absl::StatusOr<VerifiedToken> sub = verifier.Verify(
      Mint(JwtClaims::Standard(kNow).Remove("appid").Set("sub", "sub-id")));
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_EQ(sub->identity, "sub-id");

  absl::StatusOr<VerifiedToken> none =
      verifier.Verify(Mint(JwtClaims::Standard(kNow).Remove("appid")));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->identity, "");
}

TEST_P(JwtVerifierTest, ReadsScopesFromScp) {
  absl::StatusOr<VerifiedToken> verified =
      Verifier().Verify(Mint(JwtClaims::Standard(kNow).Remove("roles").Set(
          "scp", "User.Read  DeviceManagementConfiguration.Read.All ")));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_THAT(
      verified->scopes,
      ElementsAre("User.Read", "DeviceManagementConfiguration.Read.All"));
  EXPECT_THAT(verified->roles, IsEmpty());
}

TEST_P(JwtVerifierTest, RolesAndScpOfTheWrongTypeGrantNothing) {
  absl::StatusOr<VerifiedToken> verified = Verifier().Verify(Mint(
      JwtClaims::Standard(kNow)
          .SetJson("roles", "\"DeviceManagementConfiguration.ReadWrite.All\"")
          .SetJson("scp",
                   "[\"DeviceManagementConfiguration.ReadWrite.All\"]")));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_THAT(verified->roles, IsEmpty());
  EXPECT_THAT(verified->scopes, IsEmpty());

  absl::StatusOr<VerifiedToken> mixed = Verifier().Verify(
      Mint(JwtClaims::Standard(kNow).SetJson("roles", "[1, \"A.B\", null]")));
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_THAT(mixed->roles, ElementsAre("A.B"));
}

// Tests that need particular keys rather than one per algorithm.
class JwtVerifierKeyTest : public JwtVerifierTestBase, public ::testing::Test {
 protected:
  static void SetUpTestSuite() { CreateKeys(); }
};

// Algorithm confusion: a header naming another key type than the key's.
TEST_F(JwtVerifierKeyTest, RefusesRs256OverAnEcKey) {
  ExpectRefused(
      Verifier(),
      minter_->MintWithHeader(kEcKid, R"({"alg":"RS256","kid":"ec-1"})",
                              JwtClaims::Standard(kNow).Json()),
      "algorithm RS256 does not fit signing key \"ec-1\" (EC P-256)");
}

TEST_F(JwtVerifierKeyTest, RefusesEs256OverAnRsaKey) {
  ExpectRefused(
      Verifier(),
      minter_->MintWithHeader(kRsaKid, R"({"alg":"ES256","kid":"rsa-1"})",
                              JwtClaims::Standard(kNow).Json()),
      "algorithm ES256 does not fit signing key \"rsa-1\" (RSA)");
}

TEST_F(JwtVerifierKeyTest, AcceptsRs384AndRs512WithAnRsaKey) {
  JwtVerifier verifier = Verifier();
  for (const char* alg : {"RS384", "RS512"}) {
    SCOPED_TRACE(alg);
    absl::StatusOr<VerifiedToken> verified =
        verifier.Verify(minter_->MintWithHeader(
            kRsaKid, absl::StrCat(R"({"alg":")", alg, R"(","kid":"rsa-1"})"),
            JwtClaims::Standard(kNow).Json()));
    EXPECT_TRUE(verified.ok()) << verified.status();
  }
}

TEST_F(JwtVerifierKeyTest, RefusesAnAlgTheJwkDoesNotAllow) {
  // The JWK says RS256 only.
  std::string jwk = minter_->Jwk(kRsaKid);
  jwk.insert(1, R"("alg":"RS256",)");
  JwtVerifier verifier(Keys(absl::StrCat("{\"keys\":[", jwk, "]}")), Options());
  EXPECT_TRUE(
      verifier.Verify(minter_->Mint(kRsaKid, JwtClaims::Standard(kNow))).ok());
  ExpectRefused(
      verifier,
      minter_->MintWithHeader(kRsaKid, R"({"alg":"RS384","kid":"rsa-1"})",
                              JwtClaims::Standard(kNow).Json()),
      "algorithm RS384 does not fit signing key \"rsa-1\" (RS256 "
      "only)");
}

TEST_F(JwtVerifierKeyTest, RefusesAnEs256SignatureInDer) {
  // Some libraries emit DER; JWS requires raw r || s.
  const std::string token = minter_->Mint(kEcKid, JwtClaims::Standard(kNow));
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  ExpectRefused(Verifier(),
                absl::StrCat(parts[0], ".", parts[1], ".",
                             JwtMinter::Base64Url(std::string(70, '\x30'))),
                "token signature is invalid");
  ExpectRefused(Verifier(),
                absl::StrCat(parts[0], ".", parts[1], ".",
                             JwtMinter::Base64Url(std::string(64, '\0'))),
                "token signature is invalid");
}

// The verifier over the JWKS file: a key rotation is picked up.
TEST_F(JwtVerifierKeyTest, PicksUpARotatedKeyFromTheJwksFile) {
  std::string dir = ::testing::TempDir() + "ndes-verifier-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/jwks.json";
  JwtMinter rotating;
  rotating.AddRsaKey("2026-11");
  rotating.AddEcKey("2026-12");
  rotating.WriteJwks(path, {"2026-11"});

  absl::Time now = kNow;
  JwksFileOptions file_options;
  file_options.path = path;
  file_options.clock = [&now] { return now; };
  absl::StatusOr<std::unique_ptr<JwksFileKeySource>> keys =
      JwksFileKeySource::Create(file_options);
  ASSERT_TRUE(keys.ok()) << keys.status();
  JwtVerifierOptions options = Options();
  options.clock = [&now] { return now; };
  JwtVerifier verifier(*std::move(keys), options);

  EXPECT_TRUE(
      verifier.Verify(rotating.Mint("2026-11", JwtClaims::Standard(now))).ok());
  rotating.WriteJwks(path, {"2026-11", "2026-12"});
  now += absl::Seconds(3);
  ExpectRefused(verifier, rotating.Mint("2026-12", JwtClaims::Standard(now)),
                "unknown signing key \"2026-12\"");
  now += absl::Seconds(10);
  absl::StatusOr<VerifiedToken> rotated =
      verifier.Verify(rotating.Mint("2026-12", JwtClaims::Standard(now)));
  EXPECT_TRUE(rotated.ok()) << rotated.status();

  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace ndes::auth
