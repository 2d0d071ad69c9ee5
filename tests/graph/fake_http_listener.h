// The HTTP side of the tests' fake servers: a real HTTP/1.1 listener on
// 127.0.0.1 (port 0), written on plain POSIX sockets, with one thread per
// connection, keep-alive (HTTP/1.0 and "Connection: close" honoured) and
// request bodies by Content-Length or chunked. What to answer is the
// handler's business (FakeGraphServer); the listener reads requests, waits
// the answer's delay (cut short by the destructor), and writes the answer
// with Date, request-id and an echoed client-request-id.
//
// Thread-safe. The destructor closes every connection, cuts short every
// delayed answer (which is then never sent) and joins its threads.
#ifndef NDES_TESTS_GRAPH_FAKE_HTTP_LISTENER_H_
#define NDES_TESTS_GRAPH_FAKE_HTTP_LISTENER_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ndes::graph::testing {

// The endpoints of the fake Graph. kAny only selects; a request is never
// kAny.
enum class FakeEndpoint {
  kAny,
  kGraph,  // everything under the Graph base path
  kToken,  // /{tenant}/oauth2/v2.0/token
  kOther,  // any other path (answered 404)
};

struct RecordedRequest {
  FakeEndpoint endpoint = FakeEndpoint::kOther;
  std::string method;
  // The request target as sent: path and query, still percent-encoded.
  std::string target;
  std::string path;   // target before '?'
  std::string query;  // target after '?', "" if none
  // In order; names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The accepted TCP connection that carried it, from 1, and the place of
  // the request on that connection, from 1 (more than 1: a reused
  // connection).
  int connection = 0;
  int sequence_on_connection = 0;
  absl::Time received_at;
  // The request-id header the fake answered with (also in its error
  // envelopes' innerError), unless a scripted answer set its own.
  std::string request_id;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

// What to answer a request.
struct FakeHttpAnswer {
  int status = 200;
  // Sent as given, after Date, request-id (unless given here) and the
  // echoed client-request-id (unless given here or empty); Content-Length
  // is always computed (and not sent with 204 / 304).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;
  std::string client_request_id;
  // Waits this long before answering (cut short by the destructor, and
  // then nothing is sent).
  absl::Duration delay = absl::ZeroDuration();
  // Closes the connection without answering (after `delay`).
  bool close_without_answer = false;
};

class FakeHttpListener {
 public:
  // Decides the answer to a request (path, query, connection and
  // received_at already filled in). Called on the connection's thread.
  using Handler = std::function<FakeHttpAnswer(RecordedRequest)>;

  // Listens on 127.0.0.1:0 and serves at once; aborts the test binary if no
  // socket can be opened (a test environment fault).
  explicit FakeHttpListener(Handler handler);
  ~FakeHttpListener();
  FakeHttpListener(const FakeHttpListener&) = delete;
  FakeHttpListener& operator=(const FakeHttpListener&) = delete;

  int port() const { return port_; }
  // TCP connections accepted so far.
  int connections_accepted() const;

 private:
  void AcceptLoop();
  void ServeConnection(int fd, int connection);
  // Waits `delay` or until the destructor starts; false if it started.
  bool Wait(absl::Duration delay) const;

  const Handler handler_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // wakes AcceptLoop at destruction
  int port_ = 0;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connection_threads_ ABSL_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

// %XX-decodes `text` ('+' stays '+'); nullopt for a malformed escape.
std::optional<std::string> PercentDecode(absl::string_view text);

// Every byte but the unreserved ones of RFC 3986 percent-encoded.
std::string PercentEncode(absl::string_view text);

// Decodes an application/x-www-form-urlencoded body ('+' is a space). A
// name given twice keeps its last value.
std::map<std::string, std::string> ParseFormBody(absl::string_view body);

}  // namespace ndes::graph::testing

#endif  // NDES_TESTS_GRAPH_FAKE_HTTP_LISTENER_H_
