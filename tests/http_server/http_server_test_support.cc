#include "http_server/http_server_test_support.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ndes::http_server::testing {

std::unique_ptr<HttpServer> StartServer(const HttpServerOptions& options,
                                        HttpHandler handler) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::string GetRequest(const std::string& target,
                       const std::string& extra_headers) {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: test\r\n",
                      extra_headers, "\r\n");
}

HttpHandler PathEchoHandler() {
  return [](HttpServerRequest request, HttpResponder responder) {
    std::move(responder).Answer(HttpServerResponse::Text(200, request.path));
  };
}

HttpHandler HeldRequests::Handler() {
  return [this](HttpServerRequest request, HttpResponder responder) {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    requests_.push_back(std::move(request));
    responders_.push_back(std::move(responder));
  };
}

bool HeldRequests::AwaitArrived(int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return arrived_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int HeldRequests::arrived() {
  absl::MutexLock lock(&mu_);
  return arrived_;
}

HttpServerRequest HeldRequests::TakeRequest() {
  absl::MutexLock lock(&mu_);
  HttpServerRequest request = std::move(requests_.front());
  requests_.pop_front();
  return request;
}

HttpResponder HeldRequests::TakeResponder() {
  absl::MutexLock lock(&mu_);
  HttpResponder responder = std::move(responders_.front());
  responders_.pop_front();
  return responder;
}

}  // namespace ndes::http_server::testing
