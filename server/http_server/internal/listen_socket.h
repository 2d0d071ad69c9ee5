// The listening socket of an HttpServer: "host:port" parsed, resolved,
// bound and listening, with the port the kernel chose for port 0.
//
// Not thread-safe; a ListenSocket is used by one thread at a time.
#ifndef NDES_SERVER_HTTP_SERVER_INTERNAL_LISTEN_SOCKET_H_
#define NDES_SERVER_HTTP_SERVER_INTERNAL_LISTEN_SOCKET_H_

#include <sys/socket.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::http_server::internal {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

// "127.0.0.1:9464", "[::1]:0", "localhost:9464". INVALID_ARGUMENT naming
// `host_port` for anything else (no port, a port over 65535, an IPv6
// address without brackets).
absl::StatusOr<HostPort> ParseHostPort(absl::string_view host_port);

// host:port, an IPv6 host in brackets.
std::string FormatHostPort(absl::string_view host, int port);

// "127.0.0.1:53412" or "[::1]:53412"; "" for anything but IPv4 and IPv6.
std::string FormatSocketAddress(const sockaddr* address);

// A bound, listening, non-blocking socket, closed when destroyed.
class ListenSocket {
 public:
  // Binds `host_port` (SO_REUSEADDR, so a restart does not wait out
  // TIME_WAIT) and listens with `backlog`. Errors: INVALID_ARGUMENT as
  // ParseHostPort; UNAVAILABLE "cannot serve <name> on <host:port>: <why>"
  // when the host does not resolve or cannot be bound (in use, not an
  // address of this host).
  static absl::StatusOr<ListenSocket> Open(absl::string_view host_port,
                                           absl::string_view name, int backlog);

  ListenSocket(ListenSocket&& other) noexcept;
  ListenSocket& operator=(ListenSocket&& other) noexcept;
  ~ListenSocket();

  int fd() const { return fd_; }
  // The bound port (the chosen one for port 0).
  int port() const { return port_; }
  // host:port with the host as given and the bound port.
  const std::string& address() const { return address_; }

 private:
  ListenSocket(int fd, int port, std::string address)
      : fd_(fd), port_(port), address_(std::move(address)) {}

  int fd_ = -1;
  int port_ = 0;
  std::string address_;
};

}  // namespace ndes::http_server::internal

#endif  // NDES_SERVER_HTTP_SERVER_INTERNAL_LISTEN_SOCKET_H_
