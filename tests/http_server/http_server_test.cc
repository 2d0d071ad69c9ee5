// HttpServer: requests as the handler sees them, answers given later from
// other threads or never, Stop, and the errors Start reports.
#include "http_server/http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_server/http_server_test_support.h"
#include "support/raw_http_connection.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

namespace ndes::http_server {
namespace {

using ::ndes::http_server::testing::GetRequest;
using ::ndes::http_server::testing::HeldRequests;
using ::ndes::http_server::testing::StartServer;
using ::ndes::testing::RawHttpConnection;
using ::ndes::testing::RawHttpResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Optional;
using ::testing::Pair;

// Sends `request` on a new connection and reads the one response.
absl::StatusOr<RawHttpResponse> Exchange(int port, const std::string& request,
                                         bool head = false) {
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(port);
  if (!connection.ok()) return connection.status();
  connection->Send(request);
  return connection->ReadResponse(absl::Seconds(10), head);
}

TEST(HttpServerTest, HandsTheHandlerTheWholeRequest) {
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer({}, held.Handler());
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), absl::StrCat("127.0.0.1:", server->port()));

  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(connection.ok()) << connection.status();
  connection->Send(
      "PATCH /beta/items/a%2Fb?%24top=2&name=x+y%21&flag&name=second "
      "HTTP/1.1\r\nHost: test\r\nX-Request-Id: r-1\r\nx-multi: 1\r\n"
      "X-Multi: 2\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  ASSERT_TRUE(held.AwaitArrived(1));
  HttpServerRequest request = held.TakeRequest();
  std::move(held.TakeResponder()).Answer(HttpServerResponse::Text(200, "ok"));

  EXPECT_EQ(request.method, "PATCH");
  EXPECT_EQ(request.target,
            "/beta/items/a%2Fb?%24top=2&name=x+y%21&flag&name=second");
  EXPECT_EQ(request.path, "/beta/items/a%2Fb");
  EXPECT_THAT(request.query,
              ElementsAre(Pair("$top", "2"), Pair("name", "x y!"),
                          Pair("flag", ""), Pair("name", "second")));
  EXPECT_THAT(request.QueryParameter("name"), Optional(std::string("x y!")));
  EXPECT_EQ(request.QueryParameter("missing"), std::nullopt);
  EXPECT_THAT(request.Header("x-request-id"), Optional(std::string("r-1")));
  EXPECT_THAT(request.Header("X-MULTI"), Optional(std::string("1")));
  EXPECT_EQ(request.body, "{\"a\":1}");
  EXPECT_THAT(request.peer, MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
  EXPECT_FALSE(request.tls);

  absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpServerTest, SendsTheHandlersStatusHeadersAndBody) {
  std::unique_ptr<HttpServer> server =
      StartServer({}, [](HttpServerRequest, HttpResponder responder) {
        HttpServerResponse response;
        response.status = 201;
        response.headers = {{"Content-Type", "application/json"},
                            {"Location", "/items/1"},
                            {"Content-Length", "999"},  // the server's own
                            {"X-Empty", ""}};
        response.body = "{\"id\":\"1\"}";
        std::move(responder).Answer(std::move(response));
      });
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpResponse> response =
      Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_THAT(response->Header("location"), Optional(std::string("/items/1")));
  EXPECT_THAT(response->Header("content-length"), Optional(std::string("10")));
  EXPECT_EQ(response->Header("x-empty"), std::nullopt);
  EXPECT_EQ(response->body, "{\"id\":\"1\"}");
}

TEST(HttpServerTest, LeavesTheBodyOutForHead) {
  std::unique_ptr<HttpServer> server =
      StartServer({}, [](HttpServerRequest request, HttpResponder responder) {
        std::move(responder).Answer(
            HttpServerResponse::Text(200, request.method + "!"));
      });
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(connection.ok());
  connection->Send("HEAD / HTTP/1.1\r\nHost: test\r\n\r\n" + GetRequest("/"));
  absl::StatusOr<RawHttpResponse> head =
      connection->ReadResponse(absl::Seconds(10), /*head=*/true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_THAT(head->Header("content-length"), Optional(std::string("5")));
  // The next response follows at once: no body was sent for HEAD.
  absl::StatusOr<RawHttpResponse> get = connection->ReadResponse();
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->body, "GET!");
}

TEST(HttpServerTest, AnswersAHeaderThatCannotBeSentWith500) {
  std::unique_ptr<HttpServer> server =
      StartServer({}, [](HttpServerRequest request, HttpResponder responder) {
        HttpServerResponse response = HttpServerResponse::Text(200, "fine");
        response.headers.emplace_back("X-Echo", request.path + "\r\nX-Evil: 1");
        std::move(responder).Answer(std::move(response));
      });
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpResponse> response =
      Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->Header("x-evil"), std::nullopt);
}

TEST(HttpServerTest, AnswersFromAnotherThreadWhileServingOthers) {
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer({}, held.Handler());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpConnection> first =
      RawHttpConnection::Connect(server->port());
  absl::StatusOr<RawHttpConnection> second =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(first.ok() && second.ok());
  first->Send(GetRequest("/first"));
  ASSERT_TRUE(held.AwaitArrived(1));
  // The first waits for its answer; the server goes on with the second.
  second->Send(GetRequest("/second"));
  ASSERT_TRUE(held.AwaitArrived(2));
  HttpResponder first_responder = held.TakeResponder();
  HttpResponder second_responder = held.TakeResponder();
  std::thread answerer([&] {
    std::move(second_responder).Answer(HttpServerResponse::Text(200, "second"));
  });
  answerer.join();
  absl::StatusOr<RawHttpResponse> response = second->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "second");

  std::thread([&] {
    std::move(first_responder).Answer(HttpServerResponse::Text(202, "first"));
  }).join();
  response = first->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "first");
}

TEST(HttpServerTest, KeepsTheFirstAnswerOnly) {
  std::unique_ptr<HttpServer> server =
      StartServer({}, [](HttpServerRequest, HttpResponder responder) {
        HttpResponder moved = std::move(responder);
        std::move(moved).Answer(HttpServerResponse::Text(200, "first"));
        std::move(moved).Answer(
            HttpServerResponse::Text(500, "second"));  // ignored
        std::move(responder).Answer(
            HttpServerResponse::Text(500, "moved from"));
      });
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpResponse> response =
      Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "first");
}

TEST(HttpServerTest, AResponderDroppedUnansweredAnswers500) {
  HeldRequests held;
  std::unique_ptr<HttpServer> server = StartServer({}, held.Handler());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(connection.ok());
  connection->Send(GetRequest("/dropped-later"));
  ASSERT_TRUE(held.AwaitArrived(1));
  std::thread([responder = held.TakeResponder()]() mutable {
    HttpResponder dropped = std::move(responder);
  }).join();
  absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);

  // Dropped by the handler itself, on the server's thread.
  std::unique_ptr<HttpServer> dropping =
      StartServer({}, [](HttpServerRequest, HttpResponder) {});
  ASSERT_NE(dropping, nullptr);
  response = Exchange(dropping->port(), GetRequest("/dropped-at-once"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
}

TEST(HttpServerTest, StopAnswersARequestStillWaiting503WithinTheGrace) {
  HeldRequests held;
  HttpServerOptions options;
  options.stop_grace = absl::Milliseconds(200);
  std::unique_ptr<HttpServer> server = StartServer(options, held.Handler());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(connection.ok());
  connection->Send(GetRequest("/never-answered"));
  ASSERT_TRUE(held.AwaitArrived(1));

  const absl::Time start = absl::Now();
  server->Stop();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(200));
  EXPECT_LT(took, absl::Seconds(2));
  absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  // Answering after the server stopped does nothing.
  std::move(held.TakeResponder())
      .Answer(HttpServerResponse::Text(200, "too late"));
  // The port is free, and no longer accepts.
  EXPECT_FALSE(RawHttpConnection::Connect(server->port()).ok());
}

TEST(HttpServerTest, StopLetsARequestBeingHandledFinish) {
  HeldRequests held;
  HttpServerOptions options;
  options.stop_grace = absl::Seconds(10);
  std::unique_ptr<HttpServer> server = StartServer(options, held.Handler());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(server->port());
  ASSERT_TRUE(connection.ok());
  connection->Send(GetRequest("/slow"));
  ASSERT_TRUE(held.AwaitArrived(1));

  absl::Notification stopped;
  std::thread stopper([&] {
    server->Stop();
    stopped.Notify();
  });
  std::move(held.TakeResponder())
      .Answer(HttpServerResponse::Text(200, "finished"));
  absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "finished");
  // Stop returns once the answer is out, not after the whole grace.
  EXPECT_TRUE(stopped.WaitForNotificationWithTimeout(absl::Seconds(5)));
  stopper.join();
}

TEST(HttpServerTest, StopIsIdempotentAndFreesThePort) {
  std::unique_ptr<HttpServer> server =
      StartServer({}, testing::PathEchoHandler());
  ASSERT_NE(server, nullptr);
  const std::string address = server->address();
  server->Stop();
  server->Stop();
  HttpServerOptions again;
  again.listen_address = address;
  EXPECT_NE(StartServer(again, testing::PathEchoHandler()), nullptr);
}

TEST(HttpServerTest, ListensOnIpv6AndOnAHostName) {
  for (const char* host : {"[::1]", "localhost"}) {
    HttpServerOptions options;
    options.listen_address = absl::StrCat(host, ":0");
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, testing::PathEchoHandler());
    if (!server.ok() && std::string(host) == "[::1]") {
      GTEST_SKIP() << "no IPv6 loopback here: " << server.status();
    }
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ((*server)->address(), absl::StrCat(host, ":", (*server)->port()));
  }
}

TEST(HttpServerTest, RefusesWhatIsNotHostPort) {
  for (const char* bad :
       {"", "9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "::1:9464"}) {
    HttpServerOptions options;
    options.listen_address = bad;
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, testing::PathEchoHandler());
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(std::string(server.status().message()),
                HasSubstr("is not host:port"));
  }
}

TEST(HttpServerTest, RefusesAPortInUseNamingTheAddress) {
  std::unique_ptr<HttpServer> first =
      StartServer({}, testing::PathEchoHandler());
  ASSERT_NE(first, nullptr);
  HttpServerOptions options;
  options.name = "the test API";
  options.listen_address = first->address();
  absl::StatusOr<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(options, testing::PathEchoHandler());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("cannot serve the test API on " + first->address() +
                        ": Address already in use"));
}

TEST(HttpServerTest, RefusesLimitsOutOfRange) {
  HttpServerOptions options;
  options.max_connections = 0;
  EXPECT_EQ(
      HttpServer::Start(options, testing::PathEchoHandler()).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(HttpServerTest, RefusesBadTlsFilesNamingThem) {
  ndes::testing::TempDir dir;
  ndes::testing::TestCertificateAuthority ca("test CA");
  ndes::testing::TestCertificateAuthority other("other CA");
  const ndes::testing::CertificateAndKey server_pair =
      ca.Issue("localhost", {"localhost"}, {"127.0.0.1"});
  const ndes::testing::CertificateAndKey other_pair = other.Issue("other");
  ndes::testing::WriteTextFile(dir.Path("cert.pem"), server_pair.cert_pem);
  ndes::testing::WriteTextFile(dir.Path("key.pem"), server_pair.key_pem);
  ndes::testing::WriteTextFile(dir.Path("other-key.pem"), other_pair.key_pem);
  ndes::testing::WriteTextFile(dir.Path("garbage.pem"), "not a PEM file\n");

  struct Case {
    std::string cert, key, client_ca, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"missing.pem", "key.pem", "", "cannot read TLS certificate"},
           {"garbage.pem", "key.pem", "", "holds no PEM certificate"},
           {"cert.pem", "garbage.pem", "", "holds no unencrypted PEM"},
           {"cert.pem", "other-key.pem", "", "does not match the certificate"},
           {"cert.pem", "key.pem", "garbage.pem",
            "client CA file \"" + dir.Path("garbage.pem")},
           {"cert.pem", "", "", "needs its private key"},
       }) {
    HttpServerOptions options;
    options.tls.cert_file = dir.Path(c.cert);
    options.tls.key_file = c.key.empty() ? "" : dir.Path(c.key);
    options.tls.client_ca_file =
        c.client_ca.empty() ? "" : dir.Path(c.client_ca);
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, testing::PathEchoHandler());
    EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition)
        << c.cert << " " << c.key;
    EXPECT_THAT(std::string(server.status().message()), HasSubstr(c.expected));
  }
}

}  // namespace
}  // namespace ndes::http_server
