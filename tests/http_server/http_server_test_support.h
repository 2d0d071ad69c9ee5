// Helpers for the HttpServer tests: request text, simple handlers, and a
// handler that holds its requests for the test to answer later.
#ifndef NDES_TESTS_HTTP_SERVER_HTTP_SERVER_TEST_SUPPORT_H_
#define NDES_TESTS_HTTP_SERVER_HTTP_SERVER_TEST_SUPPORT_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http_server/http_exchange.h"
#include "http_server/http_server.h"

namespace ndes::http_server::testing {

// Starts a server; fails the test (and returns null) when it cannot.
std::unique_ptr<HttpServer> StartServer(const HttpServerOptions& options,
                                        HttpHandler handler);

// "GET <target> HTTP/1.1" with a Host header and `extra_headers` (each
// line ending in \r\n), ready to send.
std::string GetRequest(const std::string& target,
                       const std::string& extra_headers = "");

// Answers every request at once with 200 and the request's path.
HttpHandler PathEchoHandler();

// Keeps every request and its responder, for the test to answer later
// (from its own thread) or to drop.
class HeldRequests {
 public:
  // Must outlive the servers it is given to.
  HttpHandler Handler();

  // Waits until `count` requests have arrived in all. False after
  // `timeout`.
  bool AwaitArrived(int count, absl::Duration timeout = absl::Seconds(10));
  int arrived();

  // The oldest request not yet taken, with its responder.
  HttpServerRequest TakeRequest();
  HttpResponder TakeResponder();

 private:
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<HttpServerRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::deque<HttpResponder> responders_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::http_server::testing

#endif  // NDES_TESTS_HTTP_SERVER_HTTP_SERVER_TEST_SUPPORT_H_
