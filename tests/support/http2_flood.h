// Raw HTTP/2 frames over a plain TCP connection to a gRPC server on
// loopback, for the floods no real client sends: rapid reset (CVE-2023-44487:
// HEADERS and DATA, then RST_STREAM, over and over) and CONTINUATION floods
// (a header block that never ends). Every flood is bounded by a count of
// streams or bytes, and by a time limit.
//
//   absl::StatusOr<Http2FloodConnection> connection =
//       Http2FloodConnection::Connect(port);
//   Http2FloodResult result = connection->RapidReset(
//       "/ndes.v1.NdesConnectorService/GetNdesConnector", request_bytes,
//       /*streams=*/100000, /*time_limit=*/absl::Seconds(5));
//
// The connection reads (and drops) whatever the server sends on a thread of
// its own, so the server's writes never stall it; it notes a GOAWAY and the
// end of the connection.
//
// Not thread-safe (one flood at a time per connection).
#ifndef NDES_TESTS_SUPPORT_HTTP2_FLOOD_H_
#define NDES_TESTS_SUPPORT_HTTP2_FLOOD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::testing {

struct Http2FloodResult {
  // Streams opened (RapidReset) or header block bytes sent
  // (ContinuationFlood) before the flood stopped.
  std::size_t sent = 0;
  // The server closed or reset the connection.
  bool closed = false;
  // The time limit ran out before the count was reached.
  bool timed_out = false;
};

class Http2FloodConnection {
 public:
  // Connects to 127.0.0.1:`port` and sends the client preface, an empty
  // SETTINGS frame and the ACK of the server's settings. UNAVAILABLE when
  // the connection is refused.
  static absl::StatusOr<Http2FloodConnection> Connect(int port);

  Http2FloodConnection(Http2FloodConnection&& other) noexcept;
  Http2FloodConnection& operator=(Http2FloodConnection&&) = delete;
  ~Http2FloodConnection();

  // Opens `streams` streams, each a gRPC call of `path` carrying `message`
  // (the serialized request) and reset by the client (RST_STREAM CANCEL)
  // right after, in batches written at once. Stops early when the server
  // closes the connection or `time_limit` passes.
  Http2FloodResult RapidReset(absl::string_view path, absl::string_view message,
                              std::size_t streams, absl::Duration time_limit);

  // Starts a call of `path` whose header block never ends: a HEADERS frame
  // without END_HEADERS, then CONTINUATION frames of small headers, up to
  // `bytes` of header block in all. Stops early when the server closes the
  // connection or `time_limit` passes.
  Http2FloodResult ContinuationFlood(absl::string_view path, std::size_t bytes,
                                     absl::Duration time_limit);

  // Sends one whole call of `path` carrying `message`, with `extra_headers`
  // added to its header block as given (a test may send what no client
  // library would). False when the server closed the connection.
  bool SendRequest(
      absl::string_view path, absl::string_view message,
      const std::vector<std::pair<std::string, std::string>>& extra_headers);

  // Whether the server sent GOAWAY / ended the connection so far.
  bool goaway_received() const;
  bool closed_by_server() const;

  // Waits until the server ends the connection; false after `timeout`.
  bool WaitForClose(absl::Duration timeout);

 private:
  struct Shared;
  explicit Http2FloodConnection(int fd);
  // Writes all of `bytes`; false when the server closed the connection or
  // `deadline` passed (then *timed_out is set).
  bool Write(absl::string_view bytes, absl::Time deadline, bool* timed_out);

  int fd_ = -1;
  // The next stream id SendRequest uses.
  std::uint32_t next_stream_ = 1;
  std::shared_ptr<Shared> shared_;
  std::thread reader_;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_HTTP2_FLOOD_H_
