#include "support/raw_http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ndes::testing {
namespace {

int MillisecondsUntil(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
}

}  // namespace

std::optional<std::string> RawHttpResponse::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

absl::StatusOr<RawHttpConnection> RawHttpConnection::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to 127.0.0.1:", port,
                                               ": ", std::strerror(error)));
  }
  return RawHttpConnection(fd);
}

RawHttpConnection::RawHttpConnection(RawHttpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

RawHttpConnection& RawHttpConnection::operator=(
    RawHttpConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

RawHttpConnection::~RawHttpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawHttpConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

FloodResult RawHttpConnection::Flood(absl::string_view filler,
                                     std::size_t limit, absl::Duration stall) {
  FloodResult result;
  while (result.sent < limit) {
    pollfd ready{fd_, POLLOUT, 0};
    const int polled =
        poll(&ready, 1, static_cast<int>(absl::ToInt64Milliseconds(stall)));
    if (polled == 0) {
      result.stalled = true;
      break;
    }
    if (polled < 0) {
      if (errno == EINTR) continue;
      result.closed = true;
      break;
    }
    const std::size_t size = std::min(filler.size(), limit - result.sent);
    const ssize_t sent =
        send(fd_, filler.data(), size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      result.closed = true;
      break;
    }
    result.sent += static_cast<std::size_t>(sent);
  }
  return result;
}

int RawHttpConnection::ReadSome(absl::Time deadline) {
  pollfd ready{fd_, POLLIN, 0};
  const int polled = poll(&ready, 1, MillisecondsUntil(deadline));
  if (polled == 0) return -1;
  char chunk[16 * 1024];
  const ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
  if (got <= 0) return 0;
  buffer_.append(chunk, static_cast<std::size_t>(got));
  return static_cast<int>(got);
}

absl::StatusOr<RawHttpResponse> RawHttpConnection::ReadResponse(
    absl::Duration timeout, bool head) {
  const absl::Time deadline = absl::Now() + timeout;
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const int got = ReadSome(deadline);
    if (got == 0) return absl::UnavailableError("connection ended");
    if (got < 0) return absl::DeadlineExceededError("no response in time");
  }
  RawHttpResponse response;
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(buffer_).substr(0, end), "\r\n");
  std::vector<absl::string_view> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    response.headers.emplace_back(
        std::string(lines[i].substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  std::size_t length = 0;
  if (!head) {
    if (std::optional<std::string> value = response.Header("Content-Length");
        value.has_value() && !absl::SimpleAtoi(*value, &length)) {
      return absl::DataLossError(absl::StrCat("bad Content-Length: ", *value));
    }
  }
  const std::size_t body_start = end + 4;
  while (buffer_.size() < body_start + length) {
    const int got = ReadSome(deadline);
    if (got == 0) return absl::UnavailableError("connection ended in a body");
    if (got < 0) return absl::DeadlineExceededError("no body in time");
  }
  response.body = buffer_.substr(body_start, length);
  buffer_.erase(0, body_start + length);
  return response;
}

bool RawHttpConnection::WaitForClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const int got = ReadSome(deadline);
    if (got == 0) return true;
    if (got < 0) return false;
    buffer_.clear();
  }
}

}  // namespace ndes::testing
