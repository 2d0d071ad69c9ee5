// Request ids: the token every answer, log line and upstream request of one
// call carries, on either face of the API. A caller may choose its own (gRPC
// x-request-id, REST client-request-id); the gateway keeps it only when it
// is safe in a log line and an HTTP header, and otherwise makes a new one.
//
//   std::string id = IsUsableRequestId(sent) ? sent : NewRequestId();
//
// Thread-safe: pure functions (NewRequestId uses a thread-local generator).
#ifndef NDES_SERVER_TEXT_REQUEST_ID_H_
#define NDES_SERVER_TEXT_REQUEST_ID_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace ndes::text {

inline constexpr std::size_t kMaxRequestIdLength = 128;

// True for 1 to kMaxRequestIdLength characters from A-Z a-z 0-9 - _ . :
bool IsUsableRequestId(absl::string_view id);

// A random (version 4) UUID in lowercase, like the request ids Graph uses.
std::string NewRequestId();

}  // namespace ndes::text

#endif  // NDES_SERVER_TEXT_REQUEST_ID_H_
