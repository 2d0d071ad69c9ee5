// Every row of the update table (docs/architecture.md, "Update semantics"),
// and the other RPCs' rules, over real gRPC against the in-process server,
// once per embedded store.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "google/rpc/status.pb.h"
#include "service/grpc_status.h"
#include "store/memory_connector_store.h"
#include "store/sqlite_connector_store.h"
#include "support/in_process_gateway.h"
#include "support/temp_dir.h"
#include "translation/status_details.h"

namespace ndes {
namespace {

using ::ndes::v1::CreateNdesConnectorRequest;
using ::ndes::v1::DeleteNdesConnectorRequest;
using ::ndes::v1::GetNdesConnectorRequest;
using ::ndes::v1::ListNdesConnectorsRequest;
using ::ndes::v1::ListNdesConnectorsResponse;
using ::ndes::v1::NdesConnector;
using ::ndes::v1::UpdateNdesConnectorsRequest;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

enum class Backend { kMemory, kSqlite };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Sqlite";
}

class UpdateSemanticsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::unique_ptr<store::ConnectorStore> store;
    if (GetParam() == Backend::kMemory) {
      store = std::make_unique<store::MemoryConnectorStore>();
    } else {
      auto sqlite = store::SqliteConnectorStore::Open(dir_.Path("gw.db"));
      ASSERT_TRUE(sqlite.ok()) << sqlite.status();
      store = *std::move(sqlite);
    }
    gateway_ = std::make_unique<testing::InProcessGateway>(std::move(store));
  }

  v1::NdesConnectorService::Stub& stub() { return gateway_->stub(); }

  // A connector with every field set, created on the server.
  NdesConnector CreateFull(const std::string& id) {
    CreateNdesConnectorRequest request;
    NdesConnector* c = request.mutable_ndes_connector();
    c->set_id(id);
    c->set_display_name("NDES-01");
    c->set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
    c->mutable_last_connection_date_time()->set_seconds(1764324930);
    c->set_machine_name("ndes01.contoso.local");
    c->mutable_enrolled_date_time()->set_seconds(1700000000);
    c->mutable_enrolled_date_time()->set_nanos(500000000);
    c->add_role_scope_tag_ids("0");
    c->add_role_scope_tag_ids("7");
    c->set_connector_version("6.2301.1.0");
    NdesConnector created;
    grpc::ClientContext context;
    grpc::Status status =
        stub().CreateNdesConnector(&context, request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  grpc::Status Update(const UpdateNdesConnectorsRequest& request,
                      NdesConnector* out) {
    grpc::ClientContext context;
    return stub().UpdateNdesConnectors(&context, request, out);
  }

  grpc::Status Get(const std::string& id, NdesConnector* out) {
    GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    return stub().GetNdesConnector(&context, request, out);
  }

  NdesConnector MustGet(const std::string& id) {
    NdesConnector out;
    grpc::Status status = Get(id, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  static std::vector<translation::FieldViolation> Violations(
      const grpc::Status& status) {
    return translation::FieldViolationsOf(service::FromGrpcStatus(status));
  }

  static bool Same(const NdesConnector& a, const NdesConnector& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::InProcessGateway> gateway_;
};

INSTANTIATE_TEST_SUITE_P(Stores, UpdateSemanticsTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite),
                         BackendName);

// Row: ndes_connector.id empty -> INVALID_ARGUMENT.
TEST_P(UpdateSemanticsTest, UpdateRejectsEmptyId) {
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_display_name("x");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("ndes_connector.id"));
  auto violations = Violations(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "ndes_connector.id");
}

// Row: a mask path that is not a field -> INVALID_ARGUMENT naming it,
// nothing written.
TEST_P(UpdateSemanticsTest, UpdateRejectsUnknownMaskPath) {
  const NdesConnector before = CreateFull("c1");
  for (const std::string path : {"colour", "state.x", "role_scope_tag_ids.0",
                                 "last_connection_date_time.seconds"}) {
    UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id("c1");
    request.mutable_ndes_connector()->set_display_name("changed");
    request.mutable_update_mask()->add_paths("display_name");
    request.mutable_update_mask()->add_paths(path);
    NdesConnector out;
    grpc::Status status = Update(request, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(status.error_message(), HasSubstr(path));
    auto violations = Violations(status);
    ASSERT_EQ(violations.size(), 1u) << path;
    EXPECT_EQ(violations[0].field, "update_mask.paths[1]");
    EXPECT_TRUE(Same(MustGet("c1"), before)) << "written despite " << path;
  }
}

// The request id is in the message of grpc-status-details-bin as well as in
// grpc-message, so clients that show the details' message (buf curl) show it.
TEST_P(UpdateSemanticsTest, ErrorDetailsCarryTheRequestIdToo) {
  CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_update_mask()->add_paths("colour");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("(request id "));
  google::rpc::Status rpc_status;
  ASSERT_TRUE(rpc_status.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc_status.message(), status.error_message());
  EXPECT_EQ(rpc_status.code(), static_cast<int>(status.error_code()));
  EXPECT_EQ(rpc_status.details_size(), 1);
}

// Row: mask names id -> ignored; the id never changes.
TEST_P(UpdateSemanticsTest, UpdateIgnoresIdInMask) {
  CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("renamed");
  request.mutable_update_mask()->add_paths("id");
  request.mutable_update_mask()->add_paths("display_name");
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_EQ(out.id(), "c1");
  EXPECT_EQ(out.display_name(), "renamed");
}

// Row: mask names etag -> ignored (output only).
TEST_P(UpdateSemanticsTest, UpdateIgnoresEtagInMask) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_machine_name("m2");
  request.mutable_update_mask()->add_paths("etag");
  request.mutable_update_mask()->add_paths("machine_name");
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_EQ(out.machine_name(), "m2");
  EXPECT_NE(out.etag(), before.etag());
  EXPECT_THAT(out.etag(), Not(IsEmpty()));
}

// Row: a mask of only id and etag leaves nothing to change.
TEST_P(UpdateSemanticsTest, UpdateWithMaskOfOnlyIdAndEtagIsInvalid) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_update_mask()->add_paths("id");
  request.mutable_update_mask()->add_paths("etag");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("at least one property must be changed"));
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

// Row: mask omitted -> implied mask = every populated field.
TEST_P(UpdateSemanticsTest, UpdateWithoutMaskWritesPopulatedFieldsOnly) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("NDES-02");
  request.mutable_ndes_connector()->set_state(
      v1::NDES_CONNECTOR_STATE_INACTIVE);
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  NdesConnector expected = before;
  expected.set_display_name("NDES-02");
  expected.set_state(v1::NDES_CONNECTOR_STATE_INACTIVE);
  expected.set_etag(out.etag());
  EXPECT_TRUE(Same(out, expected)) << out.DebugString();
}

// Row: implied mask empty -> INVALID_ARGUMENT, as Graph says.
TEST_P(UpdateSemanticsTest, UpdateWithNothingToChangeIsInvalid) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("at least one property must be changed"));
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

// Row: "*" alone -> full replacement of every writable field.
TEST_P(UpdateSemanticsTest, UpdateWithStarReplacesEveryField) {
  CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("only this");
  request.mutable_update_mask()->add_paths("*");
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  NdesConnector expected;
  expected.set_id("c1");
  expected.set_display_name("only this");
  expected.set_etag(out.etag());
  EXPECT_TRUE(Same(out, expected)) << out.DebugString();
  EXPECT_TRUE(Same(MustGet("c1"), expected));
}

// Row: "*" mixed with other paths -> INVALID_ARGUMENT.
TEST_P(UpdateSemanticsTest, UpdateRejectsStarMixedWithPaths) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_update_mask()->add_paths("*");
  request.mutable_update_mask()->add_paths("display_name");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("*"));
  EXPECT_THAT(Violations(status), Not(IsEmpty()));
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

// Row: a masked field left unset is cleared (null, [], none).
TEST_P(UpdateSemanticsTest, UpdateClearsMaskedFieldsLeftUnset) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  for (const char* path : {"display_name", "state", "last_connection_date_time",
                           "role_scope_tag_ids"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  NdesConnector expected = before;
  expected.clear_display_name();
  expected.clear_state();
  expected.clear_last_connection_date_time();
  expected.clear_role_scope_tag_ids();
  expected.set_etag(out.etag());
  EXPECT_TRUE(Same(out, expected)) << out.DebugString();
  EXPECT_TRUE(Same(MustGet("c1"), expected));
}

// Row: a repeated field in the mask replaces the whole list.
TEST_P(UpdateSemanticsTest, UpdateReplacesWholeListNeverAppends) {
  CreateFull("c1");  // role_scope_tag_ids = [0, 7]
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->add_role_scope_tag_ids("9");
  request.mutable_update_mask()->add_paths("role_scope_tag_ids");
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_THAT(out.role_scope_tag_ids(), ::testing::ElementsAre("9"));
}

// Row: an enum value outside the declared values -> INVALID_ARGUMENT.
TEST_P(UpdateSemanticsTest, UpdateRejectsUndeclaredState) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_state(
      static_cast<v1::NdesConnectorState>(7));
  request.mutable_update_mask()->add_paths("state");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = Violations(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "ndes_connector.state");
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

// Row: a Timestamp outside 0001..9999 or with bad nanos -> INVALID_ARGUMENT.
TEST_P(UpdateSemanticsTest, UpdateRejectsTimestampOutOfRange) {
  const NdesConnector before = CreateFull("c1");
  struct Case {
    std::int64_t seconds;
    std::int32_t nanos;
  };
  for (const Case& c : {Case{253402300800, 0},  // 10000-01-01
                        Case{-62135596801, 0},  // before 0001-01-01
                        Case{0, -1}, Case{0, 1000000000}}) {
    UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id("c1");
    auto* ts = request.mutable_ndes_connector()->mutable_enrolled_date_time();
    ts->set_seconds(c.seconds);
    ts->set_nanos(c.nanos);
    request.mutable_update_mask()->add_paths("enrolled_date_time");
    NdesConnector out;
    grpc::Status status = Update(request, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.seconds << "s " << c.nanos << "ns";
    EXPECT_THAT(status.error_message(), HasSubstr("enrolled_date_time"));
  }
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

// Row: id does not exist, allow_missing false -> NOT_FOUND.
TEST_P(UpdateSemanticsTest, UpdateOfMissingIdIsNotFound) {
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("ghost");
  request.mutable_ndes_connector()->set_display_name("x");
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("ghost"));
  EXPECT_EQ(Get("ghost", &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

// Row: id does not exist, allow_missing true -> created from the given
// fields, mask ignored.
TEST_P(UpdateSemanticsTest, UpdateWithAllowMissingCreatesFromAllFields) {
  UpdateNdesConnectorsRequest request;
  NdesConnector* c = request.mutable_ndes_connector();
  c->set_id("new-1");
  c->set_display_name("created");
  c->set_machine_name("outside-the-mask");
  c->set_state(v1::NDES_CONNECTOR_STATE_ACTIVE);
  request.mutable_update_mask()->add_paths("display_name");
  request.set_allow_missing(true);
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.id(), "new-1");
  EXPECT_EQ(out.display_name(), "created");
  EXPECT_EQ(out.machine_name(), "outside-the-mask");
  EXPECT_EQ(out.state(), v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_THAT(out.etag(), Not(IsEmpty()));
  EXPECT_TRUE(Same(MustGet("new-1"), out));
}

// allow_missing on an existing connector is an ordinary masked update.
TEST_P(UpdateSemanticsTest, UpdateWithAllowMissingOnExistingAppliesMask) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("masked");
  request.mutable_ndes_connector()->set_machine_name("not masked");
  request.mutable_update_mask()->add_paths("display_name");
  request.set_allow_missing(true);
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_EQ(out.display_name(), "masked");
  EXPECT_EQ(out.machine_name(), before.machine_name());
}

// Row: a stale etag -> ABORTED, nothing written.
TEST_P(UpdateSemanticsTest, UpdateWithStaleEtagIsAbortedAndWritesNothing) {
  const NdesConnector first = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("second");
  NdesConnector second;
  ASSERT_TRUE(Update(request, &second).ok());

  request.mutable_ndes_connector()->set_display_name("stale writer");
  request.mutable_ndes_connector()->set_etag(first.etag());
  NdesConnector out;
  grpc::Status status = Update(request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr("etag"));
  EXPECT_TRUE(Same(MustGet("c1"), second));

  // The current etag is accepted.
  request.mutable_ndes_connector()->set_etag(second.etag());
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_EQ(out.display_name(), "stale writer");
}

// Row: etag empty -> no concurrency check (last writer wins).
TEST_P(UpdateSemanticsTest, UpdateWithoutEtagIsUnconditional) {
  CreateFull("c1");
  for (const char* name : {"a", "b", "c"}) {
    UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id("c1");
    request.mutable_ndes_connector()->set_display_name(name);
    NdesConnector out;
    ASSERT_TRUE(Update(request, &out).ok());
  }
  EXPECT_EQ(MustGet("c1").display_name(), "c");
}

// Row: success -> the whole resource as now stored, with a new etag.
TEST_P(UpdateSemanticsTest, UpdateReturnsWholeResourceWithNewEtag) {
  const NdesConnector before = CreateFull("c1");
  UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_connector_version("6.2402.0.1");
  request.mutable_update_mask()->add_paths("connector_version");
  NdesConnector out;
  ASSERT_TRUE(Update(request, &out).ok());
  EXPECT_NE(out.etag(), before.etag());
  NdesConnector expected = before;
  expected.set_connector_version("6.2402.0.1");
  expected.set_etag(out.etag());
  EXPECT_TRUE(Same(out, expected)) << out.DebugString();
  EXPECT_TRUE(Same(MustGet("c1"), out));
}

// SPEC: an id is 1-128 of [A-Za-z0-9-_.], not "." or "..", on every RPC.
TEST_P(UpdateSemanticsTest, EveryRpcRejectsInvalidIds) {
  const std::vector<std::string> bad = {"a/b",
                                        "a%2F",
                                        "a?b",
                                        "a#b",
                                        "..",
                                        ".",
                                        "a b",
                                        std::string("a\x01", 2),
                                        std::string(129, 'x'),
                                        "caf\xc3\xa9"};
  for (const std::string& id : bad) {
    NdesConnector out;
    EXPECT_EQ(Get(id, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << id;

    UpdateNdesConnectorsRequest update;
    update.mutable_ndes_connector()->set_id(id);
    update.mutable_ndes_connector()->set_display_name("x");
    update.set_allow_missing(true);
    EXPECT_EQ(Update(update, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << id;

    CreateNdesConnectorRequest create;
    create.mutable_ndes_connector()->set_id(id);
    grpc::ClientContext create_context;
    EXPECT_EQ(
        stub().CreateNdesConnector(&create_context, create, &out).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT)
        << id;

    DeleteNdesConnectorRequest del;
    del.set_id(id);
    google::protobuf::Empty empty;
    grpc::ClientContext delete_context;
    EXPECT_EQ(
        stub().DeleteNdesConnector(&delete_context, del, &empty).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT)
        << id;
  }
  // The longest valid id works.
  CreateFull(std::string(128, 'x'));
}

TEST_P(UpdateSemanticsTest, CreateGeneratesUuidWhenIdEmpty) {
  CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_display_name("anonymous");
  request.mutable_ndes_connector()->set_etag("ignored");
  NdesConnector out;
  grpc::ClientContext context;
  ASSERT_TRUE(stub().CreateNdesConnector(&context, request, &out).ok());
  EXPECT_THAT(out.id(),
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]"
                  "{3}-[0-9a-f]{12}"));
  EXPECT_NE(out.etag(), "ignored");
  EXPECT_TRUE(Same(MustGet(out.id()), out));
}

TEST_P(UpdateSemanticsTest, CreateWithExistingIdIsAlreadyExists) {
  const NdesConnector before = CreateFull("c1");
  CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_display_name("impostor");
  NdesConnector out;
  grpc::ClientContext context;
  grpc::Status status = stub().CreateNdesConnector(&context, request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("c1"));
  EXPECT_TRUE(Same(MustGet("c1"), before));
}

TEST_P(UpdateSemanticsTest, CreateRejectsUndeclaredState) {
  CreateNdesConnectorRequest request;
  request.mutable_ndes_connector()->set_id("c1");
  request.mutable_ndes_connector()->set_state(
      static_cast<v1::NdesConnectorState>(-3));
  NdesConnector out;
  grpc::ClientContext context;
  EXPECT_EQ(stub().CreateNdesConnector(&context, request, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get("c1", &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(UpdateSemanticsTest, DeleteHonoursEtagAndRemoves) {
  const NdesConnector created = CreateFull("c1");
  UpdateNdesConnectorsRequest update;
  update.mutable_ndes_connector()->set_id("c1");
  update.mutable_ndes_connector()->set_display_name("v2");
  NdesConnector current;
  ASSERT_TRUE(Update(update, &current).ok());

  DeleteNdesConnectorRequest request;
  request.set_id("c1");
  request.set_etag(created.etag());
  google::protobuf::Empty empty;
  {
    grpc::ClientContext context;
    EXPECT_EQ(
        stub().DeleteNdesConnector(&context, request, &empty).error_code(),
        grpc::StatusCode::ABORTED);
  }
  EXPECT_TRUE(Same(MustGet("c1"), current));
  request.set_etag(current.etag());
  {
    grpc::ClientContext context;
    EXPECT_TRUE(stub().DeleteNdesConnector(&context, request, &empty).ok());
  }
  NdesConnector out;
  EXPECT_EQ(Get("c1", &out).error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext context;
    EXPECT_EQ(
        stub().DeleteNdesConnector(&context, request, &empty).error_code(),
        grpc::StatusCode::NOT_FOUND);
  }
}

TEST_P(UpdateSemanticsTest, ListPagesThroughEveryConnectorInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    ids.push_back(absl::StrCat("conn-", i < 10 ? "0" : "", i));
    CreateFull(ids.back());
  }
  std::vector<std::string> seen;
  ListNdesConnectorsRequest request;
  request.set_page_size(5);
  int pages = 0;
  do {
    ListNdesConnectorsResponse response;
    grpc::ClientContext context;
    grpc::Status status =
        stub().ListNdesConnectors(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(response.ndes_connectors_size(), 5);
    for (const NdesConnector& c : response.ndes_connectors()) {
      seen.push_back(c.id());
      EXPECT_THAT(c.etag(), Not(IsEmpty()));
    }
    request.set_page_token(response.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, ids);
}

TEST_P(UpdateSemanticsTest, ListRejectsNegativePageSizeAndForeignToken) {
  ListNdesConnectorsRequest request;
  ListNdesConnectorsResponse response;
  request.set_page_size(-1);
  {
    grpc::ClientContext context;
    grpc::Status status =
        stub().ListNdesConnectors(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
  }
  request.set_page_size(0);
  request.set_page_token("not-a-token-we-issued");
  {
    grpc::ClientContext context;
    grpc::Status status =
        stub().ListNdesConnectors(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto violations = Violations(status);
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "page_token");
  }
}

}  // namespace
}  // namespace ndes
