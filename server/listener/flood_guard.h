// Bounds what one HTTP/2 connection can make the gateway hold, where gRPC
// 1.51 does not: it closes a connection that
//   - has more calls in flight than `max_calls_per_connection` (HTTP/2
//     rapid reset, CVE-2023-44487: a client that opens a stream and resets
//     it at once frees its slot under max_concurrent_streams, while the
//     call it started goes on holding memory in the server; gRPC counts
//     only open streams), checked as each call starts; or
//   - sends more than `max_bytes_without_call` bytes while none of its
//     calls starts (a header block that never ends: gRPC 1.51 checks its
//     metadata limit per CONTINUATION frame, not per header block, so the
//     block grows without bound and no call ever starts), checked every
//     `sweep_interval` against the kernel's count of bytes received
//     (TCP_INFO).
// and, while the process's resident memory is over
// `memory_soft_limit_bytes`, it sheds every connection that received more
// than `shed_bytes_per_second` in the last second or so (counting what
// waits unread in its socket). That last rule is for floods spread over
// many connections: gRPC 1.51 reads and parses what every connection sends
// before it runs the calls it creates, so under such a flood its calls may
// reach the gateway only seconds later, too late for the per-connection
// rules; what shows is the memory, and which connections are sending.
// Idle and lightly used connections (probes, a client's occasional call)
// are kept.
//
// Closing is shutdown(2) on the connection's socket: gRPC sees the peer gone
// and drops the connection with everything it held. Closes are logged, at
// most one line a second; the others are counted in the next line.
//
// It watches the TCP connections of a ConnectionTable, through a gRPC
// server interceptor that sees every call of the servers it is installed
// in, whatever the method (an unknown one included) and whether or not
// its request parses.
//
//   ConnectionTable table;
//   FloodGuard guard(table, limits);
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> creators;
//   creators.push_back(guard.NewInterceptorFactory());
//   builder.experimental().SetInterceptorCreators(std::move(creators));
//
// Thread-safe. The guard must outlive the servers it is installed in.
#ifndef NDES_SERVER_LISTENER_FLOOD_GUARD_H_
#define NDES_SERVER_LISTENER_FLOOD_GUARD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"
#include "listener/connection_table.h"

namespace ndes::listener {

struct FloodLimits {
  int max_calls_per_connection = 1024;
  std::uint64_t max_bytes_without_call = 5 * 1024 * 1024;
  // 0: no shedding.
  std::uint64_t memory_soft_limit_bytes = 0;
  std::uint64_t shed_bytes_per_second = 64 * 1024;
  absl::Duration sweep_interval = absl::Milliseconds(50);
};

class FloodGuard {
 public:
  // Starts sweeping `table`, which must outlive the guard.
  FloodGuard(ConnectionTable& table, FloodLimits limits);
  FloodGuard(const FloodGuard&) = delete;
  FloodGuard& operator=(const FloodGuard&) = delete;
  // Stops sweeping.
  ~FloodGuard();

  // An interceptor factory for one server's builder.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // Connections closed so far (a close is counted as its socket is shut
  // down, never after the peer can see it).
  std::uint64_t connections_closed() const {
    return connections_closed_.load(std::memory_order_relaxed);
  }

  // For the interceptor: a call of `connection` has started.
  void CallStarted(AcceptedConnection& connection);

 private:
  void Sweep();
  // Applies the byte rules to `connection`; `resident` is the resident
  // memory when over the soft limit, else 0. `new_window`: this sweep
  // starts a new rate window.
  void CheckBytes(AcceptedConnection& connection, std::uint64_t resident,
                  bool new_window);
  void Close(AcceptedConnection& connection, const std::string& why);
  // Logs `line` unless a line was logged less than a second ago; then it
  // counts the close for the next line.
  void LogClose(std::string line);
  // Logs the count of closes not logged yet, once a second has passed.
  void LogUnloggedCloses();

  ConnectionTable& table_;
  const FloodLimits limits_;
  std::atomic<std::uint64_t> connections_closed_{0};

  absl::Mutex log_mu_;
  absl::Time last_log_ ABSL_GUARDED_BY(log_mu_) = absl::InfinitePast();
  int unlogged_ ABSL_GUARDED_BY(log_mu_) = 0;

  // Sweeps since the current rate window started (sweeping thread only).
  int sweeps_in_window_ = 0;

  absl::Notification stop_;
  std::thread sweeper_;
};

}  // namespace ndes::listener

#endif  // NDES_SERVER_LISTENER_FLOOD_GUARD_H_
