#include "rest/rest_face.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http_server/http_server.h"
#include "logging/log.h"
#include "observability/metric_series.h"
#include "rest/connector_resource.h"
#include "rest/graph_error.h"
#include "rest/json_batch.h"
#include "rest/rest_route.h"
#include "text/request_id.h"

namespace ndes::rest {
namespace {

// What Graph sends with its JSON answers.
constexpr absl::string_view kJsonContentType =
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8";
constexpr absl::string_view kBatchOperation = "Batch";
constexpr absl::string_view kNoOperation = "none";

// A Host header fit to start a URL with: a name or address and a port.
bool IsUsableHost(absl::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-' && c != ':' && c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

// The ids of one HTTP request.
struct RequestIds {
  std::string request_id;
  std::string client_request_id;
};

service::Access AccessFor(absl::string_view method) {
  return method == "GET" || method == "HEAD" ? service::Access::kRead
                                             : service::Access::kWrite;
}

}  // namespace

struct RestFace::Impl {
  RestFaceOptions options;
  store::ConnectorStore& store;
  ConnectorResource resource;
  observability::CounterFamily* requests = nullptr;
  observability::HistogramFamily* seconds = nullptr;
  std::string scheme;
  std::unique_ptr<http_server::HttpServer> server;

  Impl(const RestFaceOptions& options, store::ConnectorStore& store)
      : options(options), store(store), resource(store) {
    scheme = options.tls.enabled() ? "https" : "http";
    if (options.metrics != nullptr) {
      requests = &options.metrics->AddCounter(
          "ndes_rest_requests_total",
          "Requests the REST face answered, by the RPC they amount to and "
          "HTTP status.",
          {"operation", "status"});
      seconds = &options.metrics->AddHistogram(
          "ndes_rest_request_seconds",
          "Time from a REST request's arrival to its answer.",
          observability::LatencyBuckets(), {"operation"});
    }
  }

  // Completes `response` for the wire: Content-Type, and innerError in an
  // error envelope.
  void Complete(RestResponse& response, const RequestIds& ids) const {
    if (response.json.has_value()) {
      AddInnerError(&*response.json, absl::Now(), ids.request_id,
                    ids.client_request_id);
      response.headers.emplace_back("Content-Type",
                                    std::string(kJsonContentType));
    } else if (response.text.has_value()) {
      response.headers.emplace_back("Content-Type",
                                    "text/plain; charset=utf-8");
    }
  }

  void Record(absl::string_view operation, const RestResponse& response,
              absl::Time started, const RequestIds& ids,
              absl::string_view caller) const {
    const absl::Duration latency = absl::Now() - started;
    if (operation.empty()) operation = kNoOperation;
    if (requests != nullptr) {
      requests->WithLabels({operation, absl::StrCat(response.status)})
          .Increment();
      seconds->WithLabels({operation}).Observe(absl::ToDoubleSeconds(latency));
    }
    logging::CallRecord record;
    record.method = operation;
    // The code is the status the request amounts to (a 405 is
    // UNIMPLEMENTED); http_status says exactly what was answered.
    record.code = response.outcome.code();
    record.error = response.outcome.message();
    record.latency = latency;
    record.request_id = ids.request_id;
    record.caller = caller;
    record.http_status = response.status;
    logging::LogCall(record);
  }

  // Checks the caller's token for `access`; the caller's identity.
  absl::StatusOr<std::string> Authorize(const RestRequest& request,
                                        service::Access access) const {
    if (options.authorizer == nullptr) return std::string();
    absl::StatusOr<service::Caller> caller = options.authorizer->Authorize(
        request.Header("Authorization").value_or(""), access);
    if (!caller.ok()) return caller.status();
    return caller->identity;
  }

  // Answers one connector request (a request of its own, or one in a
  // batch, then with VersionSegment::kOptional).
  void Serve(const RestCall& call, const RequestIds& ids,
             VersionSegment version, RestRequest request, RestDone done) const {
    const absl::Time started = absl::Now();
    absl::StatusOr<RestRoute> route = ParseRestPath(request.path, version);
    auto finish = [this, ids, started](absl::string_view operation,
                                       std::string caller, RestDone done) {
      return [this, ids, started, operation, caller = std::move(caller),
              done = std::move(done)](RestResponse response) mutable {
        Complete(response, ids);
        Record(operation, response, started, ids, caller);
        std::move(done)(std::move(response));
      };
    };
    if (!route.ok()) {
      return finish("", "",
                    std::move(done))(RestResponse::Error(route.status()));
    }
    if (route->resource == RestResource::kBatch) {
      if (version == VersionSegment::kOptional) {
        return finish(kBatchOperation, "", std::move(done))(RestResponse::Error(
            absl::InvalidArgumentError("a batch cannot hold another batch")));
      }
      return Batch(call, ids, std::move(request),
                   finish(kBatchOperation, "", std::move(done)));
    }
    const absl::string_view operation =
        ConnectorResource::OperationOf(*route, request.method);
    absl::StatusOr<std::string> caller =
        Authorize(request, AccessFor(request.method));
    if (!caller.ok()) {
      return finish(operation, "",
                    std::move(done))(RestResponse::Refused(caller.status()));
    }
    resource.Handle(call, *route, std::move(request),
                    finish(operation, *std::move(caller), std::move(done)));
  }

  void Batch(const RestCall& call, const RequestIds& ids, RestRequest request,
             RestDone done) const {
    if (request.method != "POST") {
      return std::move(done)(
          RestResponse::MethodNotAllowed(request.method, "POST"));
    }
    if (absl::StatusOr<std::string> caller =
            Authorize(request, service::Access::kAuthenticated);
        !caller.ok()) {
      return std::move(done)(RestResponse::Refused(caller.status()));
    }
    absl::StatusOr<std::vector<BatchStep>> steps = ParseJsonBatch(request.body);
    if (!steps.ok()) {
      return std::move(done)(RestResponse::Error(steps.status()));
    }
    // The batch's token stands for each of its requests.
    std::optional<std::string> authorization = request.Header("Authorization");
    RunJsonBatch(
        *std::move(steps),
        [this, call, ids, authorization](RestRequest step, RestDone done) {
          step.headers.erase(
              std::remove_if(step.headers.begin(), step.headers.end(),
                             [](const auto& header) {
                               return absl::EqualsIgnoreCase(header.first,
                                                             "Authorization");
                             }),
              step.headers.end());
          if (authorization.has_value()) {
            step.headers.emplace_back("Authorization", *authorization);
          }
          Serve(call, ids, VersionSegment::kOptional, std::move(step),
                std::move(done));
        },
        std::move(done));
  }
};

class RestFace::Handler {
 public:
  explicit Handler(Impl* impl) : impl_(impl) {}

  void operator()(http_server::HttpServerRequest http,
                  http_server::HttpResponder responder) const {
    RequestIds ids;
    ids.request_id = text::NewRequestId();
    std::optional<std::string> client_id = http.Header("client-request-id");
    ids.client_request_id =
        client_id.has_value() && text::IsUsableRequestId(*client_id)
            ? *client_id
            : ids.request_id;
    RestCall call;
    call.context.deadline = absl::Now() + impl_->options.request_deadline;
    call.context.authorization =
        http.Header("Authorization").value_or(std::string());
    call.context.request_id = ids.client_request_id;
    call.context.max_page_bytes = impl_->options.max_page_bytes;
    // Links in answers start with the Host the client used. HTTP/1.1
    // requires it (RFC 9112): without one, or with one that cannot start a
    // URL, the request is refused.
    std::optional<std::string> host = http.Header("Host");
    const bool usable_host = host.has_value() && IsUsableHost(*host);
    call.base_url = absl::StrCat(impl_->scheme, "://", usable_host ? *host : "",
                                 "/", kVersion);
    RestRequest request;
    request.method = std::move(http.method);
    request.path = std::move(http.path);
    request.query = std::move(http.query);
    request.headers = std::move(http.headers);
    request.body = std::move(http.body);
    RestDone answer = [ids, responder = std::move(responder)](
                          RestResponse response) mutable {
      http_server::HttpServerResponse answer;
      answer.status = response.status;
      answer.headers = std::move(response.headers);
      answer.headers.emplace_back("request-id", ids.request_id);
      answer.headers.emplace_back("client-request-id", ids.client_request_id);
      answer.headers.emplace_back("OData-Version", "4.0");
      answer.headers.emplace_back("Cache-Control", "no-cache");
      if (response.json.has_value()) {
        answer.body = response.json->serialize();
      } else if (response.text.has_value()) {
        answer.body = *std::move(response.text);
      }
      std::move(responder).Answer(std::move(answer));
    };
    if (!usable_host) {
      RestResponse refused = RestResponse::Error(
          absl::InvalidArgumentError("the request has no usable Host header"));
      impl_->Complete(refused, ids);
      impl_->Record("", refused, absl::Now(), ids, "");
      return std::move(answer)(std::move(refused));
    }
    impl_->Serve(call, ids, VersionSegment::kRequired, std::move(request),
                 std::move(answer));
  }

 private:
  Impl* impl_;
};

absl::StatusOr<std::unique_ptr<RestFace>> RestFace::Start(
    const RestFaceOptions& options, store::ConnectorStore& store) {
  auto impl = std::make_unique<Impl>(options, store);
  http_server::HttpServerOptions http;
  http.listen_address = options.listen_address;
  http.name = "the REST face";
  http.tls = options.tls;
  http.max_body_bytes = options.max_body_bytes;
  http.max_connections = options.max_connections;
  // A batch may hold twenty requests' worth of headers in its body, not in
  // its header block: Graph's own header limits are generous.
  http.max_header_bytes = 32 * 1024;
  absl::StatusOr<std::unique_ptr<http_server::HttpServer>> server =
      http_server::HttpServer::Start(http, Handler(impl.get()));
  if (!server.ok()) return server.status();
  impl->server = *std::move(server);
  return std::unique_ptr<RestFace>(new RestFace(std::move(impl)));
}

RestFace::RestFace(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RestFace::~RestFace() { Stop(); }

void RestFace::Stop() { impl_->server->Stop(); }

std::string RestFace::url() const {
  return absl::StrCat(impl_->scheme, "://", impl_->server->address(), "/",
                      kVersion);
}

int RestFace::port() const { return impl_->server->port(); }

}  // namespace ndes::rest
