#include "support/grpc_connection.h"

#include "absl/strings/numbers.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ndes::testing {

std::shared_ptr<grpc::Channel> NewConnectionTo(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

int PortOf(const std::string& address) {
  int port = 0;
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) ? port : 0;
}

}  // namespace ndes::testing
