// The one place where absl::Status becomes grpc::Status.
//
// The code and message carry over unchanged. Every payload of the
// absl::Status (for example the google.rpc.BadRequest that
// translation/status_details.h attaches) becomes a google.protobuf.Any in a
// google.rpc.Status, sent as the call's error details
// (`grpc-status-details-bin`), which grpcurl and gRPC's rich-error helpers
// decode.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_SERVICE_GRPC_STATUS_H_
#define NDES_SERVER_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ndes::service {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for tests and clients: the code, message and details of a
// grpc::Status as an absl::Status with the same payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_GRPC_STATUS_H_
