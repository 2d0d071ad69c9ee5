#include "health/health_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "text/untrusted_text.h"

namespace ndes::health {

using grpc::health::v1::HealthCheckResponse;

ProbeHealthService::ProbeHealthService(const std::vector<std::string>& services,
                                       std::string liveness)
    : services_(services.begin(), services.end()),
      liveness_(std::move(liveness)) {}

void ProbeHealthService::SetServing(bool serving) {
  if (shut_down_.load()) return;
  serving_.store(serving);
}

void ProbeHealthService::Shutdown() {
  shut_down_.store(true);
  serving_.store(false);
}

grpc::ServerUnaryReactor* ProbeHealthService::Check(
    grpc::CallbackServerContext* context,
    const grpc::health::v1::HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->service() == liveness_) {
    response->set_status(shut_down_.load() ? HealthCheckResponse::NOT_SERVING
                                           : HealthCheckResponse::SERVING);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  if (!request->service().empty() && services_.count(request->service()) == 0) {
    // The name is the caller's: quoted short and escaped, like every echoed
    // input, so that it can neither grow the answer nor inject control
    // characters into a client's log.
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     absl::StrCat("unknown service ",
                                  text::QuoteUntrusted(request->service()))));
    return reactor;
  }
  response->set_status(serving_.load() ? HealthCheckResponse::SERVING
                                       : HealthCheckResponse::NOT_SERVING);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace ndes::health
