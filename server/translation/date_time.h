// Graph DateTimeOffset <-> google.protobuf.Timestamp.
//
// Output is RFC 3339 in UTC with "Z", with fractional seconds only when they
// are not zero, and then with trailing zeros removed:
//   2026-11-28T10:15:30Z, 2017-01-01T07:58:36.6670033Z
// Input accepts any RFC 3339 date-time: an offset ("-08:00") or "Z", and 0 to
// 9 fractional digits (Graph sends 7); it is normalised to UTC.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_TRANSLATION_DATE_TIME_H_
#define NDES_SERVER_TRANSLATION_DATE_TIME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace ndes::translation {

// OK if `ts` lies in 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z
// and its nanos are in [0, 999999999]; otherwise INVALID_ARGUMENT naming
// `field_path`, with a field violation.
absl::Status ValidateTimestamp(const google::protobuf::Timestamp& ts,
                               absl::string_view field_path);
// The same check, without the error.
bool IsValidTimestamp(const google::protobuf::Timestamp& ts);

// Formats a valid timestamp (see ValidateTimestamp) as Graph writes it.
std::string FormatGraphDateTime(const google::protobuf::Timestamp& ts);

// Parses an RFC 3339 date-time. INVALID_ARGUMENT if `text` is not one, or is
// outside the range ValidateTimestamp accepts.
absl::StatusOr<google::protobuf::Timestamp> ParseGraphDateTime(
    absl::string_view text);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_DATE_TIME_H_
