// HttpServer under clients that misbehave: headers that never end, bodies
// too large, too many connections, silence, trickles, and pipelining. Every
// flood is bounded; timeouts are set small.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_server/http_server.h"
#include "http_server/http_server_test_support.h"
#include "support/raw_http_connection.h"

namespace ndes::http_server {
namespace {

using ::ndes::http_server::testing::GetRequest;
using ::ndes::http_server::testing::HeldRequests;
using ::ndes::http_server::testing::StartServer;
using ::ndes::testing::FloodResult;
using ::ndes::testing::RawHttpConnection;
using ::ndes::testing::RawHttpResponse;
using ::testing::HasSubstr;

constexpr std::size_t kMiB = 1024 * 1024;

RawHttpConnection Connect(int port) {
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(port);
  EXPECT_TRUE(connection.ok()) << connection.status();
  return *std::move(connection);
}

// The server still answers a normal request on a new connection.
void ExpectServing(int port) {
  RawHttpConnection connection = Connect(port);
  connection.Send(GetRequest("/still-serving"));
  absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "/still-serving");
}

// A flood the server cut short: it closed the connection (after a refusal
// or without one), or stopped reading, long before `limit`.
void ExpectCutShort(const FloodResult& flood, std::size_t limit) {
  EXPECT_TRUE(flood.closed || flood.stalled);
  // What was sent fits in the socket buffers plus what the server read.
  EXPECT_LT(flood.sent, limit / 8) << "sent " << flood.sent;
}

TEST(HttpServerLimitsTest, AnswersHeadersOverTheLimit431) {
  HttpServerOptions options;
  options.max_header_bytes = 4096;
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);

  // Just under the limit passes, whole.
  const std::string head = "GET /fits HTTP/1.1\r\nHost: test\r\nX-Pad: ";
  std::string fits =
      head + std::string(4096 - head.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 4096u);
  RawHttpConnection connection = Connect(server->port());
  connection.Send(fits);
  absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);

  // One byte more is refused, and the connection closed.
  connection = Connect(server->port());
  connection.Send(head + std::string(4096 - head.size() - 3, 'a') + "\r\n\r\n");
  response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  EXPECT_THAT(response->body, HasSubstr("4096"));
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(HttpServerLimitsTest, StopsReadingAHeaderThatNeverEnds) {
  HttpServerOptions options;
  options.max_header_bytes = 8192;
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  RawHttpConnection connection = Connect(server->port());
  ASSERT_TRUE(connection.Send("GET / HTTP/1.1\r\nHost: test\r\nX-Flood: "));
  const FloodResult flood =
      connection.Flood(std::string(64 * 1024, 'a'), 256 * kMiB);
  ExpectCutShort(flood, 256 * kMiB);
  // libmicrohttpd answers 431 once its buffer is full and closes; the
  // answer may be lost to the reset the unread flood causes.
  absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
  if (response.ok()) {
    EXPECT_EQ(response->status, 431);
  }
  ExpectServing(server->port());
}

TEST(HttpServerLimitsTest, RefusesABodyOverTheLimitBeforeReadingIt) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer(options, held.Handler());
  ASSERT_NE(server, nullptr);

  // Announced: refused on the headers alone, even on a GET.
  RawHttpConnection connection = Connect(server->port());
  connection.Send(GetRequest("/", "Content-Length: 67108864\r\n"));
  absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_THAT(response->body, HasSubstr("1024"));
  EXPECT_TRUE(connection.WaitForClose());

  // Announced with Expect: 100-continue: refused without the 100.
  connection = Connect(server->port());
  connection.Send(absl::StrCat("PUT / HTTP/1.1\r\nHost: test\r\n",
                               "Content-Length: 2048\r\n",
                               "Expect: 100-continue\r\n\r\n"));
  response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);

  // Chunked: the connection is closed once the body passes the limit.
  connection = Connect(server->port());
  connection.Send(
      "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
  const FloodResult flood = connection.Flood(
      absl::StrCat("1000\r\n", std::string(0x1000, 'b'), "\r\n"), 256 * kMiB);
  ExpectCutShort(flood, 256 * kMiB);
  EXPECT_EQ(held.arrived(), 0);

  // At the limit: the handler gets the body whole.
  connection = Connect(server->port());
  connection.Send(absl::StrCat("POST / HTTP/1.1\r\nHost: test\r\n",
                               "Content-Length: 1024\r\n\r\n",
                               std::string(1024, 'c')));
  ASSERT_TRUE(held.AwaitArrived(1));
  EXPECT_EQ(held.TakeRequest().body, std::string(1024, 'c'));
  std::move(held.TakeResponder()).Answer(HttpServerResponse::Text(200, "ok"));
  response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpServerLimitsTest, AnswersPipelinedRequestsInOrder) {
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer({}, held.Handler());
  ASSERT_NE(server, nullptr);
  RawHttpConnection connection = Connect(server->port());
  connection.Send(GetRequest("/1") +
                  "POST /2 HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\n"
                  "two" +
                  GetRequest("/3"));
  int count = 0;
  for (const char* path : {"/1", "/2", "/3"}) {
    ASSERT_TRUE(held.AwaitArrived(++count));
    // One request at a time: the next is read once this one is answered.
    EXPECT_EQ(held.arrived(), count);
    HttpServerRequest request = held.TakeRequest();
    EXPECT_EQ(request.path, path);
    std::move(held.TakeResponder())
        .Answer(HttpServerResponse::Text(200, request.path + request.body));
    absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, request.path + request.body);
  }
  EXPECT_EQ(held.arrived(), 3);
}

TEST(HttpServerLimitsTest, ClosesTheConnectionOverTheLimitAtOnce) {
  HttpServerOptions options;
  options.max_connections = 2;
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  std::vector<RawHttpConnection> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(Connect(server->port()));
    open.back().Send(GetRequest("/kept"));
    ASSERT_TRUE(open.back().ReadResponse().ok());
  }
  RawHttpConnection third = Connect(server->port());
  third.Send(GetRequest("/third"));
  EXPECT_TRUE(third.WaitForClose(absl::Seconds(5)));

  open.pop_back();  // one closes: room again
  absl::Status last;
  for (int attempt = 0; attempt < 50; ++attempt) {
    RawHttpConnection again = Connect(server->port());
    again.Send(GetRequest("/again"));
    absl::StatusOr<RawHttpResponse> response = again.ReadResponse();
    last = response.status();
    if (response.ok()) {
      EXPECT_EQ(response->status, 200);
      break;
    }
    // The server may not have seen the close yet; it resets this one.
  }
  EXPECT_TRUE(last.ok()) << last;
}

TEST(HttpServerLimitsTest, ClosesTheConnectionOverThePerAddressLimit) {
  HttpServerOptions options;
  options.max_connections_per_ip = 1;
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  RawHttpConnection first = Connect(server->port());
  first.Send(GetRequest("/first"));
  ASSERT_TRUE(first.ReadResponse().ok());
  RawHttpConnection second = Connect(server->port());
  second.Send(GetRequest("/second"));
  EXPECT_TRUE(second.WaitForClose(absl::Seconds(5)));
}

TEST(HttpServerLimitsTest, ClosesASilentConnectionAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = absl::Seconds(1);  // whole seconds only
  options.request_timeout = absl::ZeroDuration();
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  const absl::Time start = absl::Now();
  RawHttpConnection silent = Connect(server->port());
  EXPECT_TRUE(silent.WaitForClose(absl::Seconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));

  // The same between keep-alive requests.
  RawHttpConnection kept = Connect(server->port());
  kept.Send(GetRequest("/once"));
  ASSERT_TRUE(kept.ReadResponse().ok());
  EXPECT_TRUE(kept.WaitForClose(absl::Seconds(10)));
}

TEST(HttpServerLimitsTest, ClosesAConnectionThatTricklesPastTheRequestTimeout) {
  HttpServerOptions options;
  options.idle_timeout = absl::Seconds(30);
  options.request_timeout = absl::Milliseconds(300);
  std::unique_ptr<HttpServer> server =
      StartServer(options, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  RawHttpConnection trickle = Connect(server->port());
  const absl::Time start = absl::Now();
  trickle.Send("GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ");
  // A byte every 50 ms keeps the idle timeout away, not the request one.
  bool closed = false;
  while (!closed && absl::Now() - start < absl::Seconds(5)) {
    closed = !trickle.Send("a") || trickle.WaitForClose(absl::Milliseconds(50));
  }
  EXPECT_TRUE(closed);
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(3));
  ExpectServing(server->port());
}

TEST(HttpServerLimitsTest, TheRequestTimeoutDoesNotCountTheHandlersTime) {
  HttpServerOptions options;
  options.request_timeout = absl::Milliseconds(200);
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer(options, held.Handler());
  ASSERT_NE(server, nullptr);
  RawHttpConnection connection = Connect(server->port());
  connection.Send(GetRequest("/slow-handler"));
  ASSERT_TRUE(held.AwaitArrived(1));
  // Held past the timeout: still answered.
  EXPECT_FALSE(connection.WaitForClose(absl::Milliseconds(500)));
  std::move(held.TakeResponder()).Answer(HttpServerResponse::Text(200, "late"));
  absl::StatusOr<RawHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "late");
}

}  // namespace
}  // namespace ndes::http_server
