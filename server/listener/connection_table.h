// The TCP connections the gateway's listeners accepted and handed to gRPC,
// found by the peer name gRPC gives their calls (ServerContext::peer(),
// "ipv4:10.1.2.3:51234"), with what the flood guard counts of each.
//
// A connection's descriptor belongs to gRPC, which closes it when the
// connection ends; the table keeps the socket's inode, so that it touches
// the descriptor only while it still is that socket, and forgets the
// connection at the next Sweep after gRPC closed it.
//
// Unix socket connections are not kept: their calls all carry one peer
// name ("unix:"), so a call cannot be told apart from another
// connection's.
//
// Thread-safe.
#ifndef NDES_SERVER_LISTENER_CONNECTION_TABLE_H_
#define NDES_SERVER_LISTENER_CONNECTION_TABLE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace ndes::listener {

// One accepted TCP connection.
struct AcceptedConnection {
  AcceptedConnection(int fd, ino_t inode, std::string peer)
      : fd(fd), inode(inode), peer(std::move(peer)) {}

  const int fd;
  const ino_t inode;
  // As gRPC names it in ServerContext::peer().
  const std::string peer;

  // Calls of this connection that the server has started and not yet
  // destroyed: its open streams, plus the streams the client reset whose
  // calls still run.
  std::atomic<int> calls_in_flight{0};
  // Calls started since the connection was accepted.
  std::atomic<std::uint64_t> calls_started{0};
  // Set once, by whoever shuts the connection down.
  std::atomic<bool> shut_down{false};

  // For the sweeping thread only: calls_started at the last sweep that saw
  // it change, and the bytes the connection had received by then; the
  // bytes received by the start of the current rate window.
  std::uint64_t swept_calls_started = 0;
  std::uint64_t bytes_at_last_call = 0;
  std::uint64_t bytes_at_window_start = 0;
};

// gRPC's peer name of the socket `fd`'s remote end ("ipv4:1.2.3.4:5",
// "ipv6:%5B::1%5D:5"); empty for anything but IPv4 and IPv6.
std::string GrpcPeerName(int fd);

class ConnectionTable {
 public:
  ConnectionTable() = default;
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // Keeps the accepted socket `fd` when it is TCP; call before gRPC gets it.
  void Add(int fd);

  // The connection whose calls carry `peer`, or null.
  std::shared_ptr<AcceptedConnection> Find(absl::string_view peer) const;

  // Shuts `connection` down (shutdown(2): gRPC sees its peer gone and
  // closes it) when its descriptor still is that socket. False when it was
  // shut down before or is gone.
  bool ShutDown(AcceptedConnection& connection);

  // Forgets the connections gRPC has closed and calls `visit` with each
  // remaining one. One thread at a time.
  void Sweep(absl::FunctionRef<void(AcceptedConnection&)> visit);

  int size() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<AcceptedConnection>>
      connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::listener

#endif  // NDES_SERVER_LISTENER_CONNECTION_TABLE_H_
