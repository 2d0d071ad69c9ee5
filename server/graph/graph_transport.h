// GraphTransport: sends one logical Graph request for a store call and
// answers it once, whatever happens on the way:
//
//   1. waits for the request budget (request_pacer.h), unless the caller
//      already did (Admission::kAdmitted);
//   2. asks GraphAuthorization for the Authorization header;
//   3. sends the request with the common headers: Authorization,
//      client-request-id (the same across the retries and follow-ups of one
//      call), Accept: application/json, Content-Type with a body, If-Match
//      when given, Prefer: return=representation on PATCH;
//   4. after a 401 to a cached app token, fetches a fresh token and sends
//      once more;
//   5. after 429/503/504, waits as retry_policy.h says (never past the
//      caller's deadline) and sends again, each time through the budget
//      again at the front of its queue. A POST is retried only after a 429,
//      or a 503 with Retry-After: both say Graph refused it before doing
//      anything, while a 504 (or a bare 503) may hide a connector that was
//      created, and a create must never run twice for one call.
//
// Every request counts in ndes_gateway_graph_requests_total; a 429 (with or
// without Retry-After) or a 503 with Retry-After counts as throttling, and a
// 429 also shrinks the budget (RequestPacer::Throttled).
//
// Errors passed to `done`: those of http_client.h, of GraphAuthorization,
// RESOURCE_EXHAUSTED with RetryInfo when the budget refuses a kQueue
// request, UNAVAILABLE once Shutdown() was called. An HTTP answer of any
// status is OK with that answer.
//
// Thread-safe. `done` runs on a thread of the HttpClient, the scheduler or
// the pacer, or inline when the request is refused before anything is
// sent.
#ifndef NDES_SERVER_GRAPH_GRAPH_TRANSPORT_H_
#define NDES_SERVER_GRAPH_GRAPH_TRANSPORT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "graph/graph_authorization.h"
#include "graph/graph_stats.h"
#include "graph/request_pacer.h"
#include "graph/retry_policy.h"
#include "http/http_client.h"
#include "store/connector_store.h"

namespace ndes::graph {

// A request to Graph, before the common headers are added.
struct GraphRequest {
  std::string method;  // GET, POST, PATCH, DELETE
  std::string url;
  std::optional<std::string> body;  // JSON
  std::string if_match;             // empty: no If-Match

  static GraphRequest Get(std::string url) {
    return {"GET", std::move(url), std::nullopt, ""};
  }
  static GraphRequest Post(std::string url, std::string body) {
    return {"POST", std::move(url), std::move(body), ""};
  }
  static GraphRequest Patch(std::string url, std::string body,
                            std::string if_match) {
    return {"PATCH", std::move(url), std::move(body), std::move(if_match)};
  }
  static GraphRequest Delete(std::string url, std::string if_match) {
    return {"DELETE", std::move(url), std::nullopt, std::move(if_match)};
  }
};

class GraphTransport {
 public:
  enum class Admission {
    kQueue,     // wait for the budget behind what is queued
    kFront,     // continues a call under way: wait at the front, never refused
    kAdmitted,  // the caller already waited for the budget for this request
  };

  // Everything but `retry` must outlive the transport.
  GraphTransport(std::shared_ptr<http::HttpClient> http,
                 GraphAuthorization* authorization, RequestPacer* pacer,
                 http::Scheduler* scheduler, RetryPolicy retry,
                 std::shared_ptr<GraphStats> stats);

  void Send(const store::CallContext& context, std::string client_request_id,
            GraphRequest request, Admission admission, http::HttpCallback done);

  // From now on retries are not waited for: they answer UNAVAILABLE (the
  // scheduler runs pending ones at once when it is destroyed).
  void Shutdown();

  RequestPacer& pacer() { return *pacer_; }
  GraphAuthorization& authorization() { return *authorization_; }

 private:
  class Exchange;

  bool stopping() const;

  const std::shared_ptr<http::HttpClient> http_;
  GraphAuthorization* const authorization_;
  RequestPacer* const pacer_;
  http::Scheduler* const scheduler_;
  const RetryPolicy retry_;
  const std::shared_ptr<GraphStats> stats_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// The client-request-id of a store call: the gRPC call's request id when it
// is a plain token of up to 128 visible ASCII characters, so that Graph's
// logs can be matched with the caller's; else a fresh UUID.
std::string ClientRequestId(const store::CallContext& context);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_TRANSPORT_H_
