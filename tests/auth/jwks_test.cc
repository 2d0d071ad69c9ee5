#include "auth/jwks.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/jwt_minter.h"

namespace ndes::auth {
namespace {

using ::ndes::testing::JwtMinter;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSource[] = "/etc/ndes/jwks.json";

// Keys are generated once: RSA key generation is slow.
class JwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    minter_ = new JwtMinter;
    minter_->AddRsaKey("rsa-1");
    minter_->AddEcKey("ec-1");
    minter_->AddRsaKey("rsa-small", 1024);
  }
  static void TearDownTestSuite() {
    delete minter_;
    minter_ = nullptr;
  }

  // A JWKS of the good RSA key and `jwk`.
  static std::string WithGoodKey(const std::string& jwk) {
    return absl::StrCat("{\"keys\":[", minter_->Jwk("rsa-1"), ",", jwk, "]}");
  }

  // `jwk` (a JSON object) with `member` (`"name":value`) added first.
  static std::string With(const std::string& jwk, const std::string& member) {
    return absl::StrCat("{", member, ",", jwk.substr(1));
  }

  // `jwk` with its first `from` replaced by `to`.
  static std::string Replace(std::string jwk, const std::string& from,
                             const std::string& to) {
    const size_t at = jwk.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) jwk.replace(at, from.size(), to);
    return jwk;
  }

  static JwtMinter* minter_;
};

JwtMinter* JwksTest::minter_ = nullptr;

TEST_F(JwksTest, ParsesRsaAndEcKeys) {
  absl::StatusOr<Jwks> jwks =
      Jwks::Parse(minter_->Jwks({"rsa-1", "ec-1"}), kSource);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_EQ(jwks->size(), 2u);
  EXPECT_THAT(jwks->skipped(), IsEmpty());

  const JsonWebKey* rsa = jwks->Find("rsa-1");
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(rsa->kid, "rsa-1");
  EXPECT_EQ(rsa->type, KeyType::kRsa);
  EXPECT_EQ(rsa->alg, "");
  ASSERT_NE(rsa->public_key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(rsa->public_key.get()), 2048);

  const JsonWebKey* ec = jwks->Find("ec-1");
  ASSERT_NE(ec, nullptr);
  EXPECT_EQ(ec->type, KeyType::kEcP256);
  ASSERT_NE(ec->public_key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(ec->public_key.get(), "EC"));

  EXPECT_EQ(jwks->Find("rsa-2"), nullptr);
  EXPECT_EQ(jwks->Find(""), nullptr);
}

TEST_F(JwksTest, KeepsTheKeysOwnAlg) {
  absl::StatusOr<Jwks> jwks = Jwks::Parse(
      absl::StrCat("{\"keys\":[",
                   With(minter_->Jwk("rsa-1"), "\"alg\":\"RS384\""), "]}"),
      kSource);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_NE(jwks->Find("rsa-1"), nullptr);
  EXPECT_EQ(jwks->Find("rsa-1")->alg, "RS384");
}

TEST_F(JwksTest, KeyWithoutUseIsASigningKey) {
  // The minter writes "use":"sig"; take it out.
  const std::string jwk = Replace(minter_->Jwk("ec-1"), "\"use\":\"sig\",", "");
  absl::StatusOr<Jwks> jwks =
      Jwks::Parse(absl::StrCat("{\"keys\":[", jwk, "]}"), kSource);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_NE(jwks->Find("ec-1"), nullptr);
}

struct SkippedCase {
  std::string name;
  std::string jwk;
  std::string reason;
};

TEST_F(JwksTest, UnusableKeysAreSkippedWithAReason) {
  const std::string rsa = minter_->Jwk("rsa-1");
  const std::string ec = minter_->Jwk("ec-1");
  // A point that is not on P-256: x = y = 1.
  const std::string one = JwtMinter::Base64Url(std::string(31, '\0') + "\x01");
  const std::vector<SkippedCase> cases = {
      {"encryption key", Replace(ec, "\"use\":\"sig\"", "\"use\":\"enc\""),
       "key \"ec-1\" skipped: use \"enc\" is not \"sig\""},
      {"use not a string", Replace(ec, "\"use\":\"sig\"", "\"use\":1"),
       "key \"ec-1\" skipped: use (not a string) is not \"sig\""},
      {"symmetric key", R"({"kty":"oct","kid":"hmac-1","k":"c2VjcmV0"})",
       "key \"hmac-1\" skipped: kty \"oct\" is not supported"},
      {"OKP key", R"({"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":"AAAA"})",
       "key \"ed-1\" skipped: kty \"OKP\" is not supported"},
      {"no kty", R"({"kid":"k","n":"AQAB","e":"AQAB"})",
       "key \"k\" skipped: no \"kty\""},
      {"no kid", R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
       "key #2 skipped: no \"kid\""},
      {"empty kid", R"({"kty":"RSA","kid":"","n":"AQAB","e":"AQAB"})",
       "key #2 skipped: no \"kid\""},
      {"not an object", "42", "key #2 skipped: not a JSON object"},
      {"P-384 curve",
       R"({"kty":"EC","crv":"P-384","kid":"ec-384","x":"AAAA","y":"AAAA"})",
       "key \"ec-384\" skipped: crv \"P-384\" is not supported"},
      {"EC without crv", R"({"kty":"EC","kid":"ec-x","x":"AAAA","y":"AAAA"})",
       "key \"ec-x\" skipped: crv (none) is not supported"},
      {"RSA without n", R"({"kty":"RSA","kid":"r","e":"AQAB"})",
       "key \"r\" skipped: RSA key without \"n\" and \"e\""},
      {"RSA n not base64url",
       R"({"kty":"RSA","kid":"r","n":"a+b/","e":"AQAB"})",
       "key \"r\" skipped: \"n\" or \"e\" is not base64url"},
      {"RSA n padded", R"({"kty":"RSA","kid":"r","n":"AQA=","e":"AQAB"})",
       "key \"r\" skipped: \"n\" or \"e\" is not base64url"},
      {"RSA-1024", minter_->Jwk("rsa-small"),
       "key \"rsa-small\" skipped: RSA key of 1024 bits"},
      {"EC coordinate too short",
       absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":"e","x":")",
                    JwtMinter::Base64Url(std::string(31, 'x')), R"(","y":")",
                    one, "\"}"),
       "key \"e\" skipped: \"x\" and \"y\" are not 32-byte"},
      {"EC point off the curve",
       absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":"e","x":")", one,
                    R"(","y":")", one, "\"}"),
       "key \"e\" skipped: key material is not a valid key"},
      {"HS256 alg on an EC key", With(ec, "\"alg\":\"HS256\""),
       "key \"ec-1\" skipped: alg \"HS256\" is not supported with a P-256 key"},
      {"ES256 alg on an RSA key", With(rsa, "\"alg\":\"ES256\""),
       "skipped: alg \"ES256\" is not supported with an RSA key"},
      {"repeated kid", rsa, "key \"rsa-1\" skipped: repeats an earlier kid"},
  };
  for (const SkippedCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Jwks> jwks = Jwks::Parse(WithGoodKey(c.jwk), kSource);
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    EXPECT_EQ(jwks->size(), 1u);
    EXPECT_NE(jwks->Find("rsa-1"), nullptr);
    ASSERT_EQ(jwks->skipped().size(), 1u);
    EXPECT_THAT(jwks->skipped()[0], HasSubstr(c.reason));
  }
}

TEST_F(JwksTest, EmptyKeySetIsAnErrorNamingTheSource) {
  absl::StatusOr<Jwks> jwks = Jwks::Parse(R"({"keys":[]})", kSource);
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(jwks.status().message(),
            "JWKS /etc/ndes/jwks.json has no usable signing key (the \"keys\" "
            "array is empty)");
}

TEST_F(JwksTest, NoUsableKeyIsAnErrorSayingWhy) {
  absl::StatusOr<Jwks> jwks = Jwks::Parse(
      R"({"keys":[{"kty":"oct","kid":"a","k":"AA"},{"kid":"b","kty":"RSA","use":"enc"}]})",
      kSource);
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(jwks.status().message(),
              HasSubstr("JWKS /etc/ndes/jwks.json has no usable signing key"));
  EXPECT_THAT(jwks.status().message(),
              HasSubstr("key \"a\" skipped: kty \"oct\" is not supported"));
  EXPECT_THAT(jwks.status().message(),
              HasSubstr("key \"b\" skipped: use \"enc\" is not \"sig\""));
}

TEST_F(JwksTest, MalformedDocumentsAreErrorsNamingTheSource) {
  struct Case {
    const char* document;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "is not JSON"},
           {"{\"keys\":[", "is not JSON"},
           {"not json", "is not JSON"},
           {"[]", "is not an object with a \"keys\" array"},
           {"{}", "is not an object with a \"keys\" array"},
           {"{\"keys\":{}}", "is not an object with a \"keys\" array"},
           {"{\"keys\":null}", "is not an object with a \"keys\" array"},
       }) {
    SCOPED_TRACE(c.document);
    absl::StatusOr<Jwks> jwks = Jwks::Parse(c.document, kSource);
    EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(jwks.status().message(), HasSubstr(kSource));
    EXPECT_THAT(jwks.status().message(), HasSubstr(c.message));
  }
}

TEST_F(JwksTest, LongKidsAreCutShortInReasons) {
  const std::string kid(500, 'k');
  absl::StatusOr<Jwks> jwks = Jwks::Parse(
      WithGoodKey(absl::StrCat(R"({"kty":"oct","kid":")", kid, "\"}")),
      kSource);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->skipped().size(), 1u);
  EXPECT_LT(jwks->skipped()[0].size(), 150u);
  EXPECT_THAT(jwks->skipped()[0], HasSubstr("\"... skipped"));
}

TEST_F(JwksTest, LoadJwksFileReadsTheFile) {
  const std::string path = ::testing::TempDir() + "ndes-jwks-test-load.json";
  minter_->WriteJwks(path, {"ec-1"});
  absl::StatusOr<Jwks> jwks = LoadJwksFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  EXPECT_NE(jwks->Find("ec-1"), nullptr);
}

TEST_F(JwksTest, LoadJwksFileNamesAMissingFile) {
  const std::string path = ::testing::TempDir() + "ndes-jwks-test-missing.json";
  absl::StatusOr<Jwks> jwks = LoadJwksFile(path);
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(jwks.status().message(),
            absl::StrCat("cannot read JWKS file ", path));
}

TEST_F(JwksTest, LoadJwksFileNamesAFileWithoutKeys) {
  const std::string path = ::testing::TempDir() + "ndes-jwks-test-empty.json";
  { std::ofstream(path) << R"({"keys":[]})"; }
  absl::StatusOr<Jwks> jwks = LoadJwksFile(path);
  std::remove(path.c_str());
  EXPECT_EQ(jwks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(jwks.status().message(), HasSubstr(path));
}

TEST(KeyTypeNameTest, NamesBothTypes) {
  EXPECT_EQ(KeyTypeName(KeyType::kRsa), "RSA");
  EXPECT_EQ(KeyTypeName(KeyType::kEcP256), "EC P-256");
}

}  // namespace
}  // namespace ndes::auth
