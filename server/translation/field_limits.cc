#include "translation/field_limits.h"

namespace ndes::translation {

std::size_t CharacterCount(absl::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    // Every byte but a continuation byte (10xxxxxx) starts a character.
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++count;
  }
  return count;
}

}  // namespace ndes::translation
