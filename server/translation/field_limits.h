// The longest value each field of an NdesConnector may hold, so that every
// connector the gateway stores or answers stays well under the gRPC message
// limit: at most kMaxConnectorBytes serialized, against a --max_message_bytes
// of at least kMinMessageBytes.
//
// Graph documents no length for the properties of ndesConnector; these
// follow what the values are: a friendly name; a machine name, which is a
// DNS name (at most 255 bytes); a build version ("6.2301.1.0"); and scope
// tag ids, which Intune numbers ("0", "12"), of which a connector carries a
// handful. Lengths are in characters (Unicode code points), as a caller
// counts them.
//
// ValidateConnectorValues (field_mask_plan.h) checks them for every write:
// INVALID_ARGUMENT naming the field and its limit.
//
// Thread-safe: constants and pure functions.
#ifndef NDES_SERVER_TRANSLATION_FIELD_LIMITS_H_
#define NDES_SERVER_TRANSLATION_FIELD_LIMITS_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace ndes::translation {

inline constexpr std::size_t kMaxDisplayNameChars = 256;
inline constexpr std::size_t kMaxMachineNameChars = 255;
inline constexpr std::size_t kMaxConnectorVersionChars = 64;
inline constexpr std::size_t kMaxRoleScopeTagIds = 100;
inline constexpr std::size_t kMaxRoleScopeTagIdChars = 128;

// An upper bound of a valid connector's serialized size (etag and
// timestamps included; four bytes per character).
inline constexpr std::size_t kMaxConnectorBytes = 64 * 1024;
// The smallest --max_message_bytes: a valid connector fits in a fraction
// of it.
inline constexpr std::size_t kMinMessageBytes = 256 * 1024;

// The characters (code points) of the UTF-8 text `text`; bytes that are
// not UTF-8 count one each.
std::size_t CharacterCount(absl::string_view text);

}  // namespace ndes::translation

#endif  // NDES_SERVER_TRANSLATION_FIELD_LIMITS_H_
