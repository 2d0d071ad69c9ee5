#include "translation/date_time.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "text/untrusted_text.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

constexpr std::int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::int32_t kMaxNanos = 999999999;
constexpr std::int64_t kSecondsPerDay = 86400;
constexpr absl::string_view kRangeText =
    "0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z";
constexpr absl::string_view kExpectedForm =
    "expected YYYY-MM-DDTHH:MM:SS[.fraction] followed by Z or +HH:MM/-HH:MM";

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), valid for every year this file can produce or parse.
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year =
      (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  std::int64_t year;
  int month;
  int day;
};

CivilDate CivilFromDays(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                                    day_of_era / 36524 - day_of_era / 146096) /
                                   365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const int day =
      static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3
                                                        : shifted_month - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool IsLeapYear(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` ASCII digits at `*pos`.
bool ReadDigits(absl::string_view text, std::size_t* pos, int count,
                int* value) {
  if (text.size() - *pos < static_cast<std::size_t>(count)) return false;
  int result = 0;
  for (int i = 0; i < count; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    result = result * 10 + (c - '0');
  }
  *pos += count;
  *value = result;
  return true;
}

bool ReadChar(absl::string_view text, std::size_t* pos, char expected) {
  if (*pos >= text.size() || text[*pos] != expected) return false;
  ++*pos;
  return true;
}

bool ReadEitherChar(absl::string_view text, std::size_t* pos, char a, char b) {
  return ReadChar(text, pos, a) || ReadChar(text, pos, b);
}

absl::Status ParseError(absl::string_view text, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(
      text::QuoteUntrusted(text), " is not an RFC 3339 date-time: ", reason));
}

}  // namespace

bool IsValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.nanos() >= 0 && ts.nanos() <= kMaxNanos &&
         ts.seconds() >= kMinSeconds && ts.seconds() <= kMaxSeconds;
}

absl::Status ValidateTimestamp(const google::protobuf::Timestamp& ts,
                               absl::string_view field_path) {
  std::string problem;
  if (ts.nanos() < 0 || ts.nanos() > kMaxNanos) {
    problem =
        absl::StrCat("nanos ", ts.nanos(), " is outside [0, ", kMaxNanos, "]");
  } else if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds) {
    problem = absl::StrCat("seconds ", ts.seconds(), " is outside ", kRangeText,
                           " (seconds must be in [", kMinSeconds, ", ",
                           kMaxSeconds, "])");
  } else {
    return absl::OkStatus();
  }
  return InvalidArgumentWithViolations(absl::StrCat(field_path, ": ", problem),
                                       {{std::string(field_path), problem}});
}

std::string FormatGraphDateTime(const google::protobuf::Timestamp& ts) {
  // Out-of-range input breaks the precondition; clamping keeps the function
  // total and its output always a date-time that ParseGraphDateTime accepts.
  const std::int64_t seconds =
      std::clamp<std::int64_t>(ts.seconds(), kMinSeconds, kMaxSeconds);
  const std::int32_t nanos = std::clamp<std::int32_t>(ts.nanos(), 0, kMaxNanos);

  std::int64_t days = seconds / kSecondsPerDay;
  std::int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  std::string text = absl::StrFormat(
      "%04d-%02d-%02dT%02d:%02d:%02d", date.year, date.month, date.day,
      second_of_day / 3600, (second_of_day / 60) % 60, second_of_day % 60);
  if (nanos != 0) {
    std::string fraction = absl::StrFormat("%09d", nanos);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    absl::StrAppend(&text, ".", fraction);
  }
  text.push_back('Z');
  return text;
}

absl::StatusOr<google::protobuf::Timestamp> ParseGraphDateTime(
    absl::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !ReadChar(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !ReadChar(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day) ||
      !ReadEitherChar(text, &pos, 'T', 't') ||
      !ReadDigits(text, &pos, 2, &hour) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !ReadChar(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return ParseError(text, kExpectedForm);
  }

  int nanos = 0;
  if (ReadChar(text, &pos, '.')) {
    int digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits == 9) {
        return ParseError(text, "more than 9 fractional digits");
      }
      nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return ParseError(text, "a '.' must be followed by fractional digits");
    }
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }

  int offset_seconds = 0;
  if (ReadEitherChar(text, &pos, 'Z', 'z')) {
    // UTC.
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hour = 0, offset_minute = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hour) ||
        !ReadChar(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &offset_minute)) {
      return ParseError(text, kExpectedForm);
    }
    if (offset_hour > 23 || offset_minute > 59) {
      return ParseError(text, "the UTC offset is out of range");
    }
    offset_seconds = sign * (offset_hour * 3600 + offset_minute * 60);
  } else {
    return ParseError(text, kExpectedForm);
  }
  if (pos != text.size()) {
    return ParseError(text, "unexpected characters after the UTC offset");
  }

  if (month < 1 || month > 12) {
    return ParseError(text, absl::StrCat("month ", month, " does not exist"));
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return ParseError(
        text, absl::StrFormat("day %d does not exist in %04d-%02d", day, year,
                              month));
  }
  if (hour > 23 || minute > 59) {
    return ParseError(text, "the time of day is out of range");
  }
  // google.protobuf.Timestamp smears leap seconds, so :60 has no value.
  if (second > 59) {
    return ParseError(text, absl::StrCat("second ", second,
                                         " is out of range (leap seconds are "
                                         "not supported)"));
  }

  const std::int64_t seconds =
      DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 +
      minute * 60 + second - offset_seconds;
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    return ParseError(text,
                      absl::StrCat("it is outside ", kRangeText, " in UTC"));
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

}  // namespace ndes::translation
