// The project's own small HTTP client interface, so that the Graph backend
// can be tested against a fake server and the HTTP library swapped without
// touching Graph logic. The implementation is CpprestHttpClient.
//
// Send never throws and never blocks the calling thread on the network: the
// callback runs exactly once, later, on a thread of the implementation (or
// inline for requests refused before anything is sent).
//
// Errors (absl::StatusCode) when no HTTP response arrived:
//   DEADLINE_EXCEEDED  request.deadline passed first (the request is
//                      cancelled)
//   UNAVAILABLE        could not connect, or the connection broke
//   INVALID_ARGUMENT   the request itself is malformed (bad URL)
//   INTERNAL           anything else the HTTP library reported
// An HTTP response of any status (including 4xx/5xx) is OK with that
// response.
//
// Thread-safe.
#ifndef NDES_SERVER_HTTP_HTTP_CLIENT_H_
#define NDES_SERVER_HTTP_HTTP_CLIENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::http {

struct HttpRequest {
  std::string method;  // "GET", "PATCH", ...
  std::string url;     // absolute: scheme, host, path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The request is abandoned (DEADLINE_EXCEEDED) at this time.
  absl::Time deadline = absl::InfiniteFuture();
};

struct HttpResponse {
  int status_code = 0;
  // Header names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

using HttpCallback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual void Send(HttpRequest request, HttpCallback done) = 0;
};

// Runs work later without holding a thread while waiting: retry back-off and
// token refresh timing.
//
// Thread-safe. Work still pending when the scheduler is destroyed runs at
// once, early, on the destroying thread: every piece of work runs exactly
// once, so a caller waiting on it is always answered.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `work` once after `delay`, on a thread of the scheduler.
  virtual void RunAfter(absl::Duration delay,
                        absl::AnyInvocable<void() &&> work) = 0;
};

}  // namespace ndes::http

#endif  // NDES_SERVER_HTTP_HTTP_CLIENT_H_
