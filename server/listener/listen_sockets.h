// The listening sockets of one gRPC listener of the gateway, opened by the
// gateway itself (not by gRPC) so that it owns accept(2): see
// grpc_listener.h for why.
//
// Addresses, as gRPC binds them:
//   "host:port"   every address the host resolves to ("localhost": 127.0.0.1
//                 and ::1); port 0 picks one free port for all of them.
//   "0.0.0.0:p", "[::]:p"
//                 the wildcard: one dual-stack IPv6 socket, so IPv4 and IPv6
//                 clients both connect; IPv4 only where IPv6 is off.
//   "unix:/path"  a Unix socket; the file gets mode 0660 (the caller has
//                 checked the path with PrepareSocketPath).
// No SO_REUSEPORT: a second gateway cannot share the port.
//
// Not thread-safe; closed (and a Unix socket file kept) when destroyed.
#ifndef NDES_SERVER_LISTENER_LISTEN_SOCKETS_H_
#define NDES_SERVER_LISTENER_LISTEN_SOCKETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ndes::listener {

class ListenSockets {
 public:
  // Binds and listens on `address`. FAILED_PRECONDITION with the reason
  // (the host does not resolve, the address is in use or not local, the
  // form is wrong).
  static absl::StatusOr<ListenSockets> Open(const std::string& address);

  ListenSockets(ListenSockets&& other) noexcept;
  ListenSockets& operator=(ListenSockets&& other) noexcept;
  ~ListenSockets();

  // Non-blocking listening sockets, one per bound address.
  const std::vector<int>& fds() const { return fds_; }
  // The bound port; 0 for a Unix socket.
  int port() const { return port_; }
  bool is_unix() const { return is_unix_; }

  // Closes the sockets (new connections are refused from now on).
  void Close();

 private:
  ListenSockets() = default;

  std::vector<int> fds_;
  int port_ = 0;
  bool is_unix_ = false;
};

}  // namespace ndes::listener

#endif  // NDES_SERVER_LISTENER_LISTEN_SOCKETS_H_
