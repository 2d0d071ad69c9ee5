// GraphConnectorStore: the ConnectorStore that is Microsoft Graph itself
// (--store=graph), over the project's HttpClient.
//
//   Get     GET    {base}/deviceManagement/ndesConnectors/{id}
//   List    GET    {base}/deviceManagement/ndesConnectors?$top=N with the
//                  query's $filter, $orderby and $select
//                  (graph_list_query.h), then the answer's
//                  @odata.nextLink (carried in the page token, with the
//                  fingerprint of the query's filter, order and selection:
//                  a token is refused for another query); each connector is
//                  reduced to the selection here too, whatever Graph answers
//   Create  POST   {base}/deviceManagement/ndesConnectors          (201)
//   Update  PATCH  {base}/deviceManagement/ndesConnectors/{id}     (200/204)
//   Delete  DELETE {base}/deviceManagement/ndesConnectors/{id}     (204)
//
// Every request carries Authorization (from GraphAuthorization), a
// client-request-id (the call's CallContext::request_id when it is a plain
// token of up to 128 visible ASCII characters, else a fresh UUID; the same
// across the store call's retries and follow-ups), Accept: application/json;
// PATCH and DELETE carry If-Match when an etag was given; PATCH carries Prefer:
// return=representation and its body is exactly the Graph PATCH document of the
// update. A 204 answer to PATCH is followed by a GET. Graph's @odata.etag is
// the connector's etag.
//
// Update with create_if_missing: a 404 to the PATCH is followed by a POST
// of the whole connector (with its id); if an etag was given the answer is
// ABORTED instead, as for the embedded stores.
//
// Errors: Graph's answers map through graph_errors.h (with Create's 409 as
// ALREADY_EXISTS); 429/503/504 are retried per retry_policy.h, within the
// caller's deadline, and end as RESOURCE_EXHAUSTED (429) or UNAVAILABLE;
// a 401 to a cached app token is retried once with a fresh token; a 2xx
// answer that is not a valid connector is INTERNAL; the caller's deadline
// bounds every request (DEADLINE_EXCEEDED).
//
// Hostile input: ids are percent-encoded into the path segment (and
// validated by the service before they get here); a page token is accepted
// only if its nextLink starts with this store's collection URL, so a caller
// can never make the gateway call another host or path.
//
// Metrics (observability/gateway_metrics.h): every response (or its
// absence) counts in ndes_gateway_graph_requests_total; each retry of a
// 429/503/504 in ndes_gateway_graph_retries_total; a 429/503 with
// Retry-After in ndes_gateway_graph_throttled_total, and the wait before its
// retry in ndes_gateway_graph_throttle_wait_seconds_total.
//
// Thread-safe. Calls never block the calling thread on the network: the
// callback runs on a thread of the HttpClient or the Scheduler (or inline
// when refused before any request). The destructor answers pending retries
// with UNAVAILABLE at once and waits for requests in flight to end.
#ifndef NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_
#define NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "graph/graph_authorization.h"
#include "graph/retry_policy.h"
#include "http/http_client.h"
#include "store/connector_store.h"

namespace ndes::graph {

inline constexpr char kDefaultGraphBaseUrl[] =
    "https://graph.microsoft.com/beta";

struct GraphStoreOptions {
  // Scheme, host, optional port and path prefix; no query or fragment. A
  // trailing '/' is ignored.
  std::string base_url = kDefaultGraphBaseUrl;
  RetryPolicy retry;
};

class GraphConnectorStore final : public store::ConnectorStore {
 public:
  // INVALID_ARGUMENT for a base_url that is not an absolute http(s) URL
  // without query or fragment.
  static absl::StatusOr<std::unique_ptr<GraphConnectorStore>> Create(
      GraphStoreOptions options, std::shared_ptr<http::HttpClient> http,
      std::unique_ptr<GraphAuthorization> authorization,
      std::unique_ptr<http::Scheduler> scheduler);

  ~GraphConnectorStore() override;

  void Get(const store::CallContext& context, std::string id,
           store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void List(const store::CallContext& context, store::ListQuery query,
            store::StoreCallback<store::ListPage> done) override;
  void Create(const store::CallContext& context,
              ndes::v1::NdesConnector connector,
              store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void Update(const store::CallContext& context, store::UpdateCommand command,
              store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void Delete(const store::CallContext& context, std::string id,
              std::string expected_etag, store::StatusCallback done) override;

  // The collection URL: {base}/deviceManagement/ndesConnectors.
  const std::string& collection_url() const { return collection_url_; }

 private:
  class Exchange;  // One logical request with its retries (in the .cc).

  // Wraps `done` so that the call counts as in flight until it returned.
  template <typename Result>
  absl::AnyInvocable<void(Result) &&> Track(
      absl::AnyInvocable<void(Result) &&> done);

  // Sends one logical request (an Exchange) with the common headers.
  void SendToGraph(const store::CallContext& context,
                   std::string client_request_id, std::string method,
                   std::string url, std::optional<std::string> body,
                   std::string if_match, http::HttpCallback done);
  // Update's follow-ups: POST after a 404 with create_if_missing, GET after
  // a 204.
  void CreateMissing(const store::CallContext& context,
                     std::string client_request_id,
                     ndes::v1::NdesConnector connector,
                     store::StoreCallback<ndes::v1::NdesConnector> done);
  void FollowUpGet(const store::CallContext& context,
                   std::string client_request_id, std::string id,
                   std::string url,
                   store::StoreCallback<ndes::v1::NdesConnector> done);

  GraphConnectorStore(GraphStoreOptions options, std::string collection_url,
                      std::shared_ptr<http::HttpClient> http,
                      std::unique_ptr<GraphAuthorization> authorization,
                      std::unique_ptr<http::Scheduler> scheduler);

  const GraphStoreOptions options_;
  const std::string collection_url_;
  const std::shared_ptr<http::HttpClient> http_;
  const std::unique_ptr<GraphAuthorization> authorization_;
  std::unique_ptr<http::Scheduler> scheduler_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_
