// The thread that accepts a listener's connections and hands each to a
// handler, in place of gRPC's own accept loop.
//
// gRPC 1.51 stops accepting on a listener for good when accept4(2) fails
// with anything but EAGAIN, EINTR or ECONNABORTED: once the process has run
// out of descriptors (EMFILE), its port takes connections into the backlog
// and never serves them again, even after descriptors are free. This loop
// backs off instead (10 ms, doubling to 1 s) and retries; while the process
// is out of descriptors (or kernel memory), accepting() is false, so that
// readiness can say so. Whether descriptors are free again is checked, not
// assumed: by the next accept that succeeds, or, with no connection
// waiting, by duplicating a descriptor.
//
// Thread-safe. The handler runs on the loop's thread, one call at a time.
#ifndef NDES_SERVER_LISTENER_ACCEPT_LOOP_H_
#define NDES_SERVER_LISTENER_ACCEPT_LOOP_H_

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace ndes::listener {

class AcceptLoop {
 public:
  // Takes each accepted socket (non-blocking, close-on-exec; TCP_NODELAY on
  // TCP) and owns it from then on.
  using Handler = absl::AnyInvocable<void(int fd)>;

  // `listen_fds`: non-blocking listening sockets, not owned; they must stay
  // open until Stop returns. `name` names the listener in log lines
  // ("127.0.0.1:50051").
  AcceptLoop(std::vector<int> listen_fds, std::string name, Handler handler);
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;
  ~AcceptLoop();

  // Starts the thread. Once.
  void Start();
  // Stops and joins the thread: the handler is not called once it returns.
  // Idempotent.
  void Stop();

  // False while connections cannot be accepted for want of descriptors or
  // memory; true otherwise (also before Start).
  bool accepting() const { return accepting_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Accepts every waiting connection of `fd`; false when accept4 failed
  // for want of a resource.
  bool AcceptAll(int fd);
  // Whether a new descriptor can be created now.
  bool DescriptorsAvailable() const;
  void SetAccepting(bool accepting, int error);

  const std::vector<int> listen_fds_;
  const std::string name_;
  Handler handler_;
  // An eventfd that wakes the thread to stop.
  int stop_fd_ = -1;
  std::atomic<bool> accepting_{true};
  std::thread thread_;
};

}  // namespace ndes::listener

#endif  // NDES_SERVER_LISTENER_ACCEPT_LOOP_H_
