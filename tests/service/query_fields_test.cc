// The query fields of the gRPC face over real gRPC against the in-process
// server: ListNdesConnectors' filter, order_by and read_mask, and
// GetNdesConnector's read_mask, as a caller sees them (answers, and the
// INVALID_ARGUMENT of each refusal with its field violation). How each store
// evaluates queries is the store conformance suite's business.

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "service/grpc_status.h"
#include "store/memory_connector_store.h"
#include "support/in_process_gateway.h"
#include "translation/status_details.h"

namespace ndes {
namespace {

using ::ndes::v1::CreateNdesConnectorRequest;
using ::ndes::v1::GetNdesConnectorRequest;
using ::ndes::v1::ListNdesConnectorsRequest;
using ::ndes::v1::ListNdesConnectorsResponse;
using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class QueryFieldsTest : public ::testing::Test {
 protected:
  NdesConnector Create(const std::string& id, const std::string& name,
                       v1::NdesConnectorState state) {
    CreateNdesConnectorRequest request;
    NdesConnector* connector = request.mutable_ndes_connector();
    connector->set_id(id);
    connector->set_display_name(name);
    connector->set_state(state);
    connector->set_machine_name(id + ".contoso.local");
    connector->add_role_scope_tag_ids("0");
    NdesConnector created;
    grpc::ClientContext context;
    grpc::Status status =
        gateway_.stub().CreateNdesConnector(&context, request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  grpc::Status List(const ListNdesConnectorsRequest& request,
                    ListNdesConnectorsResponse* response) {
    grpc::ClientContext context;
    return gateway_.stub().ListNdesConnectors(&context, request, response);
  }

  // The ids of every page of `request`.
  std::vector<std::string> ListIds(ListNdesConnectorsRequest request) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 20; ++pages) {
      ListNdesConnectorsResponse response;
      grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const NdesConnector& connector : response.ndes_connectors()) {
        ids.push_back(connector.id());
      }
      if (!status.ok() || response.next_page_token().empty()) return ids;
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "pages did not end";
    return ids;
  }

  static std::vector<translation::FieldViolation> Violations(
      const grpc::Status& status) {
    return translation::FieldViolationsOf(service::FromGrpcStatus(status));
  }

  testing::InProcessGateway gateway_{
      std::make_unique<store::MemoryConnectorStore>()};
};

TEST_F(QueryFieldsTest, ListFiltersAndOrdersEveryPage) {
  Create("ndes-1", "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  Create("ndes-2", "lyon", v1::NDES_CONNECTOR_STATE_ACTIVE);
  Create("ndes-3", "Nice", v1::NDES_CONNECTOR_STATE_INACTIVE);
  Create("ndes-4", "Brest", v1::NDES_CONNECTOR_STATE_ACTIVE);
  ListNdesConnectorsRequest request;
  request.set_page_size(1);
  request.set_filter("state = ACTIVE AND NOT display_name = \"brest\"");
  request.set_order_by("display_name desc");
  EXPECT_THAT(ListIds(request), ElementsAre("ndes-1", "ndes-2"));
  request.set_filter("starts_with(machine_name, \"NDES-\") -state = INACTIVE");
  request.set_order_by("display_name");
  EXPECT_THAT(ListIds(request), ElementsAre("ndes-4", "ndes-2", "ndes-1"));
}

TEST_F(QueryFieldsTest, ListReadMaskKeepsTheMaskedFieldsTheIdAndTheEtag) {
  const NdesConnector created =
      Create("ndes-1", "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  ListNdesConnectorsRequest request;
  request.mutable_read_mask()->add_paths("state");
  // The filter may name a field the mask leaves out.
  request.set_filter("display_name = Paris");
  ListNdesConnectorsResponse response;
  grpc::Status status = List(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.ndes_connectors_size(), 1);
  NdesConnector expected;
  expected.set_id("ndes-1");
  expected.set_etag(created.etag());
  expected.set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_EQ(response.ndes_connectors(0).SerializeAsString(),
            expected.SerializeAsString())
      << response.ndes_connectors(0).DebugString();
}

TEST_F(QueryFieldsTest, GetReadMaskKeepsTheMaskedFieldsTheIdAndTheEtag) {
  const NdesConnector created =
      Create("ndes-1", "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  request.mutable_read_mask()->add_paths("machine_name");
  request.mutable_read_mask()->add_paths("role_scope_tag_ids");
  NdesConnector answer;
  grpc::ClientContext context;
  grpc::Status status =
      gateway_.stub().GetNdesConnector(&context, request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  NdesConnector expected;
  expected.set_id("ndes-1");
  expected.set_etag(created.etag());
  expected.set_machine_name("ndes-1.contoso.local");
  expected.add_role_scope_tag_ids("0");
  EXPECT_EQ(answer.SerializeAsString(), expected.SerializeAsString())
      << answer.DebugString();

  request.mutable_read_mask()->Clear();
  request.mutable_read_mask()->add_paths("*");
  grpc::ClientContext whole_context;
  status = gateway_.stub().GetNdesConnector(&whole_context, request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.SerializeAsString(), created.SerializeAsString());
}

// A refused List: the query fields it sets, then what the caller is told.
struct Refusal {
  const char* filter;
  const char* order_by;
  std::vector<std::string> read_mask;
  const char* violation_field;
  const char* message_start;
};

void PrintTo(const Refusal& refusal, std::ostream* os) {
  *os << "filter '" << refusal.filter << "' order_by '" << refusal.order_by
      << "'";
}

class QueryFieldRefusalTest : public QueryFieldsTest,
                              public ::testing::WithParamInterface<Refusal> {};

TEST_P(QueryFieldRefusalTest, IsInvalidArgumentNamingTheField) {
  const Refusal& refusal = GetParam();
  Create("ndes-1", "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  ListNdesConnectorsRequest request;
  request.set_filter(refusal.filter);
  request.set_order_by(refusal.order_by);
  for (const std::string& path : refusal.read_mask) {
    request.mutable_read_mask()->add_paths(path);
  }
  ListNdesConnectorsResponse response;
  grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith(refusal.message_start));
  EXPECT_THAT(status.error_message(), HasSubstr("(request id "));
  EXPECT_THAT(Violations(status),
              ElementsAre(Field(&translation::FieldViolation::field,
                                refusal.violation_field)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, QueryFieldRefusalTest,
    ::testing::Values(
        Refusal{
            "colour = red", "", {}, "filter", "invalid filter at position 1"},
        Refusal{"state = active",
                "",
                {},
                "filter",
                "invalid filter at position 9: 'active' is not a state"},
        Refusal{"display_name = \"NDES",
                "",
                {},
                "filter",
                "invalid filter at position 16: unterminated string"},
        Refusal{"display_name < \"b\"",
                "",
                {},
                "filter",
                "unsupported filter at position 14: comparator '<'"},
        Refusal{
            "display_name = \"NDES*\"", "", {}, "filter", "unsupported filter"},
        Refusal{"NDES-01", "", {}, "filter", "unsupported filter"},
        Refusal{"", "role_scope_tag_ids", {}, "order_by", "invalid order_by"},
        Refusal{"",
                "display_name, display_name",
                {},
                "order_by",
                "invalid order_by"},
        Refusal{"", "display_name asc", {}, "order_by", "invalid order_by"},
        Refusal{"",
                "",
                {"state", "colour"},
                "read_mask.paths[1]",
                "invalid read_mask.paths[1]"},
        Refusal{"",
                "",
                {"last_connection_date_time.seconds"},
                "read_mask.paths[0]",
                "invalid read_mask.paths[0]"}));

TEST_F(QueryFieldsTest, GetRefusesAReadMaskPathThatIsNoField) {
  Create("ndes-1", "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  GetNdesConnectorRequest request;
  request.set_id("ndes-1");
  request.mutable_read_mask()->add_paths("colour");
  NdesConnector answer;
  grpc::ClientContext context;
  grpc::Status status =
      gateway_.stub().GetNdesConnector(&context, request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("invalid read_mask.paths[0]"));
  EXPECT_THAT(Violations(status),
              ElementsAre(Field(&translation::FieldViolation::field,
                                "read_mask.paths[0]")));
}

TEST_F(QueryFieldsTest, PageTokenOfAnotherQueryIsRefused) {
  for (const char* id : {"ndes-1", "ndes-2"}) {
    Create(id, "Paris", v1::NDES_CONNECTOR_STATE_ACTIVE);
  }
  ListNdesConnectorsRequest request;
  request.set_page_size(1);
  request.set_filter("state = ACTIVE");
  ListNdesConnectorsResponse first;
  grpc::Status status = List(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  request.set_order_by("display_name");
  ListNdesConnectorsResponse response;
  status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("page_token was issued for another filter, order_by "
                        "or read_mask"));
  EXPECT_THAT(
      Violations(status),
      ElementsAre(Field(&translation::FieldViolation::field, "page_token")));
  EXPECT_THAT(response.ndes_connectors(), IsEmpty());
}

}  // namespace
}  // namespace ndes
