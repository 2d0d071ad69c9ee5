#include "auth/bearer.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BearerTest, ExtractsTheToken) {
  absl::StatusOr<absl::string_view> token =
      ExtractBearerToken("Bearer eyJhbGciOi.eyJzdWIi.c2ln");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "eyJhbGciOi.eyJzdWIi.c2ln");
}

TEST(BearerTest, SchemeIsCaseInsensitive) {
  for (const char* value :
       {"bearer abc.def.ghi", "BEARER abc.def.ghi", "bEaReR abc.def.ghi"}) {
    absl::StatusOr<absl::string_view> token = ExtractBearerToken(value);
    ASSERT_TRUE(token.ok()) << value << ": " << token.status();
    EXPECT_EQ(*token, "abc.def.ghi");
  }
}

TEST(BearerTest, AcceptsB64TokenCharactersAndTrailingEquals) {
  absl::StatusOr<absl::string_view> token =
      ExtractBearerToken("Bearer a-b_c.d~e+f/g==");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "a-b_c.d~e+f/g==");
}

TEST(BearerTest, MissingValueIsMissingToken) {
  for (const char* value : {"", "Bearer", "Bearer ", "bearer"}) {
    absl::StatusOr<absl::string_view> token = ExtractBearerToken(value);
    EXPECT_EQ(token.status().code(), absl::StatusCode::kUnauthenticated)
        << '"' << value << '"';
    EXPECT_EQ(token.status().message(), "missing bearer token")
        << '"' << value << '"';
  }
}

TEST(BearerTest, OtherSchemesAreRefused) {
  for (const char* value :
       {"Basic dXNlcjpwYXNz", "Bearerabc.def.ghi", "Token abc", "abc.def.ghi",
        "Bearer  abc.def.ghi", "Bearer  ", "Bearer abc def",
        "Bearer abc.def.ghi ", "Bearer\tabc", "Bearer abc=def", "Bearer ="}) {
    absl::StatusOr<absl::string_view> token = ExtractBearerToken(value);
    EXPECT_EQ(token.status().code(), absl::StatusCode::kUnauthenticated)
        << '"' << value << '"';
    EXPECT_EQ(token.status().message(), "authorization is not a bearer token")
        << '"' << value << '"';
  }
}

TEST(BearerTest, RefusalNeverEchoesTheValue) {
  absl::StatusOr<absl::string_view> token =
      ExtractBearerToken("Basic c2VjcmV0LXBhc3N3b3Jk");
  EXPECT_THAT(token.status().message(), Not(HasSubstr("c2VjcmV0")));
}

}  // namespace
}  // namespace ndes::auth
