// Sends the gateway an update with the mask path "colour" and reads the
// google.rpc.BadRequest of its INVALID_ARGUMENT twice: with ndes::client's
// BadRequestOf, and with the program's own generated google::rpc code.
//
//   googleapis_consumer ADDRESS
//
// Prints one "field: description" line per violation and decoder. Exit code
// 0 when both decoders read the same non-empty violations, 1 otherwise, 2 on
// bad arguments.
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "ndes/client/error_details.h"
#include "ndes/client/ndes_connector_client.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " ADDRESS\n";
    return 2;
  }
  // The program's own copy of the files is registered in the generated pool
  // (RetryInfo is only in that copy).
  std::cout << "linked " << google::rpc::Status::descriptor()->file()->name()
            << " and " << google::rpc::RetryInfo::descriptor()->file()->name()
            << "\n";

  ndes::client::NdesConnectorClient client =
      ndes::client::MakeNdesConnectorClient(
          grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  ndes::v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("ndes-01");
  request.mutable_update_mask()->add_paths("colour");
  const absl::StatusOr<ndes::v1::NdesConnector> updated =
      client.UpdateNdesConnectors(request);
  if (updated.status().code() != absl::StatusCode::kInvalidArgument) {
    std::cerr << "expected INVALID_ARGUMENT, got " << updated.status() << "\n";
    return 1;
  }

  const std::optional<ndes::client::BadRequest> ours =
      ndes::client::BadRequestOf(updated.status());
  const auto payload =
      updated.status().GetPayload(ndes::client::kBadRequestTypeUrl);
  google::rpc::BadRequest theirs;
  if (!ours.has_value() || !payload.has_value() ||
      !theirs.ParseFromString(std::string(*payload))) {
    std::cerr << "no google.rpc.BadRequest in " << updated.status() << "\n";
    return 1;
  }
  bool same = !ours->field_violations.empty() &&
              static_cast<int>(ours->field_violations.size()) ==
                  theirs.field_violations_size();
  for (std::size_t i = 0; i < ours->field_violations.size(); ++i) {
    const ndes::client::FieldViolation& mine = ours->field_violations[i];
    std::cout << "ndes::client: " << mine.field << ": " << mine.description
              << "\n";
    if (static_cast<int>(i) >= theirs.field_violations_size()) continue;
    const auto& generated = theirs.field_violations(static_cast<int>(i));
    std::cout << "google::rpc:  " << generated.field() << ": "
              << generated.description() << "\n";
    same = same && mine.field == generated.field() &&
           mine.description == generated.description();
  }
  return same ? 0 : 1;
}
