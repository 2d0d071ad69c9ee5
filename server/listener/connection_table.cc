#include "listener/connection_table.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ndes::listener {
namespace {

// gRPC writes peer names as URIs: every character outside RFC 3986's path
// characters is percent-encoded ("[" is "%5B").
std::string PercentEncodePath(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
        std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr) {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

bool InodeOf(int fd, ino_t* inode) {
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISSOCK(status.st_mode)) return false;
  *inode = status.st_ino;
  return true;
}

}  // namespace

std::string GrpcPeerName(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return "";
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return absl::StrCat("ipv4:", text, ":", ntohs(v4->sin_port));
  }
  if (address.ss_family != AF_INET6) return "";
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
  const int port = ntohs(v6->sin6_port);
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    // A dual-stack listener's IPv4 client: gRPC names it as IPv4.
    in_addr v4;
    std::memcpy(&v4, &v6->sin6_addr.s6_addr[12], sizeof(v4));
    inet_ntop(AF_INET, &v4, text, sizeof(text));
    return absl::StrCat("ipv4:", text, ":", port);
  }
  inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  std::string host = text;
  if (v6->sin6_scope_id != 0) absl::StrAppend(&host, "%", v6->sin6_scope_id);
  return absl::StrCat("ipv6:",
                      PercentEncodePath(absl::StrCat("[", host, "]:", port)));
}

void ConnectionTable::Add(int fd) {
  std::string peer = GrpcPeerName(fd);
  ino_t inode;
  if (peer.empty() || !InodeOf(fd, &inode)) return;
  auto connection =
      std::make_shared<AcceptedConnection>(fd, inode, std::move(peer));
  absl::MutexLock lock(&mu_);
  // A peer name seen before belongs to a connection that has ended.
  connections_[connection->peer] = std::move(connection);
}

std::shared_ptr<AcceptedConnection> ConnectionTable::Find(
    absl::string_view peer) const {
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(peer);
  return it == connections_.end() ? nullptr : it->second;
}

bool ConnectionTable::ShutDown(AcceptedConnection& connection) {
  if (connection.shut_down.exchange(true)) return false;
  ino_t inode;
  if (!InodeOf(connection.fd, &inode) || inode != connection.inode) {
    return false;
  }
  return shutdown(connection.fd, SHUT_RDWR) == 0;
}

void ConnectionTable::Sweep(
    absl::FunctionRef<void(AcceptedConnection&)> visit) {
  // The checks run outside the lock, which every call start takes.
  std::vector<std::shared_ptr<AcceptedConnection>> all;
  {
    absl::MutexLock lock(&mu_);
    all.reserve(connections_.size());
    for (const auto& entry : connections_) all.push_back(entry.second);
  }
  std::vector<std::shared_ptr<AcceptedConnection>> gone;
  for (std::shared_ptr<AcceptedConnection>& connection : all) {
    ino_t inode;
    if (!InodeOf(connection->fd, &inode) || inode != connection->inode) {
      gone.push_back(std::move(connection));
      continue;
    }
    visit(*connection);
  }
  absl::MutexLock lock(&mu_);
  for (const std::shared_ptr<AcceptedConnection>& connection : gone) {
    auto it = connections_.find(connection->peer);
    // Unless a new connection has taken the peer name since.
    if (it != connections_.end() && it->second == connection) {
      connections_.erase(it);
    }
  }
}

int ConnectionTable::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

}  // namespace ndes::listener
