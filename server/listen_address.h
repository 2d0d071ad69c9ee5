// The addresses the gateway listens on: "host:port" ("[v6]:port"; port 0
// picks a free one) or "unix:/path". What each form means for binding,
// dialing back and the plaintext rule.
//
// Thread-safe: functions of their arguments (PrepareSocketPath also of the
// file system).
#ifndef NDES_SERVER_LISTEN_ADDRESS_H_
#define NDES_SERVER_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes {

// True for "unix:..." addresses.
bool IsUnixAddress(absl::string_view address);

// "unix:/a/b" and "unix:///a/b" -> "/a/b".
std::string UnixSocketPath(absl::string_view address);

// The host part of "host:port" / "[v6]:port", brackets removed.
std::string HostOf(absl::string_view address);

// "localhost", or a literal address in 127.0.0.0/8 or ::1. A name that
// merely starts with "127." could resolve anywhere, so it is not loopback.
bool IsLoopbackHost(absl::string_view host);

// The address a client on this machine dials to reach a listener bound at
// `listen` on `port`: "0.0.0.0:0" with port 43123 -> "127.0.0.1:43123",
// "[::]" -> "[::1]"; unix: as given.
std::string DialAddress(const std::string& listen, int port);

// Prepares a Unix socket path for binding: FAILED_PRECONDITION for a path
// that is too long, in use by a live server (gRPC would silently unlink it
// and steal its clients) or taken by something that is not a socket; a
// stale socket file left by a process that died is removed.
absl::Status PrepareSocketPath(const std::string& path);

}  // namespace ndes

#endif  // NDES_SERVER_LISTEN_ADDRESS_H_
