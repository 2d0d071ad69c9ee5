// A client that knows nothing of the gateway's API but what server
// reflection tells it, the way grpcurl works: it lists services, describes
// symbols, and calls methods with JSON requests, building messages from
// descriptors fetched at run time. It links no generated code of the
// gateway's own protos.
#ifndef NDES_TESTS_SERVER_REFLECTION_CLIENT_H_
#define NDES_TESTS_SERVER_REFLECTION_CLIENT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace ndes::testing {

class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::Channel> channel);

  // `grpcurl list`.
  absl::StatusOr<std::vector<std::string>> ListServices();

  // The descriptor of a fully qualified service, method, message or enum, as
  // fetched by reflection; NOT_FOUND if the server does not know it.
  absl::StatusOr<const google::protobuf::Descriptor*> FindMessage(
      const std::string& full_name);
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> FindService(
      const std::string& full_name);
  // The FileDescriptorProto the server sent for the file defining `symbol`,
  // with whatever source info (comments) it carried.
  absl::StatusOr<google::protobuf::FileDescriptorProto> FileProtoOf(
      const std::string& symbol);

  struct CallResult {
    grpc::Status status;
    // The response as proto3 JSON (json_name fields), when status is OK.
    std::string response_json;
    // The error details (google.rpc.Status in grpc-status-details-bin) as
    // JSON, decoded with descriptors fetched by reflection; empty when the
    // error has none.
    std::string details_json;
  };

  // `grpcurl -d '<json>' <addr> <service>/<method>`.
  CallResult Invoke(const std::string& service_and_method,
                    const std::string& request_json);

 private:
  // Fetches the file defining `symbol` (and its dependencies) into pool_.
  absl::Status LoadSymbol(const std::string& symbol);
  absl::Status AddFile(const std::string& name);

  std::shared_ptr<grpc::Channel> channel_;
  std::map<std::string, google::protobuf::FileDescriptorProto> files_;
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_SERVER_REFLECTION_CLIENT_H_
