#include "listener/flood_guard.h"

// linux/tcp.h, not netinet/tcp.h: glibc's struct tcp_info lacks
// tcpi_bytes_received (Linux 4.1).
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/server_context.h"
#include "logging/log.h"
#include "process/resident_memory.h"

namespace ndes::listener {
namespace {

constexpr absl::Duration kLogInterval = absl::Seconds(1);
// The window over which a connection's sending rate is measured.
constexpr absl::Duration kRateWindow = absl::Seconds(1);

// Counts its call among its connection's calls in flight for as long as
// the server keeps the call.
class CallCounter final : public grpc::experimental::Interceptor {
 public:
  explicit CallCounter(std::shared_ptr<AcceptedConnection> connection)
      : connection_(std::move(connection)) {}
  ~CallCounter() override {
    connection_->calls_in_flight.fetch_sub(1, std::memory_order_relaxed);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  std::shared_ptr<AcceptedConnection> connection_;
};

class CallCounterFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallCounterFactory(ConnectionTable& table, FloodGuard& guard)
      : table_(table), guard_(guard) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    std::shared_ptr<AcceptedConnection> connection =
        table_.Find(info->server_context()->peer());
    // Not a connection of the table's (a Unix socket's): nothing to count.
    if (connection == nullptr) return nullptr;
    guard_.CallStarted(*connection);
    return new CallCounter(std::move(connection));
  }

 private:
  ConnectionTable& table_;
  FloodGuard& guard_;
};

// Bytes received and not yet read by gRPC.
std::uint64_t UnreadBytes(int fd) {
  int unread = 0;
  if (ioctl(fd, SIOCINQ, &unread) != 0 || unread < 0) return 0;
  return static_cast<std::uint64_t>(unread);
}

std::string Mebibytes(std::uint64_t bytes) {
  return absl::StrCat(bytes / (1024 * 1024), " MiB");
}

bool BytesReceived(int fd, std::uint64_t* bytes) {
  struct tcp_info info {};
  socklen_t length = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < offsetof(struct tcp_info, tcpi_bytes_received) +
                   sizeof(info.tcpi_bytes_received)) {
    return false;
  }
  *bytes = info.tcpi_bytes_received;
  return true;
}

}  // namespace

FloodGuard::FloodGuard(ConnectionTable& table, FloodLimits limits)
    : table_(table), limits_(limits) {
  sweeper_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "flood-guard");
    while (!stop_.WaitForNotificationWithTimeout(limits_.sweep_interval)) {
      Sweep();
    }
  });
}

FloodGuard::~FloodGuard() {
  stop_.Notify();
  sweeper_.join();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
FloodGuard::NewInterceptorFactory() {
  return std::make_unique<CallCounterFactory>(table_, *this);
}

void FloodGuard::CallStarted(AcceptedConnection& connection) {
  connection.calls_started.fetch_add(1, std::memory_order_relaxed);
  const int in_flight =
      connection.calls_in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
  if (in_flight > limits_.max_calls_per_connection) {
    Close(connection,
          absl::StrCat(in_flight, " calls in flight, more than the ",
                       limits_.max_calls_per_connection,
                       " one connection may have: a client that resets its "
                       "streams as it opens them (HTTP/2 rapid reset)"));
  }
}

void FloodGuard::Sweep() {
  std::uint64_t resident = 0;
  if (limits_.memory_soft_limit_bytes > 0) {
    resident = process::ResidentMemoryBytes();
    if (resident <= limits_.memory_soft_limit_bytes) resident = 0;
  }
  const bool new_window =
      ++sweeps_in_window_ * limits_.sweep_interval >= kRateWindow;
  if (new_window) sweeps_in_window_ = 0;
  table_.Sweep([this, resident, new_window](AcceptedConnection& connection) {
    if (!connection.shut_down.load(std::memory_order_relaxed)) {
      CheckBytes(connection, resident, new_window);
    }
  });
  LogUnloggedCloses();
}

void FloodGuard::CheckBytes(AcceptedConnection& connection,
                            std::uint64_t resident, bool new_window) {
  std::uint64_t bytes;
  if (!BytesReceived(connection.fd, &bytes)) return;
  const std::uint64_t window_bytes =
      bytes - connection.bytes_at_window_start + UnreadBytes(connection.fd);
  if (new_window) connection.bytes_at_window_start = bytes;
  if (resident > 0 && window_bytes > limits_.shed_bytes_per_second) {
    Close(connection,
          absl::StrCat("the gateway's resident memory (", Mebibytes(resident),
                       ") is over its soft limit (",
                       Mebibytes(limits_.memory_soft_limit_bytes),
                       ") and this connection is sending fast (", window_bytes,
                       " bytes in the last second)"));
    return;
  }
  const std::uint64_t started =
      connection.calls_started.load(std::memory_order_relaxed);
  if (started != connection.swept_calls_started) {
    connection.swept_calls_started = started;
    connection.bytes_at_last_call = bytes;
    return;
  }
  const std::uint64_t without_call = bytes - connection.bytes_at_last_call;
  if (without_call > limits_.max_bytes_without_call) {
    Close(connection,
          absl::StrCat("it sent ", without_call,
                       " bytes without starting a call, more than the ",
                       limits_.max_bytes_without_call,
                       " allowed: a header block that never ends (HTTP/2 "
                       "CONTINUATION flood)"));
  }
}

void FloodGuard::Close(AcceptedConnection& connection, const std::string& why) {
  // Counted before the socket is shut down, so that a peer that has seen
  // its connection close also sees it counted.
  connections_closed_.fetch_add(1, std::memory_order_relaxed);
  if (!table_.ShutDown(connection)) {
    connections_closed_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  LogClose(
      absl::StrCat("closed the connection from ", connection.peer, ": ", why));
}

void FloodGuard::LogClose(std::string line) {
  {
    absl::MutexLock lock(&log_mu_);
    const absl::Time now = absl::Now();
    if (now - last_log_ < kLogInterval) {
      ++unlogged_;
      return;
    }
    last_log_ = now;
  }
  logging::LogEvent(logging::LogSeverity::kWarning, line);
}

void FloodGuard::LogUnloggedCloses() {
  int unlogged;
  {
    absl::MutexLock lock(&log_mu_);
    const absl::Time now = absl::Now();
    if (unlogged_ == 0 || now - last_log_ < kLogInterval) return;
    unlogged = unlogged_;
    unlogged_ = 0;
    last_log_ = now;
  }
  logging::LogEvent(
      logging::LogSeverity::kWarning,
      absl::StrCat("closed ", unlogged,
                   " more connection(s) for flooding the gateway in the last "
                   "second(s)"));
}

}  // namespace ndes::listener
