// A fake Microsoft Graph for tests, on FakeHttpListener (a real HTTP/1.1
// listener on 127.0.0.1, port 0), that emulates
//
//   {base}/deviceManagement/ndesConnectors      GET (list), POST
//   {base}/deviceManagement/ndesConnectors/{id} GET, PATCH, DELETE
//   /{tenant}/oauth2/v2.0/token                 POST (client credentials)
//
// with base = http://127.0.0.1:PORT/beta. Connectors are kept in memory as
// their Graph JSON, keyed by id and ordered by id bytes, each with an
// @odata.etag W/"<n>" from a counter that only grows. The answers follow
// Graph: 201 + representation (+ Location) for POST, 409 for an id that
// exists; PATCH merges with the same rules as Graph and answers 200 with the
// representation when asked (`Prefer: return=representation`), else 204;
// If-Match is checked by PATCH and DELETE (412); a missing id is 404; a list
// is paged with $top and an absolute @odata.nextLink. Errors use Graph's
// envelope
//   {"error":{"code","message","innerError":{"request-id",
//                                             "client-request-id","date"}}}
// with Intune's JSON document inside "message" where Intune does so (404).
// Every answer carries request-id and echoes client-request-id.
//
// FakeGraphBehaviour switches on, one by one, what the real Intune does
// where Graph's documentation promises otherwise: a write and a request
// budget per window answered 429 without Retry-After, PATCH always 204,
// ids it assigns itself, no etags (and If-Match ignored), pages of its own
// size whatever $top asks with opaque $skiptoken nextLinks, a nextLink that
// repeats, and properties the proto does not know. A connector put with
// PutConnector keeps any state string it has, so a test can serve a state
// the proto does not know ("unknownFutureValue", or one Graph adds later).
//
// The token endpoint checks the form fields of an OAuth 2.0 client
// credentials request (client_id, client_secret,
// scope=https://graph.microsoft.com/.default, grant_type=client_credentials)
// and answers {"token_type":"Bearer","expires_in":N,"access_token":"..."};
// a wrong secret is refused as the identity platform does (401
// invalid_client, AADSTS7000215). Graph requests are checked against the
// issued tokens when RequireIssuedToken() is on (401 otherwise). Token
// requests never count against the budgets.
//
// For assertions it records every request (method, target, headers with
// lower-case names, body) and counts accepted TCP connections. For faults a
// test queues ScriptedResponses, each answering the next request that
// matches it (any status, headers, body, a delay, or closing the connection
// without an answer), or delays every answer.
//
// Usage:
//   FakeGraphServer graph;
//   graph.PutConnector(ConnectorToGraphJson(SampleConnector("ndes-1")));
//   ScriptedResponse throttled;
//   throttled.status = 503;
//   throttled.headers = {{"Retry-After", "0"}};
//   graph.Enqueue(throttled);
//   ... GraphConnectorStore with base_url = graph.base_url() ...
//   EXPECT_EQ(graph.requests(FakeEndpoint::kGraph).size(), 2);
//
//   FakeGraphServer intune(FakeGraphServerOptions{
//       .behaviour = FakeGraphBehaviour::IntuneLike()});
//
// Thread-safe. The destructor closes every connection, cuts short every
// delayed answer (which is then never sent) and joins its threads.
#ifndef NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_
#define NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cpprest/json.h"
#include "graph/fake_http_listener.h"

namespace ndes::graph::testing {

// One scripted answer. It answers the first request, in arrival order, that
// matches `endpoint` and `method`; scripted answers are matched in the order
// they were queued, and each is used once.
struct ScriptedResponse {
  FakeEndpoint endpoint = FakeEndpoint::kGraph;  // kAny: any endpoint
  std::string method;                            // "" : any method
  // Matches only a request that is not the first on its connection.
  bool only_on_reused_connection = false;
  int status = 200;
  // Sent as given, after Date and the fake's own request-id and (echoed)
  // client-request-id unless given here; Content-Length is always computed
  // by the fake (and not sent with 204 / 304).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Waits this long before answering (cut short by the destructor, and then
  // nothing is sent).
  absl::Duration delay = absl::ZeroDuration();
  // Closes the connection without answering (after `delay`).
  bool close_without_answer = false;
  // With close_without_answer: the request is first handled as if it were
  // not scripted (a write is applied), so the answer is what gets lost.
  bool handle_before_closing = false;
};

// Graph's error envelope, e.g.
//   {"error":{"code":"ResourceNotFound","message":"...","innerError":{
//    "date":"...","request-id":"...","client-request-id":"..."}}}
std::string GraphErrorBody(absl::string_view code, absl::string_view message,
                           absl::string_view request_id,
                           absl::string_view client_request_id = "");

// Intune's JSON document that it puts inside the envelope's "message":
//   {"_version":3,"Message":"<message>","CustomApiErrorPhrase":"",
//    "RetryAfter":null,"ErrorSourceService":"","HttpHeaders":"{}"}
std::string IntuneErrorMessage(absl::string_view message);

// The identity platform's error answer to a token request:
//   {"error":"invalid_client","error_description":"AADSTS7000215: ...",
//    "error_codes":[...],"timestamp":"...","trace_id":"...", ...}
std::string IdentityErrorBody(absl::string_view error,
                              absl::string_view description);

// A ScriptedResponse for Graph with `status`, Graph's error envelope and
// Content-Type application/json.
ScriptedResponse GraphErrorResponse(int status, absl::string_view code,
                                    absl::string_view message,
                                    absl::string_view request_id = "");

// How the fake departs from the idealised Graph. The defaults are the
// idealised Graph; IntuneLike() turns on everything the real Intune does.
struct FakeGraphBehaviour {
  // POST/PATCH/DELETE, and requests of any kind, answered per
  // `budget_window` (a sliding window over the requests answered otherwise
  // than 429); one more is answered 429 with no Retry-After, as Intune
  // does. 0: no limit. Token requests never count.
  int write_budget = 0;
  int request_budget = 0;
  absl::Duration budget_window = absl::Seconds(20);
  // PATCH answers 204 whatever Prefer says.
  bool patch_answers_no_content = false;
  // POST creates under a GUID of its own, whatever id it was sent.
  bool assigns_ids = false;
  // Answers carry @odata.etag.
  bool sends_etags = true;
  // PATCH and DELETE check If-Match (412); false: If-Match is ignored.
  bool honours_if_match = true;
  // > 0: every list page has this many connectors, whatever $top asks.
  int page_size = 0;
  // nextLinks carry an opaque $skiptoken (not the last id, readably).
  bool opaque_skiptokens = false;
  // From the second page on, a page's nextLink is the link that fetched it:
  // Graph hands back a nextLink it already gave.
  bool repeats_next_link = false;
  // Representations carry properties the proto does not know.
  bool unknown_properties = false;

  // Everything Intune does: the given budget (Intune's documented per-app
  // figures by default), PATCH 204, assigned ids, no etags and If-Match
  // ignored, pages of 5 with opaque $skiptokens, unknown properties. (Not
  // repeats_next_link: that is a fault, not a habit.)
  static FakeGraphBehaviour IntuneLike(
      int write_budget = 100, int request_budget = 1000,
      absl::Duration budget_window = absl::Seconds(20));
};

struct FakeGraphServerOptions {
  std::string tenant_id = "tenant-id";
  std::string client_id = "client-id";
  std::string client_secret = "client-secret";
  // expires_in of issued tokens.
  int token_lifetime_seconds = 3600;
  // The largest page a list answers, whatever $top asks.
  int max_page_size = 1000;
  // Answers without $top have this many connectors.
  int default_page_size = 100;
  FakeGraphBehaviour behaviour;
};

class FakeGraphServer {
 public:
  // Listens on 127.0.0.1:0 and serves at once; aborts the test binary if no
  // socket can be opened (a test environment fault).
  explicit FakeGraphServer(FakeGraphServerOptions options = {});
  ~FakeGraphServer();
  FakeGraphServer(const FakeGraphServer&) = delete;
  FakeGraphServer& operator=(const FakeGraphServer&) = delete;

  int port() const { return listener_->port(); }
  std::string origin() const;           // http://127.0.0.1:PORT
  std::string base_url() const;         // origin() + "/beta"
  std::string collection_path() const;  // /beta/deviceManagement/ndesConnectors
  std::string collection_url() const;   // origin() + collection_path()
  std::string token_url() const;  // origin() + /{tenant}/oauth2/v2.0/token
  const FakeGraphServerOptions& options() const { return options_; }

  // --- Connectors -----------------------------------------------------------

  // Stores a Graph JSON connector (it must have a string "id") as given,
  // replacing one with the same id, under a new etag; returns the etag.
  std::string PutConnector(web::json::value connector);
  // The stored representation of `id`, with its "@odata.etag".
  std::optional<web::json::value> FindConnector(const std::string& id) const;
  std::size_t connector_count() const;

  // --- Behaviour ------------------------------------------------------------

  // PATCH answers 204 whatever Prefer says.
  void SetPatchAlwaysNoContent(bool always);
  void SetBehaviour(FakeGraphBehaviour behaviour);
  FakeGraphBehaviour behaviour() const;
  // Graph requests answered 429 because a budget was spent.
  int budget_refusals() const;
  // Every answer (all endpoints, scripted or not) waits this long first.
  void SetResponseDelay(absl::Duration delay);
  void Enqueue(ScriptedResponse response);
  // Scripted answers not used yet.
  std::size_t scripted_pending() const;
  // Drops the scripted answers not used yet.
  void ClearScripted();

  // --- Authorization of Graph requests ----------------------------------

  // Accepts any Authorization, or none (the default).
  void AcceptAnyAuthorization();
  // Answers 401 unless Authorization is exactly `authorization`.
  void RequireAuthorization(std::string authorization);
  // Answers 401 unless Authorization is "Bearer <token>" for a token the
  // token endpoint issued and that was not revoked since.
  void RequireIssuedToken();
  // Every token issued so far is refused from now on.
  void RevokeIssuedTokens();

  // --- Token endpoint -------------------------------------------------------

  void SetTokenLifetime(int seconds);
  // Token requests received (any answer).
  int token_requests() const;
  // Access tokens issued, oldest first.
  std::vector<std::string> issued_tokens() const;

  // --- Records
  // ----------------------------------------------------------------

  // Every request received, in arrival order (kAny), or those of one
  // endpoint.
  std::vector<RecordedRequest> requests(
      FakeEndpoint endpoint = FakeEndpoint::kAny) const;
  void ClearRequests();
  // TCP connections accepted so far.
  int connections_accepted() const;
  // Waits until at least `count` requests of `endpoint` have been received
  // (not necessarily answered); false if `timeout` passes first.
  bool WaitForRequests(std::size_t count, absl::Duration timeout,
                       FakeEndpoint endpoint = FakeEndpoint::kAny) const;

 private:
  struct Stored {
    web::json::value json;  // without @odata.etag
    std::string etag;
  };
  using Answer = FakeHttpAnswer;
  // Records `request` and decides its answer.
  Answer Handle(RecordedRequest request);
  Answer HandleGraph(const RecordedRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
  Answer HandleToken(const RecordedRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
  // A 429 if `request` would spend more than a budget allows; else counts it.
  std::optional<Answer> SpendBudget(const RecordedRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Answer ListConnectors(const RecordedRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Answer CreateConnector(const RecordedRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Answer GetConnector(const RecordedRequest& request, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Answer PatchConnector(const RecordedRequest& request, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Answer DeleteConnector(const RecordedRequest& request, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether If-Match (if any, and if honoured) lets a write of `stored` go.
  bool IfMatchAllows(const RecordedRequest& request, const Stored& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stored connector as Graph answers it.
  web::json::value Representation(const Stored& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FakeGraphServerOptions options_;

  mutable absl::Mutex mu_;
  FakeGraphBehaviour behaviour_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Stored> connectors_ ABSL_GUARDED_BY(mu_);
  std::int64_t etag_counter_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration response_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  std::vector<ScriptedResponse> scripted_ ABSL_GUARDED_BY(mu_);
  enum class AuthCheck { kNone, kExact, kIssued };
  AuthCheck auth_check_ ABSL_GUARDED_BY(mu_) = AuthCheck::kNone;
  std::string required_authorization_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> valid_tokens_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> issued_tokens_ ABSL_GUARDED_BY(mu_);
  int token_lifetime_seconds_ ABSL_GUARDED_BY(mu_);
  int token_requests_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  // When the Graph requests the budgets count were answered.
  std::deque<absl::Time> answered_writes_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Time> answered_requests_ ABSL_GUARDED_BY(mu_);
  int budget_refusals_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: destroyed first, so that no connection thread still runs a
  // handler when the state above goes.
  std::unique_ptr<FakeHttpListener> listener_;
};

}  // namespace ndes::graph::testing

#endif  // NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_
