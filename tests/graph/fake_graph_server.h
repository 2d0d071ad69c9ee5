// A fake Microsoft Graph for tests: a real HTTP/1.1 listener on
// 127.0.0.1 (port 0), written on plain POSIX sockets, that emulates
//
//   {base}/deviceManagement/ndesConnectors      GET (list), POST
//   {base}/deviceManagement/ndesConnectors/{id} GET, PATCH, DELETE
//   /{tenant}/oauth2/v2.0/token                 POST (client credentials)
//
// with base = http://127.0.0.1:PORT/beta; one thread per connection,
// HTTP/1.1 keep-alive (HTTP/1.0 and "Connection: close" honoured), request
// bodies by Content-Length or chunked. Connectors are kept in memory as
// their Graph JSON, keyed by id and ordered by id bytes, each with an
// @odata.etag W/"<n>" from a counter that only grows. The answers follow
// Graph: 201 + representation (+ Location) for POST, 409 for an id that
// exists; PATCH merges with translation::ApplyGraphPatch and answers 200
// with the representation when asked (`Prefer: return=representation`),
// else 204 (SetPatchAlwaysNoContent makes it always 204, as Intune often
// does); If-Match is checked by PATCH and DELETE (412); a missing id is 404;
// a list is paged with $top and an absolute @odata.nextLink
// (...?$top=N&$skiptoken=<last id>). Errors use Graph's envelope
//   {"error":{"code","message","innerError":{"request-id",
//                                             "client-request-id","date"}}}
// with Intune's JSON document inside "message" where Intune does so (404).
// Every answer carries request-id and echoes client-request-id.
//
// The token endpoint checks the form fields of an OAuth 2.0 client
// credentials request (client_id, client_secret,
// scope=https://graph.microsoft.com/.default, grant_type=client_credentials)
// and answers {"token_type":"Bearer","expires_in":N,"access_token":"..."};
// a wrong secret is refused as the identity platform does (401
// invalid_client, AADSTS7000215). Graph requests are checked against the
// issued tokens when RequireIssuedToken() is on (401 otherwise).
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
// Thread-safe. The destructor closes every connection, cuts short every
// delayed answer (which is then never sent) and joins its threads.
#ifndef NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_
#define NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <map>
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

namespace ndes::graph::testing {

// The endpoints of the fake. kAny only selects; a request is never kAny.
enum class FakeEndpoint {
  kAny,
  kGraph,  // everything under the Graph base path
  kToken,  // /{tenant}/oauth2/v2.0/token
  kOther,  // any other path (answered 404)
};

struct RecordedRequest {
  FakeEndpoint endpoint = FakeEndpoint::kOther;
  std::string method;
  // The request target as sent: path and query, still percent-encoded.
  std::string target;
  std::string path;   // target before '?'
  std::string query;  // target after '?', "" if none
  // In order; names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The accepted TCP connection that carried it, from 1, and the place of
  // the request on that connection, from 1 (more than 1: a reused
  // connection).
  int connection = 0;
  int sequence_on_connection = 0;
  absl::Time received_at;
  // The request-id header the fake answered with (also in its error
  // envelopes' innerError), unless a scripted answer set its own.
  std::string request_id;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

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

// %XX-decodes `text` ('+' stays '+'); nullopt for a malformed escape.
std::optional<std::string> PercentDecode(absl::string_view text);

// Decodes an application/x-www-form-urlencoded body ('+' is a space). A
// name given twice keeps its last value.
std::map<std::string, std::string> ParseFormBody(absl::string_view body);

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
};

class FakeGraphServer {
 public:
  // Listens on 127.0.0.1:0 and serves at once; aborts the test binary if no
  // socket can be opened (a test environment fault).
  explicit FakeGraphServer(FakeGraphServerOptions options = {});
  ~FakeGraphServer();
  FakeGraphServer(const FakeGraphServer&) = delete;
  FakeGraphServer& operator=(const FakeGraphServer&) = delete;

  int port() const { return port_; }
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
  struct Answer {
    std::string request_id;
    std::string client_request_id;  // echoed
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    absl::Duration delay = absl::ZeroDuration();
    bool close_without_answer = false;
  };
  void AcceptLoop();
  void ServeConnection(int fd, int connection);
  // Records `request` and decides its answer.
  Answer Handle(RecordedRequest request);
  Answer HandleGraph(const RecordedRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
  Answer HandleToken(const RecordedRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
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
  // The stored connector as Graph answers it.
  web::json::value Representation(const Stored& stored) const;
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits `delay` or until the destructor starts; false if it started.
  bool Wait(absl::Duration delay) const;

  const FakeGraphServerOptions options_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // wakes AcceptLoop at destruction
  int port_ = 0;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Stored> connectors_ ABSL_GUARDED_BY(mu_);
  std::int64_t etag_counter_ ABSL_GUARDED_BY(mu_) = 0;
  bool patch_always_no_content_ ABSL_GUARDED_BY(mu_) = false;
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
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connection_threads_ ABSL_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

}  // namespace ndes::graph::testing

#endif  // NDES_TESTS_GRAPH_FAKE_GRAPH_SERVER_H_
