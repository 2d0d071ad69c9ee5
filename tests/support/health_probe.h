// Polls a server's grpc.health.v1 service: how tests wait for a server,
// instead of sleeping.
#ifndef NDES_TESTS_SUPPORT_HEALTH_PROBE_H_
#define NDES_TESTS_SUPPORT_HEALTH_PROBE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace ndes::testing {

// Checks `service` ("" for the whole server) until it reports SERVING or
// `timeout` passes. DEADLINE_EXCEEDED with the last answer otherwise.
absl::Status WaitForServing(const std::shared_ptr<grpc::Channel>& channel,
                            absl::Duration timeout = absl::Seconds(20),
                            const std::string& service = "");

// One Check: "SERVING", "NOT_SERVING", ... or the gRPC error code name.
std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service = "");

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_HEALTH_PROBE_H_
