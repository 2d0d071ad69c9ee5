// One call's answer, through the real service over an in-process gateway:
// an answer larger than the message limit is refused with a status that
// says so, and the call log and the metrics record that status, the one
// the client gets (not OK, as when gRPC itself refused to send it).

#include "service/grpc_call.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "observability/metrics_registry.h"
#include "store/memory_connector_store.h"
#include "store/store_test_support.h"
#include "support/captured_stderr.h"
#include "support/in_process_gateway.h"

namespace ndes::service {
namespace {

using ::ndes::testing::CapturedStderr;
using ::ndes::testing::InProcessGateway;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A store holding connectors stored before the field limits applied: one
// of 5 MiB (`huge`), more than any answer may carry, or 40 of 100 KiB,
// more than one answer may carry together.
std::unique_ptr<store::ConnectorStore> StoreOfOversizedConnectors(bool huge) {
  auto memory = std::make_unique<store::MemoryConnectorStore>();
  store::testing::SyncStore sync(*memory);
  if (huge) {
    v1::NdesConnector connector;
    connector.set_id("huge");
    connector.set_display_name(std::string(5 * 1024 * 1024, 'h'));
    EXPECT_TRUE(sync.Create(connector).ok());
    return memory;
  }
  for (int i = 0; i < 40; ++i) {
    v1::NdesConnector connector;
    connector.set_id(absl::StrCat("large-", 100 + i));
    connector.set_display_name(std::string(100 * 1024, 'l'));
    EXPECT_TRUE(sync.Create(connector).ok());
  }
  return memory;
}

std::string HandledSeries(absl::string_view method, absl::string_view code) {
  return absl::StrCat(
      "grpc_server_handled_total{grpc_service=\"ndes.v1.NdesConnectorService\""
      ",grpc_method=\"",
      method, "\",grpc_type=\"unary\",grpc_code=\"", code, "\"}");
}

TEST(GrpcCallTest, AnAnswerOverTheMessageLimitIsRefusedAndRecordedSo) {
  observability::MetricsRegistry metrics;
  InProcessGateway gateway(StoreOfOversizedConnectors(/*huge=*/true), &metrics);
  CapturedStderr captured;
  v1::GetNdesConnectorRequest request;
  request.set_id("huge");
  v1::NdesConnector connector;
  grpc::ClientContext context;
  const grpc::Status status =
      gateway.stub().GetNdesConnector(&context, request, &connector);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("more than the message limit of 4194304 bytes"),
                    HasSubstr("update it to shorten its fields")));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("Sent message larger")));
  EXPECT_TRUE(
      captured.WaitFor("method=GetNdesConnector code=RESOURCE_EXHAUSTED"));
  const std::string exposition = metrics.TextExposition();
  EXPECT_THAT(exposition,
              HasSubstr(HandledSeries("GetNdesConnector", "ResourceExhausted") +
                        " 1\n"));
  EXPECT_THAT(exposition,
              HasSubstr(HandledSeries("GetNdesConnector", "OK") + " 0\n"));
}

TEST(GrpcCallTest, ListPagesOfLargeConnectorsAreCutToFitTheAnswer) {
  InProcessGateway gateway(StoreOfOversizedConnectors(/*huge=*/false));
  int listed = 0;
  int pages = 0;
  std::string token;
  do {
    v1::ListNdesConnectorsRequest request;
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListNdesConnectorsResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        gateway.stub().ListNdesConnectors(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ++pages;
    // Half the message limit, for the connectors.
    EXPECT_LE(response.ByteSizeLong(), 2u * 1024 * 1024 + 1024);
    listed += response.ndes_connectors_size();
    token = response.next_page_token();
  } while (!token.empty() && pages < 50);
  EXPECT_EQ(listed, 40);
  EXPECT_GE(pages, 2);
}

}  // namespace
}  // namespace ndes::service
