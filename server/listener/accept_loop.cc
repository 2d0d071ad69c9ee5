#include "listener/accept_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "logging/log.h"

namespace ndes::listener {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(10);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

// Failures that a later retry may overcome: the process or the system is
// out of descriptors, or the kernel out of memory.
bool IsResourceShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS ||
         error == ENOMEM;
}

std::string DescriptorLimitText() {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return "";
  return absl::StrCat(" (descriptor limit ", limit.rlim_cur, ")");
}

}  // namespace

AcceptLoop::AcceptLoop(std::vector<int> listen_fds, std::string name,
                       Handler handler)
    : listen_fds_(std::move(listen_fds)),
      name_(std::move(name)),
      handler_(std::move(handler)) {}

AcceptLoop::~AcceptLoop() { Stop(); }

void AcceptLoop::Start() {
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Run(); });
}

void AcceptLoop::Stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(stop_fd_, &one, sizeof(one));
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
}

void AcceptLoop::Run() {
  pthread_setname_np(pthread_self(), "grpc-accept");
  std::vector<pollfd> watched;
  watched.push_back({stop_fd_, POLLIN, 0});
  for (int fd : listen_fds_) watched.push_back({fd, POLLIN, 0});
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    // While short of descriptors, a waiting connection keeps its socket
    // readable: sleep between attempts instead of spinning on it.
    const bool short_of_resources = !accepting();
    const nfds_t count = short_of_resources ? 1 : watched.size();
    const int timeout =
        short_of_resources
            ? static_cast<int>(absl::ToInt64Milliseconds(backoff))
            : -1;
    const int ready = poll(watched.data(), count, timeout);
    if (ready < 0 && errno != EINTR) return;
    if (watched[0].revents != 0) return;
    bool shortage = false;
    for (std::size_t i = 1; i < watched.size(); ++i) {
      if (short_of_resources || watched[i].revents != 0) {
        if (!AcceptAll(watched[i].fd)) shortage = true;
      }
    }
    if (shortage) {
      backoff = short_of_resources ? std::min(backoff * 2, kMaxBackoff)
                                   : kFirstBackoff;
      continue;
    }
    if (short_of_resources && DescriptorsAvailable()) {
      SetAccepting(true, 0);
    }
  }
}

bool AcceptLoop::AcceptAll(int fd) {
  while (true) {
    const int connection =
        accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (connection < 0) {
      const int error = errno;
      if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
      if (IsResourceShortage(error)) {
        SetAccepting(false, error);
        return false;
      }
      // EAGAIN: nothing waits any more. Anything else concerns the one
      // connection that failed; the listener goes on.
      return true;
    }
    if (!accepting()) SetAccepting(true, 0);
    const int on = 1;
    // Fails harmlessly on a Unix socket.
    setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    handler_(connection);
  }
}

bool AcceptLoop::DescriptorsAvailable() const {
  const int probe = fcntl(stop_fd_, F_DUPFD_CLOEXEC, 0);
  if (probe < 0) return false;
  close(probe);
  return true;
}

void AcceptLoop::SetAccepting(bool accepting, int error) {
  if (accepting_.exchange(accepting) == accepting) return;
  if (accepting) {
    logging::LogEvent(
        logging::LogSeverity::kInfo,
        absl::StrCat("accepting connections on ", name_, " again"));
  } else {
    logging::LogEvent(logging::LogSeverity::kError,
                      absl::StrCat("cannot accept connections on ", name_, ": ",
                                   std::strerror(error), DescriptorLimitText(),
                                   "; retrying until it can"));
  }
}

}  // namespace ndes::listener
