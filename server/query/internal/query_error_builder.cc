#include "query/internal/query_error_builder.h"

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/query_errors.h"
#include "translation/status_details.h"

namespace ndes::query {

bool IsUnsupportedQuery(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument &&
         absl::StartsWith(status.message(), kUnsupportedQueryPrefix);
}

namespace internal {
namespace {

// Messages travel back in gRPC trailers and Graph error bodies: keep the
// echoed caller text short.
constexpr std::size_t kMaxQuotedLength = 40;

absl::Status Refusal(absl::string_view prefix, absl::string_view parameter,
                     std::size_t offset, absl::string_view what) {
  std::string message = absl::StrCat(prefix, parameter);
  if (offset != kNoPosition) {
    absl::StrAppend(&message, " at position ", offset + 1);
  }
  absl::StrAppend(&message, ": ", what);
  return translation::InvalidArgumentWithViolations(
      message, {{std::string(parameter), std::string(what)}});
}

}  // namespace

absl::Status InvalidQuery(absl::string_view parameter, std::size_t offset,
                          absl::string_view what) {
  return Refusal(kInvalidQueryPrefix, parameter, offset, what);
}

absl::Status UnsupportedQuery(absl::string_view parameter, std::size_t offset,
                              absl::string_view what) {
  return Refusal(kUnsupportedQueryPrefix, parameter, offset, what);
}

std::string EscapeForMessage(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedLength)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    }
  }
  if (text.size() > kMaxQuotedLength) out += "...";
  return out;
}

std::string QuoteForMessage(absl::string_view text) {
  return absl::StrCat("'", EscapeForMessage(text), "'");
}

bool IsControlByte(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

absl::Status ControlCharacterError(absl::string_view parameter,
                                   absl::string_view text, std::size_t offset) {
  return InvalidQuery(
      parameter, offset,
      absl::StrCat("control character ",
                   QuoteForMessage(text.substr(offset, 1)), " is not allowed"));
}

absl::Status CheckQueryLength(absl::string_view parameter,
                              absl::string_view text) {
  if (text.size() <= kMaxQueryLength) return absl::OkStatus();
  return InvalidQuery(parameter, kNoPosition,
                      absl::StrCat("longer than ", kMaxQueryLength, " bytes"));
}

}  // namespace internal
}  // namespace ndes::query
