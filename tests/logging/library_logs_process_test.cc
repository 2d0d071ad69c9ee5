// The gateway process with --log_format=json: what gRPC and protobuf log
// when a peer sends them something wrong comes out as JSON lines of the
// gateway's log, like everything else on standard error.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "support/gateway_process.h"
#include "support/http2_flood.h"

namespace ndes::testing {
namespace {

// An update whose display_name is not UTF-8: protobuf logs an error as it
// refuses to parse it.
std::string UpdateWithInvalidUtf8() {
  v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("known-1");
  request.mutable_ndes_connector()->set_display_name("PLACEHOLDER");
  std::string bytes = request.SerializeAsString();
  bytes.replace(bytes.find("PLACEHOLDER"), 11, "\xc0\xaf\xed\xa0\x80xxxxxx");
  return bytes;
}

TEST(LibraryLogsProcessTest, PeerTriggeredGrpcAndProtobufLinesAreJson) {
  GatewayProcess gateway({"--store=memory", "--log_format=json"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  const std::string address = gateway.address();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));

  // gRPC logs a malformed grpc-timeout with its value.
  absl::StatusOr<Http2FloodConnection> raw =
      Http2FloodConnection::Connect(port);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw->SendRequest("/ndes.v1.NdesConnectorService/GetNdesConnector",
                               "\x0a\x01x",
                               {{"grpc-timeout", "soon\x1b[31m\"please\""}}));
  // protobuf logs a string that is not UTF-8.
  grpc::GenericStub generic(gateway.Channel());
  grpc::Slice slice(UpdateWithInvalidUtf8());
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  absl::Notification done;
  generic.UnaryCall(&context,
                    "/ndes.v1.NdesConnectorService/UpdateNdesConnectors",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status) { done.Notify(); });
  done.WaitForNotification();
  EXPECT_EQ(gateway.Terminate(), 0);

  bool grpc_line = false;
  bool protobuf_line = false;
  const std::vector<std::string> lines =
      absl::StrSplit(gateway.Log(), '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    std::error_code error;
    const web::json::value entry = web::json::value::parse(line, error);
    ASSERT_FALSE(error) << "not JSON: " << line;
    if (!entry.has_field("logger")) continue;
    const std::string logger = entry.at("logger").as_string();
    if (logger == "grpc" &&
        entry.at("msg").as_string().find("soon\x1b[31m") != std::string::npos) {
      grpc_line = true;
    }
    if (logger == "protobuf" &&
        entry.at("msg").as_string().find("UTF-8") != std::string::npos) {
      protobuf_line = true;
    }
  }
  EXPECT_TRUE(grpc_line) << gateway.Log();
  EXPECT_TRUE(protobuf_line) << gateway.Log();
}

}  // namespace
}  // namespace ndes::testing
