#include "observability/metrics_http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "observability/gateway_metrics.h"
#include "observability/metrics_registry.h"
#include "store/store_test_support.h"
#include "support/raw_http_connection.h"

namespace ndes::observability {
namespace {

// A registry for servers that never get to serve it.
const MetricsRegistry& Unused() {
  static const MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Optional;

absl::StatusOr<http::HttpResponse> Send(const std::string& method,
                                        const std::string& url) {
  http::CpprestHttpClient client;
  http::HttpRequest request;
  request.method = method;
  request.url = url;
  request.deadline = absl::Now() + absl::Seconds(10);
  std::promise<absl::StatusOr<http::HttpResponse>> answer;
  client.Send(std::move(request),
              [&answer](absl::StatusOr<http::HttpResponse> response) {
                answer.set_value(std::move(response));
              });
  return answer.get_future().get();
}

TEST(MetricsHttpServerTest, ServesTheRegistryOnAPickedPort) {
  MetricsRegistry registry;
  registry.AddCounter("app_scrapes_total", "Scrapes.").Get().Increment(7);
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  EXPECT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->address(),
            absl::StrCat("127.0.0.1:", (*server)->port()));

  absl::StatusOr<http::HttpResponse> response = Send("GET", (*server)->url());
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 200);
  EXPECT_THAT(
      response->Header("content-type"),
      Optional(std::string("text/plain; version=0.0.4; charset=utf-8")));
  EXPECT_EQ(response->body, registry.TextExposition());
  EXPECT_THAT(response->body, HasSubstr("\napp_scrapes_total 7\n"));

  // Each scrape renders the registry anew.
  registry.AddGauge("app_later", "Registered after the first scrape.")
      .Get()
      .Set(3);
  response = Send("GET", (*server)->url());
  ASSERT_THAT(response, IsOk());
  EXPECT_THAT(response->body, HasSubstr("\napp_later 3\n"));
}

TEST(MetricsHttpServerTest, ListensOnEveryInterfaceAndOnAHostName) {
  MetricsRegistry registry;
  registry.AddGauge("app_up", "Up.").Get().Set(1);
  for (const char* host : {"0.0.0.0", "localhost"}) {
    auto server = MetricsHttpServer::Start(absl::StrCat(host, ":0"), registry);
    ASSERT_THAT(server, IsOk()) << host;
    EXPECT_EQ((*server)->address(), absl::StrCat(host, ":", (*server)->port()));
    absl::StatusOr<http::HttpResponse> response =
        Send("GET",
             absl::StrCat("http://127.0.0.1:", (*server)->port(), "/metrics"));
    ASSERT_THAT(response, IsOk()) << host;
    EXPECT_THAT(response->body, HasSubstr("\napp_up 1\n")) << host;
  }
}

TEST(MetricsHttpServerTest, AnswersOtherPathsWith404AndOtherMethodsWith405) {
  MetricsRegistry registry;
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  const std::string origin = absl::StrCat("http://", (*server)->address());

  absl::StatusOr<http::HttpResponse> response = Send("GET", origin + "/");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 404);
  response = Send("GET", origin + "/metrics/extra");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 404);

  for (const char* method : {"POST", "PUT", "DELETE"}) {
    response = Send(method, origin + "/metrics");
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->status_code, 405) << method;
    EXPECT_THAT(response->Header("allow"), Optional(std::string("GET, HEAD")));
  }
}

TEST(MetricsHttpServerTest, AnswersHeadWithTheHeadersOfAScrape) {
  MetricsRegistry registry;
  registry.AddGauge("app_up", "Up.").Get().Set(1);
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  absl::StatusOr<testing::RawHttpConnection> connection =
      testing::RawHttpConnection::Connect((*server)->port());
  ASSERT_THAT(connection.status(), IsOk());
  connection->Send("HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
  absl::StatusOr<testing::RawHttpResponse> head =
      connection->ReadResponse(absl::Seconds(10), /*head=*/true);
  ASSERT_THAT(head.status(), IsOk());
  EXPECT_EQ(head->status, 200);
  EXPECT_THAT(head->Header("content-type"),
              Optional(std::string(kTextExpositionContentType)));
  EXPECT_THAT(head->Header("content-length"),
              Optional(std::to_string(registry.TextExposition().size())));
  EXPECT_EQ(head->body, "");
}

TEST(MetricsHttpServerTest, RefusesABodyAndHeadersOverItsLimits) {
  MetricsRegistry registry;
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  absl::StatusOr<testing::RawHttpConnection> connection =
      testing::RawHttpConnection::Connect((*server)->port());
  ASSERT_THAT(connection.status(), IsOk());
  connection->Send(
      "GET /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 2048\r\n\r\n");
  absl::StatusOr<testing::RawHttpResponse> response =
      connection->ReadResponse();
  ASSERT_THAT(response.status(), IsOk());
  EXPECT_EQ(response->status, 413);

  connection = testing::RawHttpConnection::Connect((*server)->port());
  ASSERT_THAT(connection.status(), IsOk());
  connection->Send("GET /metrics HTTP/1.1\r\nHost: test\r\nX-Pad: " +
                   std::string(9000, 'a') + "\r\n\r\n");
  response = connection->ReadResponse();
  ASSERT_THAT(response.status(), IsOk());
  EXPECT_EQ(response->status, 431);
}

TEST(MetricsHttpServerTest, RefusesAnAddressInUseNamingIt) {
  // A listening socket holds a port.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string taken = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));

  auto server = MetricsHttpServer::Start(taken, Unused());
  EXPECT_THAT(server, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("cannot serve metrics on " + taken)));
  close(fd);
}

TEST(MetricsHttpServerTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"", "9464", ":9464", "127.0.0.1:", "127.0.0.1:x",
                          "127.0.0.1:65536", "::1:9464", "[::1:9464"}) {
    EXPECT_THAT(MetricsHttpServer::Start(bad, Unused()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("is not host:port")))
        << bad;
  }
}

TEST(MetricsHttpServerTest, RefusesAHostThatIsNotLocalNamingIt) {
  // TEST-NET-1 (RFC 5737): never an address of this host.
  EXPECT_THAT(MetricsHttpServer::Start("192.0.2.1:0", Unused()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("cannot serve metrics on 192.0.2.1:0")));
}

TEST(MetricsHttpServerTest, StopClosesTheListener) {
  MetricsRegistry registry;
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  const std::string url = (*server)->url();
  ASSERT_THAT(Send("GET", url), IsOk());
  (*server)->Stop();
  (*server)->Stop();  // idempotent
  EXPECT_THAT(Send("GET", url), StatusIs(absl::StatusCode::kUnavailable, _));
  // The port is free again.
  auto again = MetricsHttpServer::Start((*server)->address(), registry);
  EXPECT_THAT(again, IsOk());
}

}  // namespace
}  // namespace ndes::observability
