#include "graph/graph_connector_store.h"

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cpprest/asyncrt_utils.h"
#include "cpprest/base_uri.h"
#include "graph/graph_errors.h"
#include "graph/graph_list_query.h"
#include "observability/gateway_metrics.h"
#include "query/query_fingerprint.h"
#include "query/selection.h"
#include "store/page_budget.h"
#include "text/untrusted_text.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ndes::v1::NdesConnector;
using store::CallContext;

constexpr absl::string_view kCollectionPath =
    "/deviceManagement/ndesConnectors";
// Page tokens of id order with no filter and every property keep the
// format of earlier releases ("graph.v1"); those of any other query carry
// its fingerprint ("graph.v2:<fingerprint>"). Then ":" and the nextLink's
// query, or "+<skip>:" and the query of a Graph page the previous answer
// ended inside (cut short to fit the message limit).
constexpr absl::string_view kPlainPageTokenPrefix = "graph.v1";
constexpr absl::string_view kQueryPageTokenPrefix = "graph.v2:";

using http::HttpCallback;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// A connector from a 2xx answer's body. INTERNAL when Graph answered
// something that is not a connector (no id, or another id than the one
// asked for): the gateway cannot vouch for it.
absl::StatusOr<NdesConnector> ConnectorFromBody(
    const http::HttpResponse& response, absl::string_view expected_id = "") {
  std::error_code error;
  web::json::value json = web::json::value::parse(response.body, error);
  if (error || !json.is_object()) {
    return absl::InternalError(
        absl::StrCat("Graph answered ", response.status_code,
                     " with a body that is not a JSON object"));
  }
  absl::StatusOr<NdesConnector> connector =
      translation::ConnectorFromGraphJson(json);
  if (!connector.ok()) {
    return absl::InternalError(
        absl::StrCat("Graph answered ", response.status_code,
                     " with a body that is not an ndesConnector: ",
                     connector.status().message()));
  }
  if (connector->id().empty() ||
      (!expected_id.empty() && connector->id() != expected_id)) {
    return absl::InternalError(absl::StrCat(
        "Graph answered ", response.status_code,
        " with a body that is not the ndesConnector asked for (id ",
        text::QuoteUntrusted(connector->id()), ")"));
  }
  return connector;
}

// A Graph error answer about connector `id`, with the id named first (Graph's
// own message rarely says which connector it means).
absl::Status ConnectorError(absl::string_view id,
                            const http::HttpResponse& response) {
  absl::Status graph = StatusFromGraphError(response);
  if (id.empty()) return graph;
  return absl::Status(graph.code(), absl::StrCat("NDES connector \"", id,
                                                 "\": ", graph.message()));
}

// The path segment for an id: every byte but [A-Za-z0-9_-] percent-encoded,
// so that no id can add a segment, a query or a fragment.
absl::StatusOr<std::string> IdSegment(absl::string_view id) {
  if (id.empty() || id == "." || id == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat(text::QuoteUntrusted(id), " is not a connector id"));
  }
  std::string segment;
  for (unsigned char c : id) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_') {
      segment.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&segment, "%",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(&c), 1)));
    }
  }
  return segment;
}

// Where a page starts: the query of the Graph request that fetches it, and
// how many of the items Graph answers were on the previous page (a page cut
// short to fit the answer's size ends inside Graph's page).
struct PagePosition {
  std::string query;
  std::size_t skip = 0;
};

// The text before the position in the page tokens of `query`.
std::string PageTokenPrefix(const store::ListQuery& query) {
  if (query.filter.op() == query::FilterOp::kMatchAll &&
      query.order.keys.empty() && query.selection.all()) {
    return std::string(kPlainPageTokenPrefix);
  }
  return absl::StrCat(
      kQueryPageTokenPrefix,
      query::QueryFingerprint(query.filter, query.order, query.selection));
}

absl::Status PageTokenError(absl::string_view problem) {
  return translation::InvalidArgumentWithViolations(
      absl::StrCat("page_token ", problem),
      {{"page_token", std::string(problem)}});
}

// A page token carries only the query of Graph's @odata.nextLink (and a
// count of items to skip): the gateway always sends it to its own
// collection URL, whatever host or path the token or Graph named.
std::string EncodePageToken(const store::ListQuery& query,
                            const PagePosition& position) {
  if (position.skip == 0) {
    return absl::WebSafeBase64Escape(
        absl::StrCat(PageTokenPrefix(query), ":", position.query));
  }
  return absl::WebSafeBase64Escape(absl::StrCat(
      PageTokenPrefix(query), "+", position.skip, ":", position.query));
}

// The position of query.page_token, which must have been issued for the
// same filter, order and selection.
absl::StatusOr<PagePosition> DecodePageToken(const store::ListQuery& query) {
  std::string raw;
  absl::string_view rest;
  PagePosition position;
  bool valid = absl::WebSafeBase64Unescape(query.page_token, &raw);
  if (valid) {
    rest = raw;
    if (!absl::ConsumePrefix(&rest, PageTokenPrefix(query))) {
      if (absl::StartsWith(raw, kPlainPageTokenPrefix) ||
          absl::StartsWith(raw, kQueryPageTokenPrefix)) {
        return PageTokenError(
            "was issued for another filter, order_by or read_mask; send the "
            "same ones as for the first page, or start again with an empty "
            "page_token");
      }
      valid = false;
    } else if (absl::ConsumePrefix(&rest, "+")) {
      const std::size_t colon = rest.find(':');
      valid = colon != absl::string_view::npos &&
              absl::SimpleAtoi(rest.substr(0, colon), &position.skip) &&
              position.skip > 0;
      if (valid) rest.remove_prefix(colon + 1);
    } else {
      valid = absl::ConsumePrefix(&rest, ":");
    }
    valid = valid && !rest.empty();
  }
  for (char c : rest) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#' || c == '\\') valid = false;
  }
  position.query = std::string(rest);
  if (!valid || EncodePageToken(query, position) != query.page_token) {
    return PageTokenError(
        "is not a page token issued by this gateway; start again with an "
        "empty page_token");
  }
  return position;
}

// The client-request-id of a store call: the gRPC call's request id when it
// has a usable one, so that Graph's logs can be matched with the caller's;
// else a fresh UUID. A value that is not a plain header token (control
// characters, spaces, overlong) is never sent.
std::string ClientRequestId(const CallContext& context) {
  const std::string& id = context.request_id;
  bool usable = !id.empty() && id.size() <= 128;
  for (char c : id) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) usable = false;
  }
  return usable ? id : translation::GenerateConnectorId();
}

// Graph answered 429 or 503 with a Retry-After: throttling, as opposed to a
// transient fault.
bool IsThrottled(const http::HttpResponse& response) {
  return (response.status_code == 429 || response.status_code == 503) &&
         response.Header("Retry-After").has_value();
}

}  // namespace

// One logical Graph request: authorization, the request, a retry with a
// fresh token after a 401, and the throttling retries of retry_policy.h.
class GraphConnectorStore::Exchange
    : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(GraphConnectorStore* store, CallContext context,
           std::string client_request_id, http::HttpRequest request,
           HttpCallback done)
      : store_(store),
        context_(std::move(context)),
        client_request_id_(std::move(client_request_id)),
        request_(std::move(request)),
        done_(std::move(done)) {
    request_.deadline = context_.deadline;
  }

  void Start() {
    auto self = shared_from_this();
    store_->authorization_->Authorize(
        context_, [self](absl::StatusOr<std::string> authorization) {
          if (!authorization.ok()) {
            self->Finish(authorization.status());
            return;
          }
          self->authorization_ = *std::move(authorization);
          self->Send();
        });
  }

 private:
  void Send() {
    ++attempt_;
    http::HttpRequest request = request_;
    request.headers.emplace_back("Authorization", authorization_);
    request.headers.emplace_back("client-request-id", client_request_id_);
    request.headers.emplace_back("Accept", "application/json");
    auto self = shared_from_this();
    store_->http_->Send(std::move(request),
                        [self](absl::StatusOr<http::HttpResponse> response) {
                          self->OnResponse(std::move(response));
                        });
  }

  void OnResponse(absl::StatusOr<http::HttpResponse> response) {
    observability::GatewayMetrics& metrics = observability::Metrics();
    if (!response.ok()) {
      metrics.GraphFailed(request_.method);
      Finish(response.status());
      return;
    }
    metrics.GraphAnswered(request_.method, response->status_code);
    const bool throttled = IsThrottled(*response);
    if (throttled) metrics.GraphThrottled();
    if (response->status_code == 401 && !refreshed_token_ &&
        store_->authorization_->Invalidate(authorization_)) {
      refreshed_token_ = true;
      Start();
      return;
    }
    const absl::Time now = absl::Now();
    std::optional<absl::Duration> delay =
        NextRetryDelay(store_->options_.retry, attempt_, *response, now,
                       context_.deadline, random_);
    if (!delay.has_value()) {
      Finish(*std::move(response));
      return;
    }
    auto self = shared_from_this();
    {
      absl::MutexLock lock(&store_->mu_);
      // Under the lock: the destructor sets stopping_ before it destroys
      // the scheduler.
      if (!store_->stopping_) {
        metrics.GraphRetried();
        if (throttled) metrics.GraphThrottleWait(*delay);
        store_->scheduler_->RunAfter(*delay, [self] { self->Retry(); });
        return;
      }
    }
    Finish(absl::UnavailableError(
        "the gateway is shutting down; the Graph request was not retried"));
  }

  void Retry() {
    bool stopping;
    {
      absl::MutexLock lock(&store_->mu_);
      stopping = store_->stopping_;
    }
    if (stopping) {
      Finish(absl::UnavailableError(
          "the gateway is shutting down; the Graph request was not retried"));
      return;
    }
    Send();
  }

  void Finish(absl::StatusOr<http::HttpResponse> result) {
    std::move(done_)(std::move(result));
  }

  GraphConnectorStore* const store_;
  const CallContext context_;
  const std::string client_request_id_;
  http::HttpRequest request_;
  HttpCallback done_;
  std::string authorization_;
  int attempt_ = 0;
  bool refreshed_token_ = false;
  absl::BitGen random_;
};

absl::StatusOr<std::unique_ptr<GraphConnectorStore>>
GraphConnectorStore::Create(GraphStoreOptions options,
                            std::shared_ptr<http::HttpClient> http,
                            std::unique_ptr<GraphAuthorization> authorization,
                            std::unique_ptr<http::Scheduler> scheduler) {
  std::string base(absl::StripSuffix(options.base_url, "/"));
  try {
    web::uri uri(base);
    if ((uri.scheme() != "http" && uri.scheme() != "https") ||
        uri.host().empty() || !uri.query().empty() || !uri.fragment().empty() ||
        !uri.user_info().empty()) {
      throw web::uri_exception("not a base URL");
    }
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--graph_base_url=", options.base_url,
        " is not an absolute http(s) URL without query or fragment, e.g. "
        "https://graph.microsoft.com/beta"));
  }
  std::string collection_url = absl::StrCat(base, kCollectionPath);
  options.base_url = base;
  return std::unique_ptr<GraphConnectorStore>(new GraphConnectorStore(
      std::move(options), std::move(collection_url), std::move(http),
      std::move(authorization), std::move(scheduler)));
}

GraphConnectorStore::GraphConnectorStore(
    GraphStoreOptions options, std::string collection_url,
    std::shared_ptr<http::HttpClient> http,
    std::unique_ptr<GraphAuthorization> authorization,
    std::unique_ptr<http::Scheduler> scheduler)
    : options_(std::move(options)),
      collection_url_(std::move(collection_url)),
      http_(std::move(http)),
      authorization_(std::move(authorization)),
      scheduler_(std::move(scheduler)) {}

GraphConnectorStore::~GraphConnectorStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Runs pending retries at once; they see stopping_ and answer.
  scheduler_.reset();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

// Counts a store call in flight until its callback has returned, so that
// the destructor can wait for it.
template <typename Result>
absl::AnyInvocable<void(Result) &&> GraphConnectorStore::Track(
    absl::AnyInvocable<void(Result) &&> done) {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  return [this, done = std::move(done)](Result result) mutable {
    std::move(done)(std::move(result));
    absl::MutexLock lock(&mu_);
    --in_flight_;
  };
}

void GraphConnectorStore::SendToGraph(const CallContext& context,
                                      std::string client_request_id,
                                      std::string method, std::string url,
                                      std::optional<std::string> body,
                                      std::string if_match, HttpCallback done) {
  http::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  if (body.has_value()) {
    request.body = *std::move(body);
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (!if_match.empty()) request.headers.emplace_back("If-Match", if_match);
  if (request.method == "PATCH") {
    request.headers.emplace_back("Prefer", "return=representation");
  }
  std::make_shared<Exchange>(this, context, std::move(client_request_id),
                             std::move(request), std::move(done))
      ->Start();
}

void GraphConnectorStore::Get(const CallContext& context, std::string id,
                              store::StoreCallback<NdesConnector> done) {
  absl::StatusOr<std::string> segment = IdSegment(id);
  if (!segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  SendToGraph(context, ClientRequestId(context), "GET",
              absl::StrCat(collection_url_, "/", *segment), std::nullopt, "",
              [id, done = Track(std::move(done))](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                } else if (!IsSuccess(response->status_code)) {
                  std::move(done)(ConnectorError(id, *response));
                } else {
                  std::move(done)(ConnectorFromBody(*response, id));
                }
              });
}

void GraphConnectorStore::List(const CallContext& context,
                               store::ListQuery list_query,
                               store::StoreCallback<store::ListPage> done) {
  PagePosition position;
  if (list_query.page_token.empty()) {
    position.query = GraphListQueryString(list_query);
  } else {
    absl::StatusOr<PagePosition> decoded = DecodePageToken(list_query);
    if (!decoded.ok()) {
      std::move(done)(decoded.status());
      return;
    }
    position = *std::move(decoded);
  }
  std::string url = absl::StrCat(collection_url_, "?", position.query);
  SendToGraph(
      context, ClientRequestId(context), "GET", std::move(url), std::nullopt,
      "",
      [list_query = std::move(list_query), position,
       max_bytes = context.max_page_bytes, done = Track(std::move(done))](
          absl::StatusOr<http::HttpResponse> response) mutable {
        if (!response.ok()) {
          std::move(done)(response.status());
          return;
        }
        if (!IsSuccess(response->status_code)) {
          std::move(done)(StatusFromGraphError(*response));
          return;
        }
        std::error_code error;
        web::json::value json = web::json::value::parse(response->body, error);
        if (error || !json.is_object() || !json.has_field("value") ||
            !json.at("value").is_array()) {
          std::move(done)(absl::InternalError(
              "Graph answered the list with a body that has no \"value\" "
              "array"));
          return;
        }
        store::ListPage page;
        // Graph's page may be larger than an answer may be: the rest of it
        // is the next page.
        store::PageBudget budget(store::kMaxPageSize, max_bytes);
        const web::json::array& items = json.at("value").as_array();
        for (std::size_t i = position.skip; i < items.size(); ++i) {
          absl::StatusOr<NdesConnector> connector =
              translation::ConnectorFromGraphJson(items.at(i));
          if (!connector.ok()) {
            std::move(done)(absl::InternalError(
                absl::StrCat("Graph listed an item that is not an "
                             "ndesConnector: ",
                             connector.status().message())));
            return;
          }
          // Graph may answer more than $select asked for (Intune ignores
          // some options): the answer has the selection's fields, whatever
          // the store.
          query::Apply(list_query.selection, &*connector);
          if (!budget.Fits(*connector)) {
            page.next_page_token = EncodePageToken(
                list_query, PagePosition{position.query, i});
            std::move(done)(std::move(page));
            return;
          }
          page.connectors.push_back(*std::move(connector));
        }
        if (json.has_field("@odata.nextLink") &&
            json.at("@odata.nextLink").is_string()) {
          const std::string& next = json.at("@odata.nextLink").as_string();
          const std::size_t question = next.find('?');
          if (question == std::string::npos || question + 1 == next.size()) {
            std::move(done)(absl::InternalError(
                "Graph's @odata.nextLink has no query to continue from"));
            return;
          }
          page.next_page_token = EncodePageToken(
              list_query, PagePosition{next.substr(question + 1), 0});
        }
        std::move(done)(std::move(page));
      });
}

void GraphConnectorStore::Create(const CallContext& context,
                                 NdesConnector connector,
                                 store::StoreCallback<NdesConnector> done) {
  connector.clear_etag();
  web::json::value body = translation::ConnectorToGraphJson(connector);
  // Without an id Graph assigns one.
  if (connector.id().empty()) body.erase("id");
  SendToGraph(context, ClientRequestId(context), "POST", collection_url_,
              body.serialize(), "",
              [id = connector.id(), done = Track(std::move(done))](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                } else if (response->status_code == 409) {
                  std::move(done)(absl::AlreadyExistsError(
                      ConnectorError(id, *response).message()));
                } else if (!IsSuccess(response->status_code)) {
                  std::move(done)(ConnectorError(id, *response));
                } else {
                  std::move(done)(ConnectorFromBody(*response, id));
                }
              });
}

void GraphConnectorStore::Update(const CallContext& context,
                                 store::UpdateCommand command,
                                 store::StoreCallback<NdesConnector> done) {
  absl::StatusOr<std::string> segment = IdSegment(command.id);
  if (!segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  const std::string url = absl::StrCat(collection_url_, "/", *segment);
  const std::string client_request_id = ClientRequestId(context);
  const std::string body =
      translation::BuildGraphPatchDocument(command.values, command.fields)
          .serialize();
  const std::string etag = command.expected_etag;
  SendToGraph(context, client_request_id, "PATCH", url, body, etag,
              [this, context, client_request_id, url,
               command = std::move(command), done = Track(std::move(done))](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                  return;
                }
                const int status = response->status_code;
                if (status == 404 && command.create_if_missing) {
                  if (!command.expected_etag.empty()) {
                    std::move(done)(absl::AbortedError(
                        absl::StrCat("NDES connector \"", command.id,
                                     "\" no longer exists, so etag ",
                                     command.expected_etag, " is stale")));
                    return;
                  }
                  NdesConnector missing = std::move(command.values);
                  missing.set_id(command.id);
                  CreateMissing(context, client_request_id, std::move(missing),
                                std::move(done));
                  return;
                }
                if (!IsSuccess(status)) {
                  std::move(done)(ConnectorError(command.id, *response));
                  return;
                }
                if (status == 204 || response->body.empty()) {
                  // Intune often answers a PATCH with 204 and no body, whatever
                  // Prefer says: read the connector back.
                  FollowUpGet(context, client_request_id, command.id, url,
                              std::move(done));
                  return;
                }
                std::move(done)(ConnectorFromBody(*response, command.id));
              });
}

void GraphConnectorStore::CreateMissing(
    const CallContext& context, std::string client_request_id,
    NdesConnector connector, store::StoreCallback<NdesConnector> done) {
  connector.clear_etag();
  const std::string id = connector.id();
  SendToGraph(context, std::move(client_request_id), "POST", collection_url_,
              translation::ConnectorToGraphJson(connector).serialize(), "",
              [id, done = std::move(done)](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                } else if (response->status_code == 409) {
                  std::move(done)(absl::AbortedError(absl::StrCat(
                      "NDES connector \"", id,
                      "\" was created by another caller meanwhile; retry the "
                      "update")));
                } else if (!IsSuccess(response->status_code)) {
                  std::move(done)(ConnectorError(id, *response));
                } else {
                  std::move(done)(ConnectorFromBody(*response, id));
                }
              });
}

void GraphConnectorStore::FollowUpGet(
    const CallContext& context, std::string client_request_id, std::string id,
    std::string url, store::StoreCallback<NdesConnector> done) {
  SendToGraph(context, std::move(client_request_id), "GET", std::move(url),
              std::nullopt, "",
              [id, done = std::move(done)](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                } else if (!IsSuccess(response->status_code)) {
                  std::move(done)(ConnectorError(id, *response));
                } else {
                  std::move(done)(ConnectorFromBody(*response, id));
                }
              });
}

void GraphConnectorStore::Delete(const CallContext& context, std::string id,
                                 std::string expected_etag,
                                 store::StatusCallback done) {
  absl::StatusOr<std::string> segment = IdSegment(id);
  if (!segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  SendToGraph(context, ClientRequestId(context), "DELETE",
              absl::StrCat(collection_url_, "/", *segment), std::nullopt,
              expected_etag,
              [id, done = Track(std::move(done))](
                  absl::StatusOr<http::HttpResponse> response) mutable {
                if (!response.ok()) {
                  std::move(done)(response.status());
                } else if (!IsSuccess(response->status_code)) {
                  std::move(done)(ConnectorError(id, *response));
                } else {
                  std::move(done)(absl::OkStatus());
                }
              });
}

}  // namespace ndes::graph
