#include "text/request_id.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"

namespace ndes::text {

bool IsUsableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.' && c != ':') {
      return false;
    }
  }
  return true;
}

// Every call pays for one: formatted by hand rather than by StrFormat.
std::string NewRequestId() {
  thread_local absl::BitGen bits;
  const uint64_t high = absl::Uniform<uint64_t>(bits);
  const uint64_t low = absl::Uniform<uint64_t>(bits);
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, y in 8..b.
  const uint64_t time_high = 0x4000 | (high & 0x0fff);
  const uint64_t variant = 0x8000 | ((low >> 48) & 0x3fff);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  auto put = [&id](std::size_t at, uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      id[at + static_cast<std::size_t>(i)] = kHex[value & 0xf];
      value >>= 4;
    }
  };
  put(0, high >> 32, 8);
  put(9, (high >> 16) & 0xffff, 4);
  put(14, time_high, 4);
  put(19, variant, 4);
  put(24, low & 0xffffffffffffULL, 12);
  return id;
}

}  // namespace ndes::text
