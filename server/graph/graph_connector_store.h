// GraphConnectorStore: the ConnectorStore that is Microsoft Graph itself
// (--store=graph), over the project's HttpClient.
//
//   Get     GET    {base}/deviceManagement/ndesConnectors/{id}
//   List    GET    {base}/deviceManagement/ndesConnectors?$top=N with the
//                  query's $filter, $orderby and $select
//                  (graph_list_query.h), then the query of each
//                  @odata.nextLink (graph_list_pages.h); each connector is
//                  reduced to the selection here too, whatever Graph answers
//   Create  POST   {base}/deviceManagement/ndesConnectors          (201)
//   Update  PATCH  {base}/deviceManagement/ndesConnectors/{id}     (200/204)
//   Delete  DELETE {base}/deviceManagement/ndesConnectors/{id}     (204)
//
// Requests and their headers, retries and throttling: graph_transport.h.
// Every request waits for the process-wide request budget
// (request_pacer.h); a call whose deadline cannot be met in the queue is
// answered RESOURCE_EXHAUSTED with RetryInfo at once. Writes of one
// connector go one at a time and queued unconditional updates are merged
// into one PATCH (connector_write_lanes.h); Gets of one connector waiting
// for the budget share one GET (shared_gets.h). What each answer becomes:
// graph_answer.h.
//
// Update: the PATCH body is exactly the Graph PATCH document of the update
// (translation/graph_patch.h). A 204 answer (or an empty body) is followed
// by a GET. With create_if_missing, a 404 is followed by a POST of the whole
// connector with its id (ABORTED instead if an etag was given).
//
// Etags: Graph's @odata.etag, or derived from the content when Graph sends
// none (content_etag.h). An update or delete with an etag reads the
// connector, compares, and is answered ABORTED on a mismatch without writing
// anything; on a match it writes with If-Match: Graph's etag when Graph has
// one, else "*". GraphBehaviour logs which case is in effect once Graph's
// first answer shows it.
//
// Ids: Create sends the caller's id, if any, and answers the connector as
// Graph created it: with Graph's id when Graph assigns its own. Create is
// never sent twice for one call (graph_transport.h), and once Graph
// created a connector the call never ends INTERNAL: an answer without a
// usable body is read back (by the id of its body or Location), else the
// call ends UNKNOWN saying the connector may exist. create_if_missing
// against a Graph that assigns its own ids is FAILED_PRECONDITION: nothing
// is written once the gateway knows it (GraphBehaviour); the first time, the
// connector Graph created under another id is deleted again.
//
// Errors: those of connector_store.h; Graph's answers map through
// graph_errors.h (Create's 409 as ALREADY_EXISTS); RESOURCE_EXHAUSTED (the
// budget, or 429 retries used up), UNAVAILABLE, DEADLINE_EXCEEDED,
// FAILED_PRECONDITION (above), UNKNOWN (above), INTERNAL (a 2xx answer that
// is not what was asked for; a List that Graph sends round in a loop).
//
// Hostile input: ids are percent-encoded into one path segment; page tokens
// carry only the query of a Graph page, always sent to this store's
// collection URL (graph_page_token.h).
//
// Thread-safe. Calls never block the calling thread on the network: the
// callback runs on a thread of the HttpClient, the scheduler or the pacer
// (or inline when refused before any request). The destructor answers calls
// waiting for the budget or a retry with UNAVAILABLE at once and waits for
// requests in flight to end.
#ifndef NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_
#define NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "graph/connector_write_lanes.h"
#include "graph/graph_authorization.h"
#include "graph/graph_behaviour.h"
#include "graph/graph_page_token.h"
#include "graph/graph_stats.h"
#include "graph/graph_transport.h"
#include "graph/request_pacer.h"
#include "graph/retry_policy.h"
#include "graph/shared_gets.h"
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
  // The request budget (Intune's by default; RequestBudget::Off() for none).
  RequestBudget budget;
  // Writes a line to the gateway's log: the budget at start, and what Graph
  // turns out to do (GraphBehaviour). Empty: nothing is logged.
  GraphBehaviour::Log log;
  // The clock of the budget (tests replace it).
  std::function<absl::Time()> clock = absl::Now;
};

class GraphConnectorStore final : public store::ConnectorStore,
                                  private ConnectorWriteLanes::Executor,
                                  private SharedGets::Fetcher {
 public:
  // INVALID_ARGUMENT for a base_url that is not an absolute http(s) URL
  // without query or fragment, or a budget ValidateRequestBudget refuses.
  static absl::StatusOr<std::unique_ptr<GraphConnectorStore>> Create(
      GraphStoreOptions options, std::shared_ptr<http::HttpClient> http,
      std::unique_ptr<GraphAuthorization> authorization,
      std::unique_ptr<http::Scheduler> scheduler,
      std::shared_ptr<GraphStats> stats);

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
  // What Graph has been seen to do so far.
  const GraphBehaviour& behaviour() const { return behaviour_; }

 private:
  GraphConnectorStore(GraphStoreOptions options, std::string collection_url,
                      std::shared_ptr<http::HttpClient> http,
                      std::unique_ptr<GraphAuthorization> authorization,
                      std::unique_ptr<http::Scheduler> scheduler,
                      std::shared_ptr<GraphStats> stats);

  // Wraps `done` so that the call counts as in flight until it returned.
  template <typename Result>
  absl::AnyInvocable<void(Result) &&> Track(
      absl::AnyInvocable<void(Result) &&> done);

  std::string ConnectorUrl(absl::string_view segment) const;

  // ConnectorWriteLanes::Executor and SharedGets::Fetcher.
  void RunUpdate(const store::CallContext& context,
                 store::UpdateCommand command,
                 GraphTransport::Admission admission,
                 store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void RunDelete(const store::CallContext& context, std::string id,
                 std::string expected_etag, GraphTransport::Admission admission,
                 store::StatusCallback done) override;
  void FetchAdmitted(
      const store::CallContext& context, std::string id,
      store::StoreCallback<ndes::v1::NdesConnector> done) override;

  // The steps of writes (graph_connector_writes.cc).
  void Patch(const store::CallContext& context, std::string client_request_id,
             store::UpdateCommand command, std::string if_match,
             GraphTransport::Admission admission,
             store::StoreCallback<ndes::v1::NdesConnector> done);
  // Reads `id` for the compare of a conditional write: the connector, or
  // the status to answer (NOT_FOUND, or ABORTED for a stale etag, or with
  // `missing_is_stale` ABORTED for a connector that no longer exists).
  void ReadForCompare(const store::CallContext& context,
                      std::string client_request_id, const std::string& id,
                      const std::string& expected_etag, bool missing_is_stale,
                      GraphTransport::Admission admission,
                      store::StoreCallback<ndes::v1::NdesConnector> done);
  void CreateMissing(const store::CallContext& context,
                     std::string client_request_id,
                     ndes::v1::NdesConnector connector,
                     store::StoreCallback<ndes::v1::NdesConnector> done);
  // The connector a POST created: its answer, or read back.
  void Created(const store::CallContext& context, std::string client_request_id,
               std::string asked_id, absl::StatusOr<http::HttpResponse> answer,
               absl::StatusCode conflict,
               store::StoreCallback<ndes::v1::NdesConnector> done);
  void FollowUpGet(const store::CallContext& context,
                   std::string client_request_id, std::string id,
                   store::StoreCallback<ndes::v1::NdesConnector> done);

  const GraphStoreOptions options_;
  const std::string collection_url_;
  const std::shared_ptr<http::HttpClient> http_;
  const std::unique_ptr<GraphAuthorization> authorization_;
  const std::shared_ptr<GraphStats> stats_;
  GraphBehaviour behaviour_;
  const GraphPageTokens page_tokens_;
  std::unique_ptr<http::Scheduler> scheduler_;
  RequestPacer pacer_;
  GraphTransport transport_;
  ConnectorWriteLanes lanes_;
  SharedGets gets_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_CONNECTOR_STORE_H_
