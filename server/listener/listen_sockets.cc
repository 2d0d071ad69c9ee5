#include "listener/listen_sockets.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "listen_address.h"

namespace ndes::listener {
namespace {

// Connections that completed their handshake but are not accepted yet.
constexpr int kBacklog = 1024;

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

absl::Status Refused(absl::string_view why) {
  return absl::FailedPreconditionError(why);
}

std::string ErrnoText(int error) { return std::strerror(error); }

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return -1;
  }
  return bound.ss_family == AF_INET6
             ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
             : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void SetPort(sockaddr* address, int port) {
  if (address->sa_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(address)->sin6_port =
        htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in*>(address)->sin_port =
        htons(static_cast<uint16_t>(port));
  }
}

// A socket bound to `address` and listening; -1 with errno set otherwise.
int BindAndListen(const sockaddr* address, socklen_t length, bool dual_stack) {
  const int fd =
      socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  const int off = 0;
  // A restart must not wait out the previous process's TIME_WAIT.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (address->sa_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &off : &on,
               sizeof(on));
  }
  if (bind(fd, address, length) != 0 || listen(fd, kBacklog) != 0) {
    const int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

}  // namespace

absl::StatusOr<ListenSockets> ListenSockets::Open(const std::string& address) {
  ListenSockets sockets;
  if (IsUnixAddress(address)) {
    const std::string path = UnixSocketPath(address);
    sockaddr_un unix_address{};
    unix_address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(unix_address.sun_path)) {
      return Refused("the socket path is empty or too long");
    }
    std::memcpy(unix_address.sun_path, path.data(), path.size());
    const int fd =
        socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Refused(ErrnoText(errno));
    // Mode 0660: the gateway's user and group (in Kubernetes, the Pod's
    // fsGroup) may connect, nobody else.
    const mode_t previous_umask = umask(0117);
    const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&unix_address),
                            sizeof(unix_address)) == 0 &&
                       listen(fd, kBacklog) == 0;
    const int error = errno;
    umask(previous_umask);
    if (!bound) {
      close(fd);
      return Refused(ErrnoText(error));
    }
    sockets.fds_.push_back(fd);
    sockets.is_unix_ = true;
    return sockets;
  }

  const std::size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return Refused("not of the form host:port or unix:/path");
  }
  const std::string host = HostOf(address);
  const bool wildcard = host == "0.0.0.0" || host == "::" || host.empty();
  if (wildcard) {
    // As gRPC does: one dual-stack socket where IPv6 works.
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_addr = in6addr_any;
    any6.sin6_port = htons(static_cast<uint16_t>(port));
    int fd = BindAndListen(reinterpret_cast<sockaddr*>(&any6), sizeof(any6),
                           /*dual_stack=*/true);
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
      sockaddr_in any4{};
      any4.sin_family = AF_INET;
      any4.sin_addr.s_addr = htonl(INADDR_ANY);
      any4.sin_port = htons(static_cast<uint16_t>(port));
      fd = BindAndListen(reinterpret_cast<sockaddr*>(&any4), sizeof(any4),
                         false);
    }
    if (fd < 0) return Refused(ErrnoText(errno));
    sockets.fds_.push_back(fd);
    sockets.port_ = BoundPort(fd);
    return sockets;
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* resolved = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                                 &hints, &resolved);
      rc != 0) {
    return Refused(gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrinfoDeleter> addresses(resolved);
  std::vector<std::string> bound;
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    // A host file may list one address twice.
    std::string key(reinterpret_cast<const char*>(a->ai_addr), a->ai_addrlen);
    if (std::find(bound.begin(), bound.end(), key) != bound.end()) continue;
    bound.push_back(std::move(key));
    sockaddr_storage bind_address{};
    std::memcpy(&bind_address, a->ai_addr, a->ai_addrlen);
    // Every address of one listener shares the port chosen for the first.
    if (sockets.port_ > 0) {
      SetPort(reinterpret_cast<sockaddr*>(&bind_address), sockets.port_);
    }
    const int fd = BindAndListen(reinterpret_cast<sockaddr*>(&bind_address),
                                 a->ai_addrlen, /*dual_stack=*/false);
    if (fd < 0) {
      // A name may resolve to an address family this host lacks (::1
      // without IPv6); any other failure refuses the listener.
      if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL) continue;
      return Refused(ErrnoText(errno));
    }
    sockets.fds_.push_back(fd);
    if (sockets.port_ == 0) sockets.port_ = BoundPort(fd);
  }
  if (sockets.fds_.empty()) {
    return Refused("none of the host's addresses can be bound here");
  }
  return sockets;
}

ListenSockets::ListenSockets(ListenSockets&& other) noexcept
    : fds_(std::move(other.fds_)),
      port_(other.port_),
      is_unix_(other.is_unix_) {
  other.fds_.clear();
}

ListenSockets& ListenSockets::operator=(ListenSockets&& other) noexcept {
  if (this != &other) {
    Close();
    fds_ = std::move(other.fds_);
    other.fds_.clear();
    port_ = other.port_;
    is_unix_ = other.is_unix_;
  }
  return *this;
}

ListenSockets::~ListenSockets() { Close(); }

void ListenSockets::Close() {
  for (int fd : fds_) close(fd);
  fds_.clear();
}

}  // namespace ndes::listener
