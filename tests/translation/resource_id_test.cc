#include "translation/resource_id.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPath[] = "ndes_connector.id";

bool HasNoControlCharacters(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

void ExpectRejected(const std::string& id, const std::string& message_part) {
  absl::Status status = ValidateConnectorId(id, kPath);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << id;
  EXPECT_THAT(status.message(), HasSubstr(kPath));
  EXPECT_THAT(status.message(), HasSubstr(message_part));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field, kPath)));
}

TEST(ValidateConnectorIdTest, AcceptsEveryAllowedCharacter) {
  EXPECT_TRUE(
      ValidateConnectorId(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
          "-_.",
          kPath)
          .ok());
}

TEST(ValidateConnectorIdTest, AcceptsGraphGuidsAndShortIds) {
  EXPECT_TRUE(
      ValidateConnectorId("e71fa706-a706-e71f-06a7-1fe706a71fe7", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId("a", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId("_", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId("-", kPath).ok());
}

TEST(ValidateConnectorIdTest, AcceptsDotsOtherThanDotAndDotDot) {
  EXPECT_TRUE(ValidateConnectorId("...", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId(".a", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId("a..b", kPath).ok());
  EXPECT_TRUE(ValidateConnectorId("ndes.01", kPath).ok());
}

TEST(ValidateConnectorIdTest, AcceptsExactly128Characters) {
  EXPECT_TRUE(
      ValidateConnectorId(std::string(kMaxConnectorIdLength, 'x'), kPath).ok());
}

TEST(ValidateConnectorIdTest, RejectsEmptyId) {
  ExpectRejected("", "must not be empty");
}

TEST(ValidateConnectorIdTest, RejectsIdLongerThan128Characters) {
  ExpectRejected(std::string(kMaxConnectorIdLength + 1, 'x'),
                 "is 129 characters long; at most 128");
}

TEST(ValidateConnectorIdTest, RejectsDotAndDotDot) {
  ExpectRejected(".", "must not be \".\"");
  ExpectRejected("..", "must not be \"..\"");
}

TEST(ValidateConnectorIdTest, RejectsEveryOtherCharacter) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool allowed = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                         (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
                         ch == '.';
    if (allowed) continue;
    const std::string id = std::string("ab") + ch + "cd";
    absl::Status status = ValidateConnectorId(id, kPath);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c;
    EXPECT_THAT(status.message(), HasSubstr("at position 2")) << c;
    EXPECT_THAT(status.message(), HasSubstr("only A-Z a-z 0-9 - _ ."));
  }
}

TEST(ValidateConnectorIdTest, NamesTheForbiddenCharacter) {
  ExpectRejected("a/b", "the character \"/\" at position 1");
  ExpectRejected("x?", "the character \"?\" at position 1");
  ExpectRejected("#", "the character \"#\" at position 0");
  ExpectRejected("a b", "the character \" \" at position 1");
}

TEST(ValidateConnectorIdTest, RejectsPathTraversalAndUrlSyntax) {
  for (const char* id : {"../etc", "a/../b", "a%2Fb", "a?x=1", "a#f", "a\\b",
                         "caf\xc3\xa9", "a:b", "a+b", "a~b"}) {
    EXPECT_EQ(ValidateConnectorId(id, kPath).code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
}

TEST(ValidateConnectorIdTest, MessageNeverEchoesControlCharacters) {
  const std::string id("a\n\x01\x1b[31m\r\x7f", 10);
  absl::Status status = ValidateConnectorId(id, kPath);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasNoControlCharacters(std::string(status.message())))
      << status.message();
  EXPECT_THAT(status.message(), HasSubstr("\\n"));
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    EXPECT_TRUE(HasNoControlCharacters(violation.description));
  }
}

TEST(ValidateConnectorIdTest, MessageNeverEchoesNulBytes) {
  const std::string id("ab\0cd", 5);
  absl::Status status = ValidateConnectorId(id, kPath);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()).find('\0'), std::string::npos);
  EXPECT_THAT(status.message(), HasSubstr("\\x00"));
}

TEST(ValidateConnectorIdTest, MessageQuotesOnlyTheStartOfAHugeId) {
  std::string id(100000, 'a');
  id[50] = '/';
  absl::Status status = ValidateConnectorId(id.substr(0, 100), kPath);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 200u) << status.message();
  EXPECT_THAT(status.message(), HasSubstr("\"..."));
  EXPECT_THAT(status.message(), HasSubstr("at position 50"));

  absl::Status too_long = ValidateConnectorId(id, kPath);
  ASSERT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(too_long.message().size(), 200u);
  EXPECT_THAT(too_long.message(), HasSubstr("100000 characters"));
}

TEST(ValidateConnectorIdTest, NamesTheGivenFieldPath) {
  absl::Status status = ValidateConnectorId("", "name");
  EXPECT_THAT(status.message(), HasSubstr("name must not be empty"));
  EXPECT_THAT(status.message(), Not(HasSubstr("ndes_connector")));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field, "name")));
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(GenerateConnectorIdTest, IsALowercaseVersion4Uuid) {
  for (int i = 0; i < 200; ++i) {
    const std::string id = GenerateConnectorId();
    ASSERT_EQ(id.size(), 36u) << id;
    for (int k = 0; k < 36; ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        EXPECT_EQ(id[k], '-') << id;
      } else {
        EXPECT_TRUE(IsLowerHex(id[k])) << id;
      }
    }
    EXPECT_EQ(id[14], '4') << id;  // version
    EXPECT_THAT(std::string("89ab"), HasSubstr(std::string(1, id[19])))
        << id;  // RFC 4122 variant
    EXPECT_TRUE(ValidateConnectorId(id, kPath).ok()) << id;
  }
}

TEST(GenerateConnectorIdTest, EveryRandomDigitVaries) {
  std::set<char> seen[36];
  for (int i = 0; i < 500; ++i) {
    const std::string id = GenerateConnectorId();
    for (int k = 0; k < 36; ++k) seen[k].insert(id[k]);
  }
  for (int k = 0; k < 36; ++k) {
    if (k == 8 || k == 13 || k == 18 || k == 23 || k == 14) {
      EXPECT_EQ(seen[k].size(), 1u) << k;
    } else if (k == 19) {
      EXPECT_EQ(seen[k].size(), 4u);
    } else {
      EXPECT_EQ(seen[k].size(), 16u) << "position " << k;
    }
  }
}

TEST(GenerateConnectorIdTest, DoesNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(GenerateConnectorId());
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace ndes::translation
