// Changes the display name of one NDES connector with the C++ client
// library (ndes::client): a default deadline, retries where they are safe,
// and a masked update built from the fields that are set.
//
//   client_update_display_name ADDRESS ID DISPLAY_NAME
//
// Exit code 0 on success, 1 when the call fails (the status on stderr), 2 on
// bad arguments.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "ndes/client/ndes_connector_client.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " ADDRESS ID DISPLAY_NAME\n";
    return 2;
  }
  ndes::client::NdesConnectorClient client =
      ndes::client::MakeNdesConnectorClient(
          grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));

  absl::StatusOr<ndes::v1::NdesConnector> connector =
      client.UpdateNdesConnectors(
          ndes::client::ConnectorUpdate(argv[2]).SetDisplayName(argv[3]));
  if (!connector.ok()) {
    std::cerr << connector.status() << "\n";  // e.g. NOT_FOUND: ...
    return 1;
  }
  std::cout << connector->id() << ": displayName is now \""
            << connector->display_name() << "\" (etag " << connector->etag()
            << ")\n";
  return 0;
}
