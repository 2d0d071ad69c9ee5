// Where the Authorization header of Graph requests comes from
// (--graph_auth).
//
//   passthrough         the caller's own `authorization` metadata is
//                       forwarded as is; missing -> UNAUTHENTICATED and no
//                       Graph request is made.
//   client_credentials  the gateway's own app registration: an OAuth 2.0
//                       client-credentials token from the Microsoft identity
//                       platform (form fields client_id, client_secret,
//                       scope=https://graph.microsoft.com/.default,
//                       grant_type=client_credentials), cached and refreshed
//                       before it expires. Single-flight: however many calls
//                       need a token at once, one token request is made and
//                       all of them wait for it.
//
// Secrets and tokens never appear in a status message or a log. Each token
// request counts in ndes_gateway_graph_token_requests_total{result} (success:
// a token was issued; failure: anything else) of the GraphStats it is given.
// Token requests are not Graph requests: they are not paced by the Graph
// request budget and not counted in ndes_gateway_graph_requests_total.
//
// Thread-safe.
#ifndef NDES_SERVER_GRAPH_GRAPH_AUTHORIZATION_H_
#define NDES_SERVER_GRAPH_GRAPH_AUTHORIZATION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graph/graph_stats.h"
#include "http/http_client.h"
#include "store/connector_store.h"

namespace ndes::graph {

using AuthorizationCallback =
    absl::AnyInvocable<void(absl::StatusOr<std::string>) &&>;

class GraphAuthorization {
 public:
  virtual ~GraphAuthorization() = default;

  // The Authorization header value for a Graph request made on behalf of
  // the call `context` ("Bearer eyJ..."). The callback runs exactly once,
  // inline or on another thread.
  virtual void Authorize(const store::CallContext& context,
                         AuthorizationCallback done) = 0;

  // Whether the Authorization value is the caller's own (passthrough), so
  // that requests of different callers must never be shared.
  virtual bool UsesCallerCredentials() const = 0;

  // Graph answered 401 to a request authorized with `authorization`: a
  // cached credential, if that was one, is dropped so that the next
  // Authorize fetches a new one. Returns true if a retry with a fresh
  // credential may succeed.
  virtual bool Invalidate(const std::string& authorization) = 0;
};

// Forwards the caller's authorization metadata.
class PassthroughAuthorization final : public GraphAuthorization {
 public:
  void Authorize(const store::CallContext& context,
                 AuthorizationCallback done) override;
  bool UsesCallerCredentials() const override { return true; }
  bool Invalidate(const std::string& authorization) override { return false; }
};

struct ClientCredentialsOptions {
  // https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
  std::string token_url;
  std::string client_id;
  std::string client_secret;
  std::string scope = "https://graph.microsoft.com/.default";
  // A token is refreshed when less than this remains of its lifetime (at
  // most half its lifetime, so that a short-lived token is still reused).
  absl::Duration refresh_margin = absl::Minutes(5);
  // Bounds one token request. It is shared by every call waiting for it, so
  // it is not bound by any one caller's deadline (gRPC still ends each call
  // at its own deadline).
  absl::Duration token_request_timeout = absl::Seconds(30);
  // The clock deciding when a token is due for refresh (tests replace it).
  std::function<absl::Time()> clock = absl::Now;
};

// The default token endpoint of a tenant.
std::string DefaultTokenUrl(const std::string& tenant_id);

// Reads a client secret from a file (trailing whitespace trimmed).
// FAILED_PRECONDITION naming the file (never its content) if it cannot be
// read or is empty.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// How the gateway authorizes its Graph requests: the --graph_auth,
// --graph_tenant_id, --graph_client_id, --graph_client_secret_file and
// --graph_token_url flags (ndesctl graph-probe takes the same).
struct GraphAuthOptions {
  // "passthrough" or "client_credentials".
  std::string auth = "passthrough";
  std::string tenant_id;
  std::string client_id;
  std::string client_secret_file;
  // Empty: DefaultTokenUrl(tenant_id).
  std::string token_url;
};

// The GraphAuthorization `options` name, its secret read from its file.
// INVALID_ARGUMENT naming the flag for an unknown --graph_auth or an
// incomplete client_credentials configuration; FAILED_PRECONDITION for a
// secret file that cannot be read.
absl::StatusOr<std::unique_ptr<GraphAuthorization>> OpenGraphAuthorization(
    const GraphAuthOptions& options, std::shared_ptr<http::HttpClient> http,
    std::shared_ptr<GraphStats> stats);

class ClientCredentialsAuthorization final : public GraphAuthorization {
 public:
  // `http` must outlive this object and every token request it starts.
  // `stats` counts the token requests (GraphStats::Unexposed() if nothing
  // reads them).
  ClientCredentialsAuthorization(ClientCredentialsOptions options,
                                 std::shared_ptr<http::HttpClient> http,
                                 std::shared_ptr<GraphStats> stats);
  ~ClientCredentialsAuthorization() override;

  // Errors: UNAVAILABLE when the token endpoint cannot be reached or answers
  // 5xx/429; UNAUTHENTICATED when it refuses the gateway's credentials
  // (the message carries the identity platform's error code, e.g.
  // AADSTS7000215, never the secret); DEADLINE_EXCEEDED when the token
  // request times out; INTERNAL for an answer that is not a token.
  void Authorize(const store::CallContext& context,
                 AuthorizationCallback done) override;
  bool UsesCallerCredentials() const override { return false; }
  bool Invalidate(const std::string& authorization) override;

  // Token requests made so far (for tests and metrics).
  int token_requests() const;

 private:
  void FetchToken();
  void OnTokenResponse(absl::StatusOr<http::HttpResponse> response,
                       absl::Time requested_at);

  const ClientCredentialsOptions options_;
  const std::shared_ptr<http::HttpClient> http_;
  const std::shared_ptr<GraphStats> stats_;

  mutable absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);  // "Bearer ..."
  // When the cached token is due for refresh.
  absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<AuthorizationCallback> waiting_ ABSL_GUARDED_BY(mu_);
  int token_requests_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_AUTHORIZATION_H_
