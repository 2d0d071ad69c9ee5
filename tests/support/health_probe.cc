#include "support/health_probe.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace ndes::testing {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  // Wait for the channel to connect rather than failing fast while the
  // server starts.
  context.set_wait_for_ready(true);
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::StrCat("error ", static_cast<int>(status.error_code()), ": ",
                        status.error_message());
  }
  return HealthCheckResponse::ServingStatus_Name(response.status());
}

absl::Status WaitForServing(const std::shared_ptr<grpc::Channel>& channel,
                            absl::Duration timeout,
                            const std::string& service) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    last = CheckHealth(channel, service);
    if (last == "SERVING") return absl::OkStatus();
  }
  return absl::DeadlineExceededError(
      absl::StrCat("server not SERVING after ", absl::FormatDuration(timeout),
                   "; last health answer: ", last));
}

}  // namespace ndes::testing
