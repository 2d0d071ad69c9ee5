#include "graph/fake_graph_server.h"

#include <algorithm>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"

namespace ndes::graph::testing {
namespace {

constexpr absl::string_view kBasePath = "/beta";
constexpr absl::string_view kCollectionSuffix =
    "/deviceManagement/ndesConnectors";
constexpr absl::string_view kTokenSuffix = "/oauth2/v2.0/token";
constexpr absl::string_view kGraphScope =
    "https://graph.microsoft.com/.default";
constexpr absl::string_view kOpaqueTokenPrefix = "intune-page:";

std::string IsoDate(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", time, absl::UTCTimeZone());
}

// cpprestsdk's erase throws for a key that is not there.
void EraseIfPresent(web::json::value& object, const std::string& key) {
  if (object.is_object() && object.has_field(key)) object.erase(key);
}

bool IsJsonContent(const RecordedRequest& request) {
  return absl::StartsWithIgnoreCase(request.Header("content-type").value_or(""),
                                    "application/json");
}

FakeEndpoint EndpointOf(absl::string_view path) {
  if (path == kBasePath ||
      absl::StartsWith(path, absl::StrCat(kBasePath, "/"))) {
    return FakeEndpoint::kGraph;
  }
  if (absl::EndsWith(path, kTokenSuffix)) return FakeEndpoint::kToken;
  return FakeEndpoint::kOther;
}

bool IsWrite(absl::string_view method) {
  return method == "POST" || method == "PATCH" || method == "DELETE";
}

// Drops the times that left the window ending at `now`; true if what
// remains is below `budget` (or there is no budget).
bool HasRoom(std::deque<absl::Time>& answered, int budget, absl::Time now,
             absl::Duration window) {
  while (!answered.empty() && answered.front() <= now - window) {
    answered.pop_front();
  }
  return budget <= 0 || static_cast<int>(answered.size()) < budget;
}

}  // namespace

// --- Free functions ----------------------------------------------------------

std::string GraphErrorBody(absl::string_view code, absl::string_view message,
                           absl::string_view request_id,
                           absl::string_view client_request_id) {
  web::json::value inner = web::json::value::object();
  inner["date"] = web::json::value::string(IsoDate(absl::Now()));
  inner["request-id"] = web::json::value::string(std::string(request_id));
  inner["client-request-id"] =
      web::json::value::string(std::string(client_request_id));
  web::json::value error = web::json::value::object();
  error["code"] = web::json::value::string(std::string(code));
  error["message"] = web::json::value::string(std::string(message));
  error["innerError"] = inner;
  web::json::value envelope = web::json::value::object();
  envelope["error"] = error;
  return envelope.serialize();
}

std::string IntuneErrorMessage(absl::string_view message) {
  web::json::value document = web::json::value::object();
  document["_version"] = web::json::value::number(3);
  document["Message"] = web::json::value::string(std::string(message));
  document["CustomApiErrorPhrase"] = web::json::value::string("");
  document["RetryAfter"] = web::json::value::null();
  document["ErrorSourceService"] = web::json::value::string("");
  document["HttpHeaders"] = web::json::value::string("{}");
  return document.serialize();
}

std::string IdentityErrorBody(absl::string_view error,
                              absl::string_view description) {
  const std::string trace_id = translation::GenerateConnectorId();
  const std::string correlation_id = translation::GenerateConnectorId();
  const std::string timestamp =
      absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  web::json::value body = web::json::value::object();
  body["error"] = web::json::value::string(std::string(error));
  body["error_description"] = web::json::value::string(absl::StrCat(
      description, "\r\nTrace ID: ", trace_id,
      "\r\nCorrelation ID: ", correlation_id, "\r\nTimestamp: ", timestamp));
  int code = 0;
  if (absl::StartsWith(description, "AADSTS")) {
    absl::string_view digits = description.substr(6);
    digits = digits.substr(0, digits.find(':'));
    if (!absl::SimpleAtoi(digits, &code)) code = 0;
  }
  std::vector<web::json::value> codes;
  if (code != 0) codes.push_back(web::json::value::number(code));
  body["error_codes"] = web::json::value::array(codes);
  body["timestamp"] = web::json::value::string(timestamp);
  body["trace_id"] = web::json::value::string(trace_id);
  body["correlation_id"] = web::json::value::string(correlation_id);
  body["error_uri"] = web::json::value::string(
      absl::StrCat("https://login.microsoftonline.com/error?code=", code));
  return body.serialize();
}

ScriptedResponse GraphErrorResponse(int status, absl::string_view code,
                                    absl::string_view message,
                                    absl::string_view request_id) {
  ScriptedResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  if (!request_id.empty()) {
    response.headers.emplace_back("request-id", std::string(request_id));
  }
  response.body = GraphErrorBody(code, message, request_id);
  return response;
}

FakeGraphBehaviour FakeGraphBehaviour::IntuneLike(
    int write_budget, int request_budget, absl::Duration budget_window) {
  FakeGraphBehaviour intune;
  intune.write_budget = write_budget;
  intune.request_budget = request_budget;
  intune.budget_window = budget_window;
  intune.patch_answers_no_content = true;
  intune.assigns_ids = true;
  intune.sends_etags = false;
  intune.honours_if_match = false;
  intune.page_size = 5;
  intune.opaque_skiptokens = true;
  intune.unknown_properties = true;
  return intune;
}

// --- FakeGraphServer ---------------------------------------------------------

FakeGraphServer::FakeGraphServer(FakeGraphServerOptions options)
    : options_(std::move(options)),
      behaviour_(options_.behaviour),
      token_lifetime_seconds_(options_.token_lifetime_seconds) {
  listener_ = std::make_unique<FakeHttpListener>(
      [this](RecordedRequest request) { return Handle(std::move(request)); });
}

FakeGraphServer::~FakeGraphServer() { listener_.reset(); }

std::string FakeGraphServer::origin() const {
  return absl::StrCat("http://127.0.0.1:", port());
}

std::string FakeGraphServer::base_url() const {
  return absl::StrCat(origin(), kBasePath);
}

std::string FakeGraphServer::collection_path() const {
  return absl::StrCat(kBasePath, kCollectionSuffix);
}

std::string FakeGraphServer::collection_url() const {
  return absl::StrCat(origin(), collection_path());
}

std::string FakeGraphServer::token_url() const {
  return absl::StrCat(origin(), "/", options_.tenant_id, kTokenSuffix);
}

std::string FakeGraphServer::PutConnector(web::json::value connector) {
  const std::string id = connector.at("id").as_string();
  EraseIfPresent(connector, "@odata.etag");
  absl::MutexLock lock(&mu_);
  Stored& stored = connectors_[id];
  stored.json = std::move(connector);
  stored.etag = NextEtag();
  return stored.etag;
}

std::optional<web::json::value> FakeGraphServer::FindConnector(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = connectors_.find(id);
  if (it == connectors_.end()) return std::nullopt;
  web::json::value json = it->second.json;
  json["@odata.etag"] = web::json::value::string(it->second.etag);
  return json;
}

std::size_t FakeGraphServer::connector_count() const {
  absl::MutexLock lock(&mu_);
  return connectors_.size();
}

void FakeGraphServer::SetPatchAlwaysNoContent(bool always) {
  absl::MutexLock lock(&mu_);
  behaviour_.patch_answers_no_content = always;
}

void FakeGraphServer::SetBehaviour(FakeGraphBehaviour behaviour) {
  absl::MutexLock lock(&mu_);
  behaviour_ = behaviour;
}

FakeGraphBehaviour FakeGraphServer::behaviour() const {
  absl::MutexLock lock(&mu_);
  return behaviour_;
}

int FakeGraphServer::budget_refusals() const {
  absl::MutexLock lock(&mu_);
  return budget_refusals_;
}

void FakeGraphServer::SetResponseDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  response_delay_ = delay;
}

void FakeGraphServer::Enqueue(ScriptedResponse response) {
  absl::MutexLock lock(&mu_);
  scripted_.push_back(std::move(response));
}

std::size_t FakeGraphServer::scripted_pending() const {
  absl::MutexLock lock(&mu_);
  return scripted_.size();
}

void FakeGraphServer::ClearScripted() {
  absl::MutexLock lock(&mu_);
  scripted_.clear();
}

void FakeGraphServer::AcceptAnyAuthorization() {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kNone;
}

void FakeGraphServer::RequireAuthorization(std::string authorization) {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kExact;
  required_authorization_ = std::move(authorization);
}

void FakeGraphServer::RequireIssuedToken() {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kIssued;
}

void FakeGraphServer::RevokeIssuedTokens() {
  absl::MutexLock lock(&mu_);
  valid_tokens_.clear();
}

void FakeGraphServer::SetTokenLifetime(int seconds) {
  absl::MutexLock lock(&mu_);
  token_lifetime_seconds_ = seconds;
}

int FakeGraphServer::token_requests() const {
  absl::MutexLock lock(&mu_);
  return token_requests_;
}

std::vector<std::string> FakeGraphServer::issued_tokens() const {
  absl::MutexLock lock(&mu_);
  return issued_tokens_;
}

std::vector<RecordedRequest> FakeGraphServer::requests(
    FakeEndpoint endpoint) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> selected;
  for (const RecordedRequest& request : requests_) {
    if (endpoint == FakeEndpoint::kAny || request.endpoint == endpoint) {
      selected.push_back(request);
    }
  }
  return selected;
}

void FakeGraphServer::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

int FakeGraphServer::connections_accepted() const {
  return listener_->connections_accepted();
}

bool FakeGraphServer::WaitForRequests(std::size_t count, absl::Duration timeout,
                                      FakeEndpoint endpoint) const {
  struct Args {
    const FakeGraphServer* self;
    std::size_t count;
    FakeEndpoint endpoint;
  } args{this, count, endpoint};
  auto enough = [](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    std::size_t seen = 0;
    for (const RecordedRequest& request : a->self->requests_) {
      if (a->endpoint == FakeEndpoint::kAny ||
          request.endpoint == a->endpoint) {
        ++seen;
      }
    }
    return seen >= a->count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(+enough, &args), timeout);
}

std::string FakeGraphServer::NextEtag() {
  return absl::StrCat("W/\"", ++etag_counter_, "\"");
}

FakeGraphServer::Answer FakeGraphServer::Handle(RecordedRequest request) {
  request.request_id = translation::GenerateConnectorId();
  request.endpoint = EndpointOf(request.path);
  std::optional<ScriptedResponse> scripted;
  std::optional<Answer> throttled;
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (request.endpoint == FakeEndpoint::kToken) ++token_requests_;
    delay = response_delay_;
    for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
      if ((it->endpoint == FakeEndpoint::kAny ||
           it->endpoint == request.endpoint) &&
          (it->method.empty() || it->method == request.method) &&
          (!it->only_on_reused_connection ||
           request.sequence_on_connection > 1)) {
        scripted = std::move(*it);
        scripted_.erase(it);
        break;
      }
    }
    if (!scripted.has_value() && request.endpoint == FakeEndpoint::kGraph) {
      throttled = SpendBudget(request);
    }
  }
  Answer answer;
  if (throttled.has_value()) {
    answer = *std::move(throttled);
  } else if (scripted.has_value() && scripted->close_without_answer &&
             scripted->handle_before_closing) {
    if (request.endpoint == FakeEndpoint::kGraph) HandleGraph(request);
    if (request.endpoint == FakeEndpoint::kToken) HandleToken(request);
    answer.delay = scripted->delay;
    answer.close_without_answer = true;
  } else if (scripted.has_value()) {
    answer.status = scripted->status;
    answer.headers = std::move(scripted->headers);
    answer.body = std::move(scripted->body);
    answer.delay = scripted->delay;
    answer.close_without_answer = scripted->close_without_answer;
  } else if (request.endpoint == FakeEndpoint::kGraph) {
    answer = HandleGraph(request);
  } else if (request.endpoint == FakeEndpoint::kToken) {
    answer = HandleToken(request);
  } else {
    answer.status = 404;
    answer.headers = {{"Content-Type", "application/json"}};
    answer.body = GraphErrorBody(
        "UnknownError", absl::StrCat("No route for ", request.path),
        request.request_id, request.Header("client-request-id").value_or(""));
  }
  answer.request_id = request.request_id;
  answer.client_request_id = request.Header("client-request-id").value_or("");
  answer.delay += delay;
  return answer;
}

namespace {

// An answer with Graph's error envelope for `request`.
template <typename Answer>
Answer ErrorAnswer(const RecordedRequest& request, int status,
                   absl::string_view code, absl::string_view message) {
  Answer answer;
  answer.status = status;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body =
      GraphErrorBody(code, message, request.request_id,
                     request.Header("client-request-id").value_or(""));
  return answer;
}

// What Intune says about a connector that does not exist: its own JSON
// document, whose URL names the id.
std::string NotFoundMessage(absl::string_view id) {
  return IntuneErrorMessage(absl::StrCat(
      "An error has occurred - Operation ID (for customer support): "
      "00000000-0000-0000-0000-000000000000 - Activity ID: ",
      translation::GenerateConnectorId(),
      " - Url: https://fef.msua06.manage.microsoft.com/"
      "StatelessOnPremisesConnectorService/deviceManagement/ndesConnectors('",
      id, "')?api-version=5023-03-28"));
}

}  // namespace

FakeGraphServer::Answer FakeGraphServer::HandleGraph(
    const RecordedRequest& request) {
  absl::MutexLock lock(&mu_);
  const std::optional<std::string> authorization =
      request.Header("authorization");
  bool authorized = true;
  switch (auth_check_) {
    case AuthCheck::kNone:
      break;
    case AuthCheck::kExact:
      authorized = authorization == required_authorization_;
      break;
    case AuthCheck::kIssued: {
      const std::string header = authorization.value_or("");
      absl::string_view token = header;
      authorized = absl::ConsumePrefix(&token, "Bearer ") &&
                   valid_tokens_.count(std::string(token)) > 0;
      break;
    }
  }
  if (!authorized) {
    Answer answer = ErrorAnswer<Answer>(
        request, 401, "InvalidAuthenticationToken",
        authorization.has_value() ? "Access token validation failure."
                                  : "Access token is empty.");
    answer.headers.emplace_back(
        "WWW-Authenticate",
        "Bearer realm=\"\", authorization_uri="
        "\"https://login.microsoftonline.com/common/oauth2/authorize\"");
    return answer;
  }

  const std::string collection = collection_path();
  absl::string_view path = request.path;
  if (path == collection || path == absl::StrCat(collection, "/")) {
    if (request.method == "GET") return ListConnectors(request);
    if (request.method == "POST") return CreateConnector(request);
    return ErrorAnswer<Answer>(
        request, 405, "BadRequest",
        absl::StrCat("No route for ", request.method, " ", path));
  }
  if (!absl::ConsumePrefix(&path, absl::StrCat(collection, "/"))) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        absl::StrCat("Resource not found for the segment '", path, "'."));
  }
  const std::size_t slash = path.find('/');
  if (slash != absl::string_view::npos) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               absl::StrCat("Resource not found for the "
                                            "segment '",
                                            path.substr(slash + 1), "'."));
  }
  const std::optional<std::string> id = PercentDecode(path);
  if (!id.has_value() || id->empty()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        absl::StrCat("Bad Request - Error in query syntax: '", path, "'."));
  }
  if (request.method == "GET") return GetConnector(request, *id);
  if (request.method == "PATCH") return PatchConnector(request, *id);
  if (request.method == "DELETE") return DeleteConnector(request, *id);
  return ErrorAnswer<Answer>(
      request, 405, "BadRequest",
      absl::StrCat("No route for ", request.method, " ", request.path));
}

web::json::value FakeGraphServer::Representation(const Stored& stored) const {
  web::json::value json = stored.json;
  if (behaviour_.sends_etags) {
    json["@odata.etag"] = web::json::value::string(stored.etag);
  }
  if (behaviour_.unknown_properties) {
    // What a newer Graph might add: a flag, a nested object, a collection.
    json["tenantAttachStatus"] = web::json::value::string("notAttached");
    web::json::value health = web::json::value::object();
    health["status"] = web::json::value::string("healthy");
    health["checks"] = web::json::value::array(
        {web::json::value::number(1), web::json::value::null()});
    json["connectorHealth"] = health;
    json["isRetired"] = web::json::value::boolean(false);
  }
  return json;
}

bool FakeGraphServer::IfMatchAllows(const RecordedRequest& request,
                                    const Stored& stored) const {
  const std::optional<std::string> if_match = request.Header("if-match");
  if (!if_match.has_value() || !behaviour_.honours_if_match) return true;
  for (absl::string_view candidate : absl::StrSplit(*if_match, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    if (candidate == "*" || candidate == stored.etag) return true;
  }
  return false;
}

std::optional<FakeGraphServer::Answer> FakeGraphServer::SpendBudget(
    const RecordedRequest& request) {
  const absl::Time now = absl::Now();
  const absl::Duration window = behaviour_.budget_window;
  const bool write = IsWrite(request.method);
  if (!HasRoom(answered_requests_, behaviour_.request_budget, now, window) ||
      (write &&
       !HasRoom(answered_writes_, behaviour_.write_budget, now, window))) {
    ++budget_refusals_;
    // As Intune does: no Retry-After.
    return ErrorAnswer<Answer>(
        request, 429, "TooManyRequests",
        IntuneErrorMessage("Too many requests. Please try again later."));
  }
  if (behaviour_.request_budget > 0) answered_requests_.push_back(now);
  if (write && behaviour_.write_budget > 0) answered_writes_.push_back(now);
  return std::nullopt;
}

FakeGraphServer::Answer FakeGraphServer::ListConnectors(
    const RecordedRequest& request) {
  int top = options_.default_page_size;
  std::optional<std::string> skiptoken;
  for (absl::string_view parameter :
       absl::StrSplit(request.query, '&', absl::SkipEmpty())) {
    const std::size_t equals = parameter.find('=');
    const std::optional<std::string> name =
        PercentDecode(parameter.substr(0, equals));
    const std::optional<std::string> value = PercentDecode(
        equals == absl::string_view::npos ? absl::string_view()
                                          : parameter.substr(equals + 1));
    if (!name.has_value() || !value.has_value()) {
      return ErrorAnswer<Answer>(
          request, 400, "BadRequest",
          absl::StrCat("Invalid query parameter '", parameter, "'."));
    }
    if (*name == "$top") {
      if (!absl::SimpleAtoi(*value, &top) || top < 1) {
        return ErrorAnswer<Answer>(
            request, 400, "BadRequest",
            absl::StrCat("Invalid value '", *value, "' for $top."));
      }
    } else if (*name == "$skiptoken") {
      skiptoken = *value;
      if (behaviour_.opaque_skiptokens) {
        std::string decoded;
        absl::string_view last;
        if (absl::WebSafeBase64Unescape(*value, &decoded)) last = decoded;
        if (!absl::ConsumePrefix(&last, kOpaqueTokenPrefix)) {
          return ErrorAnswer<Answer>(request, 400, "BadRequest",
                                     "The $skiptoken is not valid.");
        }
        skiptoken = std::string(last);
      }
    }
  }
  top = std::min(top, options_.max_page_size);
  if (behaviour_.page_size > 0) top = behaviour_.page_size;

  auto it = skiptoken.has_value() ? connectors_.upper_bound(*skiptoken)
                                  : connectors_.begin();
  std::vector<web::json::value> items;
  std::string last_id;
  for (; it != connectors_.end() && static_cast<int>(items.size()) < top;
       ++it) {
    items.push_back(Representation(it->second));
    last_id = it->first;
  }
  web::json::value body = web::json::value::object();
  body["@odata.context"] = web::json::value::string(
      absl::StrCat(base_url(), "/$metadata#deviceManagement/ndesConnectors"));
  body["value"] = web::json::value::array(items);
  if (behaviour_.repeats_next_link && skiptoken.has_value()) {
    // The link that fetched this page, handed out again.
    body["@odata.nextLink"] = web::json::value::string(
        absl::StrCat(collection_url(), "?", request.query));
  } else if (it != connectors_.end()) {
    const std::string token = behaviour_.opaque_skiptokens
                                  ? absl::WebSafeBase64Escape(absl::StrCat(
                                        kOpaqueTokenPrefix, last_id))
                                  : last_id;
    body["@odata.nextLink"] = web::json::value::string(
        behaviour_.page_size > 0
            ? absl::StrCat(collection_url(),
                           "?$skiptoken=", PercentEncode(token))
            : absl::StrCat(collection_url(), "?$top=", top,
                           "&$skiptoken=", PercentEncode(token)));
  }
  Answer answer;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = body.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::CreateConnector(
    const RecordedRequest& request) {
  if (!IsJsonContent(request)) {
    return ErrorAnswer<Answer>(request, 415, "UnsupportedMediaType",
                               "Content-Type must be application/json.");
  }
  std::error_code error;
  web::json::value body = web::json::value::parse(request.body, error);
  if (error || !body.is_object()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type "
        "header is set and payload is of valid JSON format.");
  }
  if (body.has_field("@odata.type") &&
      (!body.at("@odata.type").is_string() ||
       body.at("@odata.type").as_string() != translation::kGraphODataType)) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               "The @odata.type is not an ndesConnector.");
  }
  std::string id;
  if (body.has_field("id") && !body.at("id").is_null()) {
    if (!body.at("id").is_string()) {
      return ErrorAnswer<Answer>(request, 400, "BadRequest",
                                 "The id must be a string.");
    }
    id = body.at("id").as_string();
  }
  if (id.empty() || behaviour_.assigns_ids) {
    id = translation::GenerateConnectorId();
  }
  if (connectors_.count(id) > 0) {
    return ErrorAnswer<Answer>(
        request, 409, "Conflict",
        absl::StrCat("An ndesConnector with id '", id, "' already exists."));
  }
  body["id"] = web::json::value::string(id);
  EraseIfPresent(body, "@odata.etag");
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      translation::ConnectorFromGraphJson(body);
  if (!connector.ok()) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               connector.status().message());
  }
  connector->clear_etag();
  Stored& stored = connectors_[id];
  stored.json = translation::ConnectorToGraphJson(*connector);
  EraseIfPresent(stored.json, "@odata.etag");
  stored.etag = NextEtag();

  web::json::value representation = Representation(stored);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  Answer answer;
  answer.status = 201;
  answer.headers = {
      {"Content-Type", "application/json"},
      {"Location", absl::StrCat(collection_url(), "/", PercentEncode(id))}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::GetConnector(
    const RecordedRequest& request, const std::string& id) {
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  web::json::value representation = Representation(it->second);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  Answer answer;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::PatchConnector(
    const RecordedRequest& request, const std::string& id) {
  if (!IsJsonContent(request)) {
    return ErrorAnswer<Answer>(request, 415, "UnsupportedMediaType",
                               "Content-Type must be application/json.");
  }
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  if (!IfMatchAllows(request, it->second)) {
    return ErrorAnswer<Answer>(
        request, 412, "PreconditionFailed",
        absl::StrCat("The If-Match etag does not match the current etag of "
                     "ndesConnectors('",
                     id, "')."));
  }
  std::error_code error;
  const web::json::value patch = web::json::value::parse(request.body, error);
  if (error || !patch.is_object()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type "
        "header is set and payload is of valid JSON format.");
  }
  // Graph refuses a document with a property or value it does not know;
  // what it accepts replaces the stored properties it names.
  absl::StatusOr<translation::GraphPatch> read =
      translation::ParseGraphPatchDocument(patch, id);
  if (!read.ok()) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               read.status().message());
  }
  for (const auto& [key, property] : patch.as_object()) {
    if (!absl::StartsWith(key, "@odata.")) it->second.json[key] = property;
  }
  EraseIfPresent(it->second.json, "@odata.etag");
  it->second.etag = NextEtag();

  Answer answer;
  const bool representation_wanted = absl::StrContains(
      request.Header("prefer").value_or(""), "return=representation");
  if (!representation_wanted || behaviour_.patch_answers_no_content) {
    answer.status = 204;
    return answer;
  }
  web::json::value representation = Representation(it->second);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::DeleteConnector(
    const RecordedRequest& request, const std::string& id) {
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  if (!IfMatchAllows(request, it->second)) {
    return ErrorAnswer<Answer>(
        request, 412, "PreconditionFailed",
        absl::StrCat("The If-Match etag does not match the current etag of "
                     "ndesConnectors('",
                     id, "')."));
  }
  connectors_.erase(it);
  Answer answer;
  answer.status = 204;
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::HandleToken(
    const RecordedRequest& request) {
  auto refuse = [](int status, absl::string_view error,
                   absl::string_view description) {
    Answer answer;
    answer.status = status;
    answer.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    answer.body = IdentityErrorBody(error, description);
    return answer;
  };
  if (request.path != absl::StrCat("/", options_.tenant_id, kTokenSuffix)) {
    return refuse(400, "invalid_request",
                  "AADSTS90002: Tenant not found. Check to make sure you "
                  "have the correct tenant ID.");
  }
  if (request.method != "POST") {
    return refuse(405, "invalid_request",
                  "AADSTS900561: The endpoint only accepts POST requests.");
  }
  if (!absl::StartsWithIgnoreCase(request.Header("content-type").value_or(""),
                                  "application/x-www-form-urlencoded")) {
    return refuse(400, "invalid_request",
                  "AADSTS900144: The request body must contain the "
                  "following parameter: 'grant_type'.");
  }
  std::map<std::string, std::string> form = ParseFormBody(request.body);
  auto field = [&form](const std::string& name) -> std::optional<std::string> {
    auto it = form.find(name);
    if (it == form.end()) return std::nullopt;
    return it->second;
  };
  if (field("grant_type") != "client_credentials") {
    return refuse(400, "unsupported_grant_type",
                  "AADSTS70003: The app requested an unsupported grant "
                  "type.");
  }
  if (field("client_id") != options_.client_id) {
    return refuse(400, "unauthorized_client",
                  absl::StrCat("AADSTS700016: Application with identifier '",
                               field("client_id").value_or(""),
                               "' was not found in the directory '",
                               options_.tenant_id, "'."));
  }
  if (field("client_secret") != options_.client_secret) {
    return refuse(401, "invalid_client",
                  absl::StrCat("AADSTS7000215: Invalid client secret "
                               "provided. Ensure the secret being sent in the "
                               "request is the client secret value, not the "
                               "client secret ID, for a secret added to app '",
                               options_.client_id, "'."));
  }
  if (field("scope") != std::string(kGraphScope)) {
    return refuse(400, "invalid_scope",
                  "AADSTS1002012: The provided value for scope is not "
                  "valid. Client credential flows must have a scope value "
                  "with /.default suffixed to the resource identifier.");
  }
  absl::MutexLock lock(&mu_);
  const std::string token =
      absl::StrCat("fake-access-token-", issued_tokens_.size() + 1, "-",
                   translation::GenerateConnectorId());
  valid_tokens_.insert(token);
  issued_tokens_.push_back(token);
  web::json::value body = web::json::value::object();
  body["token_type"] = web::json::value::string("Bearer");
  body["expires_in"] = web::json::value::number(token_lifetime_seconds_);
  body["ext_expires_in"] = web::json::value::number(token_lifetime_seconds_);
  body["access_token"] = web::json::value::string(token);
  Answer answer;
  answer.headers = {{"Content-Type", "application/json; charset=utf-8"},
                    {"Cache-Control", "no-store, no-cache"}};
  answer.body = body.serialize();
  return answer;
}

}  // namespace ndes::graph::testing
