#include "translation/resource_id.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "text/untrusted_text.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

bool IsIdCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

absl::Status IdError(absl::string_view field_path, absl::string_view problem) {
  return InvalidArgumentWithViolations(
      absl::StrCat(field_path, " ", problem),
      {{std::string(field_path), std::string(problem)}});
}

}  // namespace

absl::Status ValidateConnectorId(absl::string_view id,
                                 absl::string_view field_path) {
  if (id.empty()) return IdError(field_path, "must not be empty");
  if (id.size() > kMaxConnectorIdLength) {
    return IdError(field_path,
                   absl::StrCat("is ", id.size(), " characters long; at most ",
                                kMaxConnectorIdLength, " are allowed"));
  }
  if (id == "." || id == "..") {
    return IdError(field_path,
                   absl::StrCat("must not be ", text::QuoteUntrusted(id)));
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!IsIdCharacter(id[i])) {
      return IdError(
          field_path,
          absl::StrCat(text::QuoteUntrusted(id), " has the character \"",
                       text::EscapeUntrusted(id.substr(i, 1)),
                       "\" at position ", i,
                       "; only A-Z a-z 0-9 - _ . are allowed"));
    }
  }
  return absl::OkStatus();
}

std::string GenerateConnectorId() {
  absl::BitGen gen;
  std::uint64_t high = absl::Uniform<std::uint64_t>(gen);
  std::uint64_t low = absl::Uniform<std::uint64_t>(gen);
  // RFC 4122 section 4.4: version 4 in the high nibble of time_hi, variant
  // 10xx in the top bits of clock_seq.
  high = (high & ~std::uint64_t{0xF000}) | std::uint64_t{0x4000};
  low = (low & ~(std::uint64_t{0xC} << 60)) | (std::uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48,
                         low & 0xFFFFFFFFFFFF);
}

}  // namespace ndes::translation
