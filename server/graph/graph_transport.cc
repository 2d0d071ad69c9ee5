#include "graph/graph_transport.h"

#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/time/clock.h"
#include "translation/resource_id.h"

namespace ndes::graph {
namespace {

// Graph throttled the request: any 429, and a 503 that says when to come
// back (a bare 503 is a transient fault).
bool IsThrottled(const http::HttpResponse& response) {
  return response.status_code == 429 ||
         (response.status_code == 503 &&
          response.Header("Retry-After").has_value());
}

// Whether a retryable answer may be retried for `method`: a POST only when
// Graph surely did nothing (see the header).
bool MayRetry(absl::string_view method, const http::HttpResponse& response) {
  if (method != "POST") return true;
  return response.status_code == 429 ||
         (response.status_code == 503 &&
          response.Header("Retry-After").has_value());
}

}  // namespace

std::string ClientRequestId(const store::CallContext& context) {
  const std::string& id = context.request_id;
  bool usable = !id.empty() && id.size() <= 128;
  for (char c : id) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) usable = false;
  }
  return usable ? id : translation::GenerateConnectorId();
}

class GraphTransport::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(GraphTransport* transport, store::CallContext context,
           std::string client_request_id, GraphRequest request,
           http::HttpCallback done)
      : transport_(transport),
        context_(std::move(context)),
        client_request_id_(std::move(client_request_id)),
        request_(std::move(request)),
        kind_(KindOfMethod(request_.method)),
        done_(std::move(done)) {}

  // Waits for the budget (unless admitted), then authorizes and sends.
  void Start(Admission admission) {
    if (admission == Admission::kAdmitted) {
      Authorize();
      return;
    }
    auto self = shared_from_this();
    absl::Status queued = transport_->pacer_->Enqueue(
        kind_, context_.deadline,
        admission == Admission::kFront ? RequestPacer::Place::kFront
                                       : RequestPacer::Place::kBack,
        [self](absl::Status released) {
          if (!released.ok()) {
            self->Finish(std::move(released));
            return;
          }
          self->Authorize();
        });
    if (!queued.ok()) Finish(std::move(queued));
  }

 private:
  void Authorize() {
    auto self = shared_from_this();
    transport_->authorization_->Authorize(
        context_, [self](absl::StatusOr<std::string> authorization) {
          if (!authorization.ok()) {
            self->Finish(authorization.status());
            return;
          }
          self->authorization_ = *std::move(authorization);
          self->Send();
        });
  }

  void Send() {
    ++attempt_;
    http::HttpRequest request;
    request.method = request_.method;
    request.url = request_.url;
    request.deadline = context_.deadline;
    request.headers.emplace_back("Authorization", authorization_);
    request.headers.emplace_back("client-request-id", client_request_id_);
    request.headers.emplace_back("Accept", "application/json");
    if (request_.body.has_value()) {
      request.body = *request_.body;
      request.headers.emplace_back("Content-Type", "application/json");
    }
    if (!request_.if_match.empty()) {
      request.headers.emplace_back("If-Match", request_.if_match);
    }
    if (request_.method == "PATCH") {
      request.headers.emplace_back("Prefer", "return=representation");
    }
    auto self = shared_from_this();
    transport_->http_->Send(
        std::move(request),
        [self](absl::StatusOr<http::HttpResponse> response) {
          self->OnResponse(std::move(response));
        });
  }

  void OnResponse(absl::StatusOr<http::HttpResponse> response) {
    GraphStats& stats = *transport_->stats_;
    if (!response.ok()) {
      stats.Failed(request_.method);
      Finish(response.status());
      return;
    }
    stats.Answered(request_.method, response->status_code);
    const bool throttled = IsThrottled(*response);
    if (throttled) stats.Throttled();
    if (response->status_code == 401 && !refreshed_token_ &&
        transport_->authorization_->Invalidate(authorization_)) {
      refreshed_token_ = true;
      Start(Admission::kFront);
      return;
    }
    std::optional<absl::Duration> delay;
    if (MayRetry(request_.method, *response)) {
      delay = NextRetryDelay(transport_->retry_, attempt_, *response,
                             absl::Now(), context_.deadline, random_);
    }
    if (response->status_code == 429) {
      // Even when it is not retried, the next requests must slow down.
      transport_->pacer_->Throttled(
          kind_, delay.value_or(transport_->retry_.initial_backoff));
    }
    if (!delay.has_value()) {
      Finish(*std::move(response));
      return;
    }
    auto self = shared_from_this();
    {
      absl::MutexLock lock(&transport_->mu_);
      // Under the lock: Shutdown sets stopping_ before the scheduler is
      // destroyed.
      if (!transport_->stopping_) {
        stats.Retried();
        if (throttled) stats.ThrottleWait(*delay);
        transport_->scheduler_->RunAfter(*delay, [self] { self->Retry(); });
        return;
      }
    }
    Finish(absl::UnavailableError(
        "the gateway is shutting down; the Graph request was not retried"));
  }

  void Retry() {
    if (transport_->stopping()) {
      Finish(absl::UnavailableError(
          "the gateway is shutting down; the Graph request was not retried"));
      return;
    }
    auto self = shared_from_this();
    absl::Status queued = transport_->pacer_->Enqueue(
        kind_, context_.deadline, RequestPacer::Place::kFront,
        [self](absl::Status released) {
          if (!released.ok()) {
            self->Finish(std::move(released));
            return;
          }
          self->Send();
        });
    if (!queued.ok()) Finish(std::move(queued));
  }

  void Finish(absl::StatusOr<http::HttpResponse> result) {
    std::move(done_)(std::move(result));
  }

  GraphTransport* const transport_;
  const store::CallContext context_;
  const std::string client_request_id_;
  const GraphRequest request_;
  const UpstreamRequestKind kind_;
  http::HttpCallback done_;
  std::string authorization_;
  int attempt_ = 0;
  bool refreshed_token_ = false;
  absl::BitGen random_;
};

GraphTransport::GraphTransport(std::shared_ptr<http::HttpClient> http,
                               GraphAuthorization* authorization,
                               RequestPacer* pacer, http::Scheduler* scheduler,
                               RetryPolicy retry,
                               std::shared_ptr<GraphStats> stats)
    : http_(std::move(http)),
      authorization_(authorization),
      pacer_(pacer),
      scheduler_(scheduler),
      retry_(retry),
      stats_(std::move(stats)) {}

void GraphTransport::Send(const store::CallContext& context,
                          std::string client_request_id, GraphRequest request,
                          Admission admission, http::HttpCallback done) {
  std::make_shared<Exchange>(this, context, std::move(client_request_id),
                             std::move(request), std::move(done))
      ->Start(admission);
}

void GraphTransport::Shutdown() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

bool GraphTransport::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

}  // namespace ndes::graph
