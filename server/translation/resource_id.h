// Connector ids: the one rule every store shares, and id generation.
//
// An id is 1 to 128 characters of `A-Z a-z 0-9 - _ .` and is neither "." nor
// "..". The rule keeps ids safe in a URL path segment, a file name or a SQL
// key without escaping, and it is the same whatever the backing store.
//
// Thread-safe.
#ifndef NDES_SERVER_TRANSLATION_RESOURCE_ID_H_
#define NDES_SERVER_TRANSLATION_RESOURCE_ID_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::translation {

inline constexpr std::size_t kMaxConnectorIdLength = 128;

// OK if `id` follows the id rule; otherwise INVALID_ARGUMENT naming
// `field_path` (for example "ndes_connector.id") and what is wrong, with a
// field violation. The message never echoes control characters.
absl::Status ValidateConnectorId(absl::string_view id,
                                 absl::string_view field_path);

// A new random (version 4) UUID in lowercase, e.g.
// "3f2504e0-4f89-41d3-9a0c-0305e82c3301": what Graph uses for ids.
std::string GenerateConnectorId();

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_RESOURCE_ID_H_
