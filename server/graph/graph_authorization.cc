#include "graph/graph_authorization.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cpprest/asyncrt_utils.h"
#include "cpprest/base_uri.h"
#include "cpprest/json.h"
#include "text/untrusted_text.h"

namespace ndes::graph {
namespace {

// application/x-www-form-urlencoded value.
std::string FormEncode(const std::string& value) {
  return web::uri::encode_data_string(value);
}

std::string StringMember(const web::json::value& object,
                         const std::string& name) {
  if (!object.is_object() || !object.has_field(name)) return "";
  const web::json::value& member = object.at(name);
  return member.is_string() ? member.as_string() : "";
}

// The identity platform's error code of a refused token request, e.g.
// "invalid_client: AADSTS7000215". The description follows the code; only
// its first sentence is kept, which never holds the secret.
std::string RefusalReason(const std::string& body) {
  std::error_code error;
  web::json::value json = web::json::value::parse(body, error);
  if (error) return "";
  std::string reason = StringMember(json, "error");
  std::string description = StringMember(json, "error_description");
  const std::size_t colon = description.find(':');
  if (absl::StartsWith(description, "AADSTS") && colon != std::string::npos) {
    absl::StrAppend(&reason, reason.empty() ? "" : ": ",
                    description.substr(0, colon));
  }
  return text::EscapeUntrusted(reason, 200);
}

}  // namespace

void PassthroughAuthorization::Authorize(const store::CallContext& context,
                                         AuthorizationCallback done) {
  if (context.authorization.empty()) {
    std::move(done)(absl::UnauthenticatedError(
        "the call has no authorization metadata to forward to Graph "
        "(--graph_auth=passthrough); send \"authorization: Bearer <token>\""));
    return;
  }
  std::move(done)(context.authorization);
}

std::string DefaultTokenUrl(const std::string& tenant_id) {
  return absl::StrCat("https://login.microsoftonline.com/",
                      web::uri::encode_data_string(tenant_id),
                      "/oauth2/v2.0/token");
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the client secret file ", path));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string secret(absl::StripTrailingAsciiWhitespace(content.str()));
  if (secret.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the client secret file ", path, " is empty"));
  }
  return secret;
}

absl::StatusOr<std::unique_ptr<GraphAuthorization>> OpenGraphAuthorization(
    const GraphAuthOptions& options, std::shared_ptr<http::HttpClient> http,
    std::shared_ptr<GraphStats> stats) {
  if (options.auth == "passthrough") {
    return std::make_unique<PassthroughAuthorization>();
  }
  if (options.auth != "client_credentials") {
    return absl::InvalidArgumentError(
        absl::StrCat("--graph_auth=", options.auth,
                     " is not one of passthrough, client_credentials"));
  }
  if (options.client_id.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_client_id");
  }
  if (options.tenant_id.empty() && options.token_url.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_tenant_id (or "
        "--graph_token_url)");
  }
  if (options.client_secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--graph_auth=client_credentials needs --graph_client_secret_file");
  }
  absl::StatusOr<std::string> secret =
      ReadSecretFile(options.client_secret_file);
  if (!secret.ok()) return secret.status();
  ClientCredentialsOptions credentials;
  credentials.token_url = options.token_url.empty()
                              ? DefaultTokenUrl(options.tenant_id)
                              : options.token_url;
  credentials.client_id = options.client_id;
  credentials.client_secret = *std::move(secret);
  return std::make_unique<ClientCredentialsAuthorization>(
      std::move(credentials), std::move(http), std::move(stats));
}

ClientCredentialsAuthorization::ClientCredentialsAuthorization(
    ClientCredentialsOptions options, std::shared_ptr<http::HttpClient> http,
    std::shared_ptr<GraphStats> stats)
    : options_(std::move(options)),
      http_(std::move(http)),
      stats_(std::move(stats)) {}

ClientCredentialsAuthorization::~ClientCredentialsAuthorization() {
  // A token request in flight holds `this`; wait for it to end.
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* fetching) { return !*fetching; }, &fetching_));
}

int ClientCredentialsAuthorization::token_requests() const {
  absl::MutexLock lock(&mu_);
  return token_requests_;
}

void ClientCredentialsAuthorization::Authorize(
    const store::CallContext& /*context*/, AuthorizationCallback done) {
  std::string cached;
  {
    absl::MutexLock lock(&mu_);
    if (!authorization_.empty() && options_.clock() < refresh_at_) {
      cached = authorization_;
    } else {
      waiting_.push_back(std::move(done));
      // Single flight: the first caller starts the request, the others
      // wait for its answer.
      if (fetching_) return;
      fetching_ = true;
      ++token_requests_;
    }
  }
  if (!cached.empty()) {
    std::move(done)(std::move(cached));
    return;
  }
  FetchToken();
}

bool ClientCredentialsAuthorization::Invalidate(
    const std::string& authorization) {
  absl::MutexLock lock(&mu_);
  if (authorization != authorization_) {
    // Already replaced by a newer token: retrying will use that one.
    return true;
  }
  authorization_.clear();
  refresh_at_ = absl::InfinitePast();
  return true;
}

void ClientCredentialsAuthorization::FetchToken() {
  http::HttpRequest request;
  request.method = "POST";
  request.url = options_.token_url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = absl::StrCat(
      "client_id=", FormEncode(options_.client_id),
      "&client_secret=", FormEncode(options_.client_secret),
      "&scope=", FormEncode(options_.scope), "&grant_type=client_credentials");
  const absl::Time requested_at = options_.clock();
  request.deadline = absl::Now() + options_.token_request_timeout;
  http_->Send(
      std::move(request),
      [this, requested_at](absl::StatusOr<http::HttpResponse> response) {
        OnTokenResponse(std::move(response), requested_at);
      });
}

void ClientCredentialsAuthorization::OnTokenResponse(
    absl::StatusOr<http::HttpResponse> response, absl::Time requested_at) {
  absl::StatusOr<std::string> result;
  absl::Time refresh_at = absl::InfinitePast();
  if (!response.ok()) {
    result = absl::Status(
        response.status().code() == absl::StatusCode::kDeadlineExceeded
            ? absl::StatusCode::kDeadlineExceeded
            : absl::StatusCode::kUnavailable,
        absl::StrCat("cannot reach the token endpoint ", options_.token_url,
                     ": ", response.status().message()));
  } else if (response->status_code >= 500 || response->status_code == 429) {
    result = absl::UnavailableError(
        absl::StrCat("the token endpoint ", options_.token_url, " answered ",
                     response->status_code));
  } else if (response->status_code != 200) {
    std::string reason = RefusalReason(response->body);
    result = absl::UnauthenticatedError(absl::StrCat(
        "the token endpoint refused the gateway's client credentials (HTTP ",
        response->status_code, reason.empty() ? "" : ", ", reason,
        "); check --graph_tenant_id, --graph_client_id and the secret file"));
  } else {
    std::error_code error;
    web::json::value json = web::json::value::parse(response->body, error);
    const std::string token = error ? "" : StringMember(json, "access_token");
    std::int64_t lifetime = 0;
    if (!error && json.is_object() && json.has_field("expires_in")) {
      const web::json::value& value = json.at("expires_in");
      if (value.is_integer()) {
        lifetime = value.as_number().to_int64();
      } else if (value.is_string()) {
        absl::SimpleAtoi(value.as_string(), &lifetime);
      }
    }
    if (token.empty() || lifetime <= 0) {
      result = absl::InternalError(
          "the token endpoint's answer holds no access_token and expires_in");
    } else {
      result = absl::StrCat("Bearer ", token);
      // Measured from when the request was sent, so the round trip only
      // ever shortens the cached lifetime.
      const absl::Duration lifetime_left = absl::Seconds(lifetime);
      refresh_at = requested_at + lifetime_left -
                   std::min(options_.refresh_margin, lifetime_left / 2);
    }
  }

  stats_->TokenRequested(result.ok());
  std::vector<AuthorizationCallback> waiting;
  {
    absl::MutexLock lock(&mu_);
    if (result.ok()) {
      authorization_ = *result;
      refresh_at_ = refresh_at;
    }
    waiting.swap(waiting_);
    // Cleared with the waiters taken, so that a caller arriving from now on
    // starts a new request instead of waiting for this one. Nothing below
    // touches `this`, which may be destroyed once this is cleared.
    fetching_ = false;
  }
  for (AuthorizationCallback& done : waiting) std::move(done)(result);
}

}  // namespace ndes::graph
