// grpc.health.v1.Health Check for the probe listener (--health_listen).
//
// The API listener uses gRPC's built-in health service (Check and Watch).
// That service needs a server that polls a completion queue, which the probe
// listener, serving nothing else, does not have; so the probe listener
// serves this one, on the callback API. It answers Check, which is what
// Kubernetes' gRPC probes and grpc_health_probe send; Watch answers
// UNIMPLEMENTED there (watch the API listener instead).
//
// Check answers the status of a known service ("" is the whole server),
// the liveness service (SERVING until shutdown, whatever the store does) and
// NOT_FOUND for any other, quoting at most text::kMaxQuotedChars characters
// of its name, escaped (text/untrusted_text.h).
//
// Thread-safe.
#ifndef NDES_SERVER_HEALTH_HEALTH_SERVICE_H_
#define NDES_SERVER_HEALTH_HEALTH_SERVICE_H_

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace ndes::health {

class ProbeHealthService final
    : public grpc::health::v1::Health::CallbackService {
 public:
  // `services`: the names that follow SetServing besides "" (the whole
  // server); all start NOT_SERVING. `liveness`: a name that is SERVING from
  // the start until Shutdown.
  ProbeHealthService(const std::vector<std::string>& services,
                     std::string liveness);

  // SERVING or NOT_SERVING for every known service. Ignored after Shutdown.
  void SetServing(bool serving);
  // NOT_SERVING for good.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;

 private:
  const std::set<std::string> services_;
  const std::string liveness_;
  std::atomic<bool> serving_{false};
  std::atomic<bool> shut_down_{false};
};

}  // namespace ndes::health

#endif  // NDES_SERVER_HEALTH_HEALTH_SERVICE_H_
