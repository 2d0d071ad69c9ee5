// Changes the display name of one NDES connector with the generated gRPC
// stub, and prints the connector as stored.
//
//   update_display_name ADDRESS ID DISPLAY_NAME
//   update_display_name 127.0.0.1:50051 ndes-01 "NDES-01 (primary)"
//
// Exit code 0 on success, 1 when the call fails (the status on stderr), 2 on
// bad arguments.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "ndes/v1/ndes_connector_service.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " ADDRESS ID DISPLAY_NAME\n";
    return 2;
  }
  auto stub = ndes::v1::NdesConnectorService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));

  // Only the fields named in update_mask change; everything else is kept.
  ndes::v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id(argv[2]);
  request.mutable_ndes_connector()->set_display_name(argv[3]);
  request.mutable_update_mask()->add_paths("display_name");

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  ndes::v1::NdesConnector connector;
  const grpc::Status status =
      stub->UpdateNdesConnectors(&context, request, &connector);
  if (!status.ok()) {
    std::cerr << "error " << status.error_code() << ": "
              << status.error_message() << "\n";
    return 1;
  }

  // JSON names are Graph's property names (displayName, machineName, ...).
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(connector, &json, options);
  std::cout << json;
  return 0;
}
