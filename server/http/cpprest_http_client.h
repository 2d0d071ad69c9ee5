// HttpClient and Scheduler over cpprestsdk (Casablanca).
//
// One cpprestsdk http_client per upstream origin (scheme://host:port),
// created on first use and kept, so that connections are pooled and reused.
// TCP_NODELAY is set on the connection before each request. A request
// other than GET/HEAD is never sent twice: when its pooled connection turns
// out closed before the answer, it fails UNAVAILABLE instead of being re-sent
// (cpprestsdk would re-send it silently), since the server may have applied
// it. cpprestsdk's
// exceptions stop at this boundary and become statuses (see http_client.h).
// Continuations run on cpprestsdk's thread pool, never on the caller's
// thread.
//
// Thread-safe.
#ifndef NDES_SERVER_HTTP_CPPREST_HTTP_CLIENT_H_
#define NDES_SERVER_HTTP_CPPREST_HTTP_CLIENT_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/http_client.h"

namespace web::http::client {
class http_client;
}  // namespace web::http::client

namespace ndes::http {

// A Scheduler with one thread of its own.
class ThreadScheduler final : public Scheduler {
 public:
  ThreadScheduler();
  ~ThreadScheduler() override;  // runs pending work at once, joins

  void RunAfter(absl::Duration delay,
                absl::AnyInvocable<void() &&> work) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct CpprestHttpClientOptions {
  // Upper bound for any one request when the caller gives no deadline.
  absl::Duration default_timeout = absl::Seconds(60);
};

class CpprestHttpClient final : public HttpClient {
 public:
  explicit CpprestHttpClient(CpprestHttpClientOptions options = {});
  ~CpprestHttpClient() override;

  void Send(HttpRequest request, HttpCallback done) override;

 private:
  // The client for the origin of `url`; INVALID_ARGUMENT for a URL that
  // does not parse or is not http(s).
  absl::StatusOr<std::shared_ptr<web::http::client::http_client>> ClientFor(
      const std::string& url);

  const CpprestHttpClientOptions options_;
  // Cancels requests whose deadline passes; declared first so that it is
  // destroyed last, cancelling whatever is still in flight.
  ThreadScheduler deadlines_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<web::http::client::http_client>>
      clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::http

#endif  // NDES_SERVER_HTTP_CPPREST_HTTP_CLIENT_H_
