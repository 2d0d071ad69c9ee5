// google.rpc.Status and google.rpc.BadRequest read from their protobuf wire
// encoding, without generated code.
//
// The client library must not link generated google.rpc messages: a program
// that also links googleapis' own copy (google-cloud-cpp, for one) would
// register google/rpc/status.proto twice, and protobuf aborts such a process
// at start. The fields read here are the stable ones of googleapis'
// definitions:
//
//   google.rpc.Status      { int32 code = 1; string message = 2;
//                            repeated google.protobuf.Any details = 3; }
//   google.protobuf.Any    { string type_url = 1; bytes value = 2; }
//   google.rpc.BadRequest  { repeated FieldViolation field_violations = 1; }
//   FieldViolation         { string field = 1; string description = 2; ... }
//
// Other fields (BadRequest's newer reason and localized_message) are
// skipped, as a parser of generated code would.
//
// Internal to the client library; not installed. Thread-safe: pure
// functions.
#ifndef NDES_CLIENT_NDES_CLIENT_INTERNAL_GOOGLE_RPC_WIRE_H_
#define NDES_CLIENT_NDES_CLIENT_INTERNAL_GOOGLE_RPC_WIRE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ndes/client/error_details.h"

namespace ndes::client::internal {

// One google.protobuf.Any of google.rpc.Status.details.
struct StatusDetail {
  std::string type_url;
  std::string value;  // the serialized message type_url names
};

// The details of a serialized google.rpc.Status (what gRPC carries in the
// grpc-status-details-bin trailer), in order; nullopt when `bytes` is not a
// well-formed google.rpc.Status.
std::optional<std::vector<StatusDetail>> DecodeStatusDetails(
    absl::string_view bytes);

// A serialized google.rpc.BadRequest; nullopt when `bytes` is not a
// well-formed one.
std::optional<BadRequest> DecodeBadRequest(absl::string_view bytes);

}  // namespace ndes::client::internal

#endif  // NDES_CLIENT_NDES_CLIENT_INTERNAL_GOOGLE_RPC_WIRE_H_
