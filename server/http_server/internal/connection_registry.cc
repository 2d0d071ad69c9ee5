#include "http_server/internal/connection_registry.h"

#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace ndes::http_server::internal {

ConnectionRegistry::ConnectionRegistry(absl::Duration request_timeout)
    : request_timeout_(request_timeout) {
  if (request_timeout_ > absl::ZeroDuration()) {
    watcher_ = std::thread([this] { Watch(); });
  }
}

ConnectionRegistry::~ConnectionRegistry() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
}

ConnectionRegistry::Connection* ConnectionRegistry::Add(int fd) {
  auto connection = std::make_unique<Connection>();
  connection->fd = fd;
  connection->since = absl::Now();
  Connection* handle = connection.get();
  absl::MutexLock lock(&mu_);
  connections_.emplace(handle, std::move(connection));
  return handle;
}

void ConnectionRegistry::Remove(Connection* connection) {
  absl::MutexLock lock(&mu_);
  connections_.erase(connection);
}

void ConnectionRegistry::Enter(Connection* connection, Phase phase) {
  absl::MutexLock lock(&mu_);
  if (connection->phase == Phase::kShutDown) return;
  connection->phase = phase;
  connection->since = absl::Now();
}

int ConnectionRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

void ConnectionRegistry::Watch() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = absl::Now();
    // Every clock restarts at "now", so a connection added or moved while
    // this thread waits is due no earlier than one timeout after the wait
    // began: waiting at most one timeout never misses a deadline.
    absl::Time next = now + request_timeout_;
    for (auto& [handle, connection] : connections_) {
      if (connection->phase != Phase::kReceiving &&
          connection->phase != Phase::kSending) {
        continue;
      }
      const absl::Time due = connection->since + request_timeout_;
      if (due <= now) {
        shutdown(connection->fd, SHUT_RDWR);
        connection->phase = Phase::kShutDown;
      } else {
        next = std::min(next, due);
      }
    }
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), next);
  }
}

}  // namespace ndes::http_server::internal
