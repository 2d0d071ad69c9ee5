#include "translation/date_time.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr std::int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z

google::protobuf::Timestamp Ts(std::int64_t seconds, std::int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

void ExpectParsesTo(const std::string& text, std::int64_t seconds,
                    std::int32_t nanos) {
  absl::StatusOr<google::protobuf::Timestamp> ts = ParseGraphDateTime(text);
  ASSERT_TRUE(ts.ok()) << text << ": " << ts.status();
  EXPECT_EQ(ts->seconds(), seconds) << text;
  EXPECT_EQ(ts->nanos(), nanos) << text;
}

void ExpectParseError(const std::string& text,
                      const std::string& message_part) {
  absl::StatusOr<google::protobuf::Timestamp> ts = ParseGraphDateTime(text);
  ASSERT_EQ(ts.status().code(), absl::StatusCode::kInvalidArgument) << text;
  EXPECT_THAT(ts.status().message(), HasSubstr("not an RFC 3339 date-time"));
  EXPECT_THAT(ts.status().message(), HasSubstr(message_part)) << text;
}

// --- ValidateTimestamp -------------------------------------------------

TEST(ValidateTimestampTest, AcceptsTheWholeRange) {
  EXPECT_TRUE(ValidateTimestamp(Ts(kMinSeconds), "f").ok());
  EXPECT_TRUE(ValidateTimestamp(Ts(kMaxSeconds, 999999999), "f").ok());
  EXPECT_TRUE(ValidateTimestamp(Ts(0), "f").ok());
  EXPECT_TRUE(ValidateTimestamp(Ts(-1, 1), "f").ok());
}

TEST(ValidateTimestampTest, RejectsSecondsBefore0001) {
  absl::Status status = ValidateTimestamp(
      Ts(kMinSeconds - 1), "ndes_connector.last_connection_date_time");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("ndes_connector.last_connection_date_time"));
  EXPECT_THAT(status.message(), HasSubstr("-62135596801"));
  EXPECT_THAT(status.message(), HasSubstr("0001-01-01T00:00:00Z"));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field,
                                "ndes_connector.last_connection_date_time")));
}

TEST(ValidateTimestampTest, RejectsSecondsAfter9999) {
  absl::Status status = ValidateTimestamp(Ts(kMaxSeconds + 1),
                                          "ndes_connector.enrolled_date_time");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ndes_connector.enrolled_date_time"));
  EXPECT_THAT(status.message(), HasSubstr("253402300800"));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field,
                                "ndes_connector.enrolled_date_time")));
}

TEST(ValidateTimestampTest, RejectsExtremeSeconds) {
  EXPECT_EQ(ValidateTimestamp(Ts(std::numeric_limits<std::int64_t>::min()), "f")
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTimestamp(Ts(std::numeric_limits<std::int64_t>::max()), "f")
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateTimestampTest, RejectsNanosOutsideZeroToNineNines) {
  for (std::int32_t nanos :
       {-1, 1000000000, std::numeric_limits<std::int32_t>::min(),
        std::numeric_limits<std::int32_t>::max()}) {
    absl::Status status = ValidateTimestamp(Ts(0, nanos), "x.ts");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << nanos;
    EXPECT_THAT(status.message(), HasSubstr("nanos " + std::to_string(nanos)));
    EXPECT_THAT(status.message(), HasSubstr("x.ts"));
    EXPECT_THAT(FieldViolationsOf(status),
                ElementsAre(Field(&FieldViolation::field, "x.ts")));
  }
}

// --- FormatGraphDateTime ---------------------------------------------------

TEST(FormatGraphDateTimeTest, WritesWholeSecondsWithoutFraction) {
  EXPECT_EQ(FormatGraphDateTime(Ts(1795860930)), "2026-11-28T10:15:30Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0)), "1970-01-01T00:00:00Z");
}

TEST(FormatGraphDateTimeTest, TrimsTrailingZerosOfTheFraction) {
  EXPECT_EQ(FormatGraphDateTime(Ts(1483257516, 667003300)),
            "2017-01-01T07:58:36.6670033Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, 500000000)), "1970-01-01T00:00:00.5Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, 1)), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, 120000)), "1970-01-01T00:00:00.00012Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, 999999999)),
            "1970-01-01T00:00:00.999999999Z");
}

TEST(FormatGraphDateTimeTest, WritesTimesBefore1970) {
  EXPECT_EQ(FormatGraphDateTime(Ts(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(-1, 500000000)), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(-2203891200)), "1900-03-01T00:00:00Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(-11644473600)), "1601-01-01T00:00:00Z");
}

TEST(FormatGraphDateTimeTest, WritesTheRangeBoundsWithFourDigitYears) {
  EXPECT_EQ(FormatGraphDateTime(Ts(kMinSeconds)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(kMaxSeconds, 999999999)),
            "9999-12-31T23:59:59.999999999Z");
}

TEST(FormatGraphDateTimeTest, WritesLeapDays) {
  EXPECT_EQ(FormatGraphDateTime(Ts(1709208000)), "2024-02-29T12:00:00Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(951782400)), "2000-02-29T00:00:00Z");
}

TEST(FormatGraphDateTimeTest, ClampsOutOfRangeInputToTheRange) {
  EXPECT_EQ(FormatGraphDateTime(Ts(std::numeric_limits<std::int64_t>::min())),
            "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(std::numeric_limits<std::int64_t>::max())),
            "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, -5)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatGraphDateTime(Ts(0, 2000000000)),
            "1970-01-01T00:00:00.999999999Z");
}

// absl's civil-time conversion is an independent oracle for our own.
TEST(FormatGraphDateTimeTest, AgreesWithAbslAcrossTheRange) {
  for (std::int64_t seconds = kMinSeconds; seconds <= kMaxSeconds;
       seconds += 7919 * 3607 + 13) {
    const absl::Time t = absl::FromUnixSeconds(seconds);
    const absl::CivilSecond civil = absl::ToCivilSecond(t, absl::UTCTimeZone());
    const std::string expected = absl::StrFormat(
        "%04d-%02d-%02dT%02d:%02d:%02dZ", civil.year(), civil.month(),
        civil.day(), civil.hour(), civil.minute(), civil.second());
    ASSERT_EQ(FormatGraphDateTime(Ts(seconds)), expected) << seconds;
  }
}

// --- ParseGraphDateTime ----------------------------------------------------

TEST(ParseGraphDateTimeTest, NormalisesGraphsOffsetExampleToUtc) {
  // Graph's own example: 2016-12-31T23:58:36.6670033-08:00 is
  // 2017-01-01T07:58:36.6670033Z.
  ExpectParsesTo("2016-12-31T23:58:36.6670033-08:00", 1483257516, 667003300);
  absl::StatusOr<google::protobuf::Timestamp> ts =
      ParseGraphDateTime("2016-12-31T23:58:36.6670033-08:00");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(FormatGraphDateTime(*ts), "2017-01-01T07:58:36.6670033Z");
}

TEST(ParseGraphDateTimeTest, ReadsUtcInEitherCase) {
  ExpectParsesTo("2026-11-28T10:15:30Z", 1795860930, 0);
  ExpectParsesTo("2026-11-28t10:15:30z", 1795860930, 0);
  ExpectParsesTo("2026-11-28T10:15:30+00:00", 1795860930, 0);
  ExpectParsesTo("2026-11-28T10:15:30-00:00", 1795860930, 0);
}

TEST(ParseGraphDateTimeTest, AppliesPositiveAndNegativeOffsets) {
  ExpectParsesTo("2026-11-28T15:45:30+05:30", 1795860930, 0);
  ExpectParsesTo("2026-11-28T00:15:30-10:00", 1795860930, 0);
  ExpectParsesTo("2026-11-29T09:14:30+22:59", 1795860930, 0);
  ExpectParsesTo("2026-11-27T10:16:30-23:59", 1795860930, 0);
}

TEST(ParseGraphDateTimeTest, ReadsOneToNineFractionalDigits) {
  ExpectParsesTo("1970-01-01T00:00:00.1Z", 0, 100000000);
  ExpectParsesTo("1970-01-01T00:00:00.12Z", 0, 120000000);
  ExpectParsesTo("1970-01-01T00:00:00.123Z", 0, 123000000);
  ExpectParsesTo("1970-01-01T00:00:00.1234Z", 0, 123400000);
  ExpectParsesTo("1970-01-01T00:00:00.12345Z", 0, 123450000);
  ExpectParsesTo("1970-01-01T00:00:00.123456Z", 0, 123456000);
  ExpectParsesTo("1970-01-01T00:00:00.1234567Z", 0, 123456700);
  ExpectParsesTo("1970-01-01T00:00:00.12345678Z", 0, 123456780);
  ExpectParsesTo("1970-01-01T00:00:00.123456789Z", 0, 123456789);
  ExpectParsesTo("1970-01-01T00:00:00.000000000Z", 0, 0);
  ExpectParsesTo("1970-01-01T00:00:00.000000001Z", 0, 1);
}

TEST(ParseGraphDateTimeTest, KeepsNanosPositiveBefore1970) {
  ExpectParsesTo("1969-12-31T23:59:59.5Z", -1, 500000000);
}

TEST(ParseGraphDateTimeTest, AcceptsTheRangeBounds) {
  ExpectParsesTo("0001-01-01T00:00:00Z", kMinSeconds, 0);
  ExpectParsesTo("9999-12-31T23:59:59.999999999Z", kMaxSeconds, 999999999);
  // In range once normalised to UTC.
  ExpectParsesTo("0000-12-31T23:00:00-01:00", kMinSeconds, 0);
}

TEST(ParseGraphDateTimeTest, RejectsTimesOutsideTheRangeInUtc) {
  ExpectParseError("0000-12-31T23:59:59Z", "outside");
  ExpectParseError("0001-01-01T00:00:00+00:01", "outside");
  ExpectParseError("9999-12-31T23:59:59-00:01", "outside");
  ExpectParseError("0000-01-01T00:00:00Z", "outside");
}

TEST(ParseGraphDateTimeTest, AcceptsLeapDays) {
  ExpectParsesTo("2024-02-29T12:00:00Z", 1709208000, 0);
  ExpectParsesTo("2000-02-29T00:00:00Z", 951782400, 0);
}

TEST(ParseGraphDateTimeTest, RejectsDaysThatDoNotExist) {
  ExpectParseError("2023-02-29T00:00:00Z", "day 29 does not exist in 2023-02");
  ExpectParseError("1900-02-29T00:00:00Z", "day 29 does not exist in 1900-02");
  ExpectParseError("2024-02-30T00:00:00Z", "day 30");
  ExpectParseError("2024-04-31T00:00:00Z", "day 31");
  ExpectParseError("2024-12-32T00:00:00Z", "day 32");
  ExpectParseError("2024-12-00T00:00:00Z", "day 0");
  ExpectParseError("2024-13-01T00:00:00Z", "month 13");
  ExpectParseError("2024-00-01T00:00:00Z", "month 0");
}

TEST(ParseGraphDateTimeTest, RejectsTimesOfDayOutOfRange) {
  ExpectParseError("2024-01-01T24:00:00Z", "time of day");
  ExpectParseError("2024-01-01T23:60:00Z", "time of day");
  ExpectParseError("2024-01-01T23:59:61Z", "second 61");
}

TEST(ParseGraphDateTimeTest, RejectsLeapSecondsThatTimestampCannotHold) {
  ExpectParseError("2016-12-31T23:59:60Z", "leap seconds");
}

TEST(ParseGraphDateTimeTest, RejectsMoreThanNineFractionalDigits) {
  ExpectParseError("2016-12-31T23:58:36.6670033000Z",
                   "more than 9 fractional digits");
  ExpectParseError("2016-12-31T23:58:36." + std::string(10000, '1') + "Z",
                   "more than 9 fractional digits");
}

TEST(ParseGraphDateTimeTest, RejectsOffsetsOutOfRange) {
  ExpectParseError("2024-01-01T00:00:00+24:00", "offset");
  ExpectParseError("2024-01-01T00:00:00-05:60", "offset");
}

TEST(ParseGraphDateTimeTest, RejectsWhatRfc3339DoesNotAllow) {
  for (const char* text : {
           "",
           "2016",
           "2016-12-31",
           "2016-12-31T23:58:36",       // no offset
           "2016-12-31T23:58Z",         // no seconds
           "2016-12-31 23:58:36Z",      // space separator
           "2016-12-31T23:58:36.Z",     // empty fraction
           "2016-12-31T23:58:36,5Z",    // comma fraction
           "2016-12-31T23:58:36+0530",  // offset without colon
           "2016-12-31T23:58:36+05",    // offset without minutes
           "2016-12-31T23:58:36+5:30",  // one-digit offset hour
           "2016-12-31T23:58:36ZZ",     // trailing garbage
           "2016-12-31T23:58:36Z ",     // trailing space
           " 2016-12-31T23:58:36Z",     // leading space
           "2016-12-31T23:58:36.5-08:00x",
           "2016-1-31T23:58:36Z",    // one-digit month
           "16-12-31T23:58:36Z",     // two-digit year
           "10000-01-01T00:00:00Z",  // five-digit year
           "+2016-12-31T23:58:36Z",  // signed year
           "-2016-12-31T23:58:36Z",
           "20161231T235836Z",  // ISO 8601 basic format
           "2016-12-31T23:58:36UTC",
           "2016-12-31T23:58:36GMT+1",
           "2016-12-31T23:58:36.+1Z",
           "2016-12-31T2a:58:36Z",
           "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x91\xef\xbc\x96-12-31T23:58:36Z",
           "yesterday",
           "1483257516",
       }) {
    absl::StatusOr<google::protobuf::Timestamp> ts = ParseGraphDateTime(text);
    EXPECT_EQ(ts.status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
}

TEST(ParseGraphDateTimeTest, RejectsEmbeddedNul) {
  ExpectParseError(std::string("2016-12-31T23:58:36Z\0", 21),
                   "unexpected characters");
  ExpectParseError(std::string("2016-12-31T23:58:36\0Z", 21), "expected");
}

TEST(ParseGraphDateTimeTest, ErrorQuotesTheTextEscapedAndBounded) {
  const std::string text = "\x01\n\x1b[2J" + std::string(100000, '9');
  absl::StatusOr<google::protobuf::Timestamp> ts = ParseGraphDateTime(text);
  ASSERT_EQ(ts.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(ts.status().message());
  EXPECT_LT(message.size(), 300u);
  for (unsigned char c : message) EXPECT_GE(c, 0x20) << message;
  EXPECT_THAT(message, HasSubstr("\\x01\\n"));
}

TEST(ParseGraphDateTimeTest, RoundTripsWhatFormatWrites) {
  for (std::int64_t seconds = kMinSeconds; seconds <= kMaxSeconds;
       seconds += 104729 * 1009 + 7) {
    for (std::int32_t nanos : {0, 1, 10, 667003300, 999999999}) {
      const google::protobuf::Timestamp ts = Ts(seconds, nanos);
      absl::StatusOr<google::protobuf::Timestamp> parsed =
          ParseGraphDateTime(FormatGraphDateTime(ts));
      ASSERT_TRUE(parsed.ok()) << FormatGraphDateTime(ts) << parsed.status();
      ASSERT_EQ(parsed->seconds(), seconds) << FormatGraphDateTime(ts);
      ASSERT_EQ(parsed->nanos(), nanos) << FormatGraphDateTime(ts);
    }
  }
}

}  // namespace
}  // namespace ndes::translation
