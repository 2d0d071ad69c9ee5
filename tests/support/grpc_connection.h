// Connections to a gateway under test that are the test's own.
#ifndef NDES_TESTS_SUPPORT_GRPC_CONNECTION_H_
#define NDES_TESTS_SUPPORT_GRPC_CONNECTION_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace ndes::testing {

// A channel to `address` with a TCP connection of its own (channels to one
// address share their connections by default).
std::shared_ptr<grpc::Channel> NewConnectionTo(const std::string& address);

// The port of "host:port", or 0 when it has none.
int PortOf(const std::string& address);

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_GRPC_CONNECTION_H_
