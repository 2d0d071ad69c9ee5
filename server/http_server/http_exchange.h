// What an HttpServer hands its handler: one request, and a responder that
// sends the one answer to it, now or later, from any thread.
//
//   void Handle(HttpServerRequest request, HttpResponder responder) {
//     store.Get(id, [responder = std::move(responder)](auto result) mutable {
//       HttpServerResponse response;
//       response.status = result.ok() ? 200 : 404;
//       ...
//       std::move(responder).Answer(std::move(response));  // any thread
//     });
//   }
//
// A responder answers exactly once: the first Answer wins, and a responder
// destroyed without answering answers 500, so no connection is ever left
// waiting on a forgotten request.
#ifndef NDES_SERVER_HTTP_SERVER_HTTP_EXCHANGE_H_
#define NDES_SERVER_HTTP_SERVER_HTTP_EXCHANGE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"

namespace ndes::http_server {

namespace internal {
class Exchange;
}  // namespace internal

// One HTTP request, whole: the server calls the handler only once the
// request line, the headers and the body have all arrived within the
// server's limits.
struct HttpServerRequest {
  std::string method;  // as sent: "GET", "PATCH", ...
  // The request target as sent ("/a/b%2Fc?x=1&y"), and its path part, still
  // percent-encoded ("/a/b%2Fc"), so that an encoded "/" never splits a
  // path segment: split first, then decode each segment.
  std::string target;
  std::string path;
  // The query's name=value pairs in the order sent, percent-decoded with
  // "+" as a space (a name without "=" has an empty value; a malformed
  // escape is kept as it is).
  std::vector<std::pair<std::string, std::string>> query;
  // Header fields in the order sent, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The client's address: "127.0.0.1:53412" or "[::1]:53412".
  std::string peer;
  // Whether the request came over TLS.
  bool tls = false;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
  // The first query parameter named `name` (case-sensitive), if any.
  std::optional<std::string> QueryParameter(absl::string_view name) const;
};

struct HttpServerResponse {
  // 200 to 599; anything else is sent as 500.
  int status = 200;
  // Sent in this order. Content-Length and Date are the server's: a
  // Content-Length given here is ignored. A name or value the server cannot
  // send as it is (a line break, say) turns the answer into a 500.
  // "Connection: close" closes the connection after this answer.
  std::vector<std::pair<std::string, std::string>> headers;
  // Not sent for HEAD requests and for 204 and 304; Content-Length still
  // says its size.
  std::string body;

  // `status` with `body` as text/plain; charset=utf-8.
  static HttpServerResponse Text(int status, std::string body);
};

// Sends the answer to one request. Movable, not copyable.
//
// Thread-safe: Answer may be called from any thread, once. A responder
// outliving its server is harmless: the server answered the request when it
// stopped (503), and Answer then does nothing.
class HttpResponder {
 public:
  explicit HttpResponder(std::shared_ptr<internal::Exchange> exchange);
  HttpResponder(HttpResponder&&) noexcept;
  HttpResponder& operator=(HttpResponder&&) noexcept;
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;
  // Answers 500 if Answer was never called.
  ~HttpResponder();

  // Sends `response`, unless the request was answered already (a responder
  // moved from, or the server stopping).
  void Answer(HttpServerResponse response) &&;

 private:
  std::shared_ptr<internal::Exchange> exchange_;
};

// Called on the server's thread, one request at a time. It must not block:
// whatever waits (a store, the network) takes the responder along and
// answers later. It must not throw (an exception is answered 500).
using HttpHandler = absl::AnyInvocable<void(HttpServerRequest request,
                                            HttpResponder responder)>;

}  // namespace ndes::http_server

#endif  // NDES_SERVER_HTTP_SERVER_HTTP_EXCHANGE_H_
