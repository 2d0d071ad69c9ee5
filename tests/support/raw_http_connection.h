// A plain TCP connection to an HTTP server on loopback, for tests that need
// what a well-behaved client never sends: pipelined requests, headers that
// never end, bodies a server must refuse, silence, trickles.
//
//   absl::StatusOr<RawHttpConnection> connection =
//       RawHttpConnection::Connect(port);
//   connection->Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
//                    "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
//   absl::StatusOr<RawHttpResponse> first = connection->ReadResponse();
//
// Not thread-safe.
#ifndef NDES_TESTS_SUPPORT_RAW_HTTP_CONNECTION_H_
#define NDES_TESTS_SUPPORT_RAW_HTTP_CONNECTION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::testing {

struct RawHttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

// What Flood managed to send before it stopped.
struct FloodResult {
  std::size_t sent = 0;
  // The server closed or reset the connection.
  bool closed = false;
  // The server stopped reading: nothing could be written for a while.
  bool stalled = false;
};

class RawHttpConnection {
 public:
  // Connects to 127.0.0.1:`port`. UNAVAILABLE when refused.
  static absl::StatusOr<RawHttpConnection> Connect(int port);

  RawHttpConnection(RawHttpConnection&& other) noexcept;
  RawHttpConnection& operator=(RawHttpConnection&& other) noexcept;
  ~RawHttpConnection();

  // Writes all of `bytes`. False when the server closed or reset the
  // connection first.
  bool Send(absl::string_view bytes);

  // Writes `filler` over and over, up to `limit` bytes in all, until the
  // server closes the connection or takes nothing for `stall`.
  FloodResult Flood(absl::string_view filler, std::size_t limit,
                    absl::Duration stall = absl::Seconds(2));

  // Reads one response: status line, headers, and a body of the
  // Content-Length given (none for a response to HEAD: `head`). Bytes after
  // it stay for the next call. UNAVAILABLE when the connection ends first,
  // DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<RawHttpResponse> ReadResponse(
      absl::Duration timeout = absl::Seconds(10), bool head = false);

  // Waits until the server closes (or resets) the connection, reading and
  // dropping whatever it sends. False after `timeout`.
  bool WaitForClose(absl::Duration timeout = absl::Seconds(10));

  int fd() const { return fd_; }

 private:
  explicit RawHttpConnection(int fd) : fd_(fd) {}
  // Appends what arrives within `deadline`: > 0 bytes read, 0 end of
  // stream or reset, -1 deadline.
  int ReadSome(absl::Time deadline);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_RAW_HTTP_CONNECTION_H_
