// Hostile input: bytes that are not a request, requests that break the
// proto or the API's rules, deadlines too short to meet, cancellations and
// floods. After each, the gateway process must still be healthy: health
// SERVING and an ordinary Get answered with the stored connector.

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::ndes::v1::NdesConnectorService;
using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr char kUpdateMethod[] =
    "/ndes.v1.NdesConnectorService/UpdateNdesConnectors";
constexpr char kKnownId[] = "known-1";
constexpr char kKnownName[] = "untouched";

std::chrono::system_clock::time_point In(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

// A gateway process with one connector (kKnownId) in it.
class HostileInputTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Plain TEST_F tests run on SQLite, the default store.
  virtual std::string StoreSpec() { return "sqlite"; }

  void SetUp() override {
    std::string store = "--store=memory";
    if (StoreSpec() == "sqlite") {
      store = "--store=sqlite:" + dir_.Path("hostile.db");
    }
    gateway_ = std::make_unique<GatewayProcess>(std::vector<std::string>{store});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    channel_ = gateway_->Channel();
    stub_ = NdesConnectorService::NewStub(channel_);
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(kKnownId);
    request.mutable_ndes_connector()->set_display_name(kKnownName);
    NdesConnector out;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateNdesConnector(&context, request, &out).ok());
  }

  void TearDown() override {
    ExpectHealthy();
    stub_.reset();
    channel_.reset();
    if (gateway_ != nullptr) {
      EXPECT_EQ(gateway_->Terminate(), 0) << gateway_->Log();
    }
  }

  // The invariant every test ends with.
  void ExpectHealthy() {
    ASSERT_NE(gateway_, nullptr);
    EXPECT_EQ(CheckHealth(channel_), "SERVING") << gateway_->Log();
    NdesConnector known;
    grpc::Status status = Get(kKnownId, &known);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(known.display_name(), kKnownName);
  }

  grpc::Status Get(const std::string& id, NdesConnector* out) {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return stub_->GetNdesConnector(&context, request, out);
  }

  grpc::Status Update(const v1::UpdateNdesConnectorsRequest& request) {
    NdesConnector out;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return stub_->UpdateNdesConnectors(&context, request, &out);
  }

  // Sends `bytes` as the request of `method`, bypassing serialization.
  grpc::Status RawCall(const std::string& method, const std::string& bytes) {
    grpc::GenericStub generic(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    grpc::Status result;
    absl::Notification done;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &request,
                      &response, [&](grpc::Status status) {
                        result = std::move(status);
                        done.Notify();
                      });
    done.WaitForNotification();
    return result;
  }

  // A well-formed rename of kKnownId to `name`, serialized.
  static std::string RenameRequest(const std::string& name) {
    v1::UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id(kKnownId);
    request.mutable_ndes_connector()->set_display_name(name);
    request.mutable_update_mask()->add_paths("display_name");
    return request.SerializeAsString();
  }

  TempDir dir_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<NdesConnectorService::Stub> stub_;
};

// A request whose bytes do not parse is the caller's mistake: INVALID_ARGUMENT
// naming the request type (gRPC 1.51's own callback handler would answer
// UNIMPLEMENTED with an empty message, which tells a client the method does
// not exist; the service's methods are raw so that it never does).
MATCHER(IsUnparsableUpdateRequest, "INVALID_ARGUMENT naming the request type") {
  return arg.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
         arg.error_message().find("ndes.v1.UpdateNdesConnectorsRequest") !=
             std::string::npos;
}

TEST_F(HostileInputTest, UndecodableBytesAreRefused) {
  // Field 1 as a group start with a wrong end, then a varint that never ends.
  const std::string garbage("\x0b\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x0c",
                            12);
  grpc::Status refused = RawCall(kUpdateMethod, garbage);
  EXPECT_THAT(refused, IsUnparsableUpdateRequest()) << refused.error_message();
  std::mt19937 random(7);
  for (int i = 0; i < 50; ++i) {
    std::string bytes(1 + random() % 512, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    EXPECT_NE(RawCall(kUpdateMethod, bytes).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
}

TEST_F(HostileInputTest, TruncatedMessageIsRefusedAndWritesNothing) {
  // A rename to the current name: a prefix that happens to be a complete
  // smaller message may be applied, and must change nothing either.
  const std::string whole = RenameRequest(kKnownName);
  ASSERT_TRUE(RawCall(kUpdateMethod, whole).ok());
  int refused = 0;
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    grpc::Status status = RawCall(kUpdateMethod, whole.substr(0, cut));
    if (!status.ok()) ++refused;
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  // A prefix that ends between fields is a valid (smaller) message, which
  // the API then refuses or applies; inside a field it must be refused.
  EXPECT_GT(refused, 0);
  NdesConnector known;
  ASSERT_TRUE(Get(kKnownId, &known).ok());
  EXPECT_EQ(known.display_name(), kKnownName);
  EXPECT_THAT(RawCall(kUpdateMethod, whole.substr(0, whole.size() - 3)),
              IsUnparsableUpdateRequest());
}

TEST_F(HostileInputTest, InvalidUtf8InAStringFieldIsRefusedAndWritesNothing) {
  const std::string placeholder = "PLACEHOLDER";
  std::string bytes = RenameRequest(placeholder);
  const std::size_t at = bytes.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  // A lone continuation byte, an overlong encoding of '/', a surrogate.
  bytes.replace(at, placeholder.size(), std::string("\x80\xc0\xaf\xed\xa0\x80xxxxx", 11));
  EXPECT_THAT(RawCall(kUpdateMethod, bytes), IsUnparsableUpdateRequest());
  NdesConnector known;
  ASSERT_TRUE(Get(kKnownId, &known).ok());
  EXPECT_EQ(known.display_name(), kKnownName);
}

TEST_F(HostileInputTest, MessageOverFourMebibytesIsResourceExhausted) {
  v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id(kKnownId);
  request.mutable_ndes_connector()->set_display_name(
      std::string(4 * 1024 * 1024 + 1, 'x'));
  request.mutable_update_mask()->add_paths("display_name");
  grpc::Status status = Update(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  // Just under the message limit, the field's own limit refuses it.
  request.mutable_ndes_connector()->set_display_name(
      std::string(4 * 1024 * 1024 - 1024, 'y'));
  status = Update(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("ndes_connector.display_name is 4193280 characters "
                        "long, more than the 256 allowed"));
  NdesConnector known;
  ASSERT_TRUE(Get(kKnownId, &known).ok());
  EXPECT_EQ(known.display_name(), kKnownName);
}

TEST_F(HostileInputTest, EnumValuesOutOfRangeAreInvalidArgument) {
  for (int state : {3, 99, -1, std::numeric_limits<int>::max(),
                    std::numeric_limits<int>::min()}) {
    v1::UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id(kKnownId);
    request.mutable_ndes_connector()->set_state(
        static_cast<v1::NdesConnectorState>(state));
    request.mutable_update_mask()->add_paths("state");
    grpc::Status status = Update(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << state;
    EXPECT_THAT(status.error_message(), HasSubstr("state"));

    v1::CreateNdesConnectorRequest create;
    create.mutable_ndes_connector()->set_id("enum-create");
    create.mutable_ndes_connector()->set_state(
        static_cast<v1::NdesConnectorState>(state));
    NdesConnector out;
    grpc::ClientContext context;
    EXPECT_EQ(stub_->CreateNdesConnector(&context, create, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  NdesConnector absent;
  EXPECT_EQ(Get("enum-create", &absent).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(HostileInputTest, TimestampsOutOfRangeAreInvalidArgument) {
  struct Bad {
    std::int64_t seconds;
    std::int32_t nanos;
  };
  const Bad kBad[] = {
      {253402300800, 0},                               // 10000-01-01
      {-62135596801, 0},                               // 0000-12-31T23:59:59
      {0, 1000000000},                                 // nanos too big
      {0, -1},                                         // negative nanos
      {std::numeric_limits<std::int64_t>::max(), 0},
      {std::numeric_limits<std::int64_t>::min(), 0},
      {0, std::numeric_limits<std::int32_t>::min()},
  };
  for (const char* field :
       {"last_connection_date_time", "enrolled_date_time"}) {
    for (const Bad& bad : kBad) {
      v1::UpdateNdesConnectorsRequest request;
      NdesConnector* connector = request.mutable_ndes_connector();
      connector->set_id(kKnownId);
      google::protobuf::Timestamp* time =
          std::string(field) == "enrolled_date_time"
              ? connector->mutable_enrolled_date_time()
              : connector->mutable_last_connection_date_time();
      time->set_seconds(bad.seconds);
      time->set_nanos(bad.nanos);
      request.mutable_update_mask()->add_paths(field);
      grpc::Status status = Update(request);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << field << " " << bad.seconds << "s " << bad.nanos << "ns";
      EXPECT_THAT(status.error_message(), HasSubstr(field));
    }
  }
  // The extremes themselves are fine.
  v1::UpdateNdesConnectorsRequest request;
  request.mutable_ndes_connector()->set_id(kKnownId);
  request.mutable_ndes_connector()
      ->mutable_last_connection_date_time()
      ->set_seconds(-62135596800);  // 0001-01-01T00:00:00Z
  request.mutable_ndes_connector()
      ->mutable_enrolled_date_time()
      ->set_seconds(253402300799);  // 9999-12-31T23:59:59Z
  request.mutable_ndes_connector()->mutable_enrolled_date_time()->set_nanos(
      999999999);
  grpc::Status status = Update(request);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(HostileInputTest, OneMillisecondDeadlinesNeverLeaveHalfAWrite) {
  constexpr int kCalls = 200;
  int exceeded = 0;
  for (int i = 0; i < kCalls; ++i) {
    const std::string id = absl::StrCat("deadline-", i % 20);
    v1::UpdateNdesConnectorsRequest request;
    request.set_allow_missing(true);
    NdesConnector* connector = request.mutable_ndes_connector();
    connector->set_id(id);
    connector->set_display_name(absl::StrCat("write-", i));
    connector->set_machine_name(absl::StrCat("write-", i));
    NdesConnector out;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Milliseconds(1)));
    grpc::Status status = stub_->UpdateNdesConnectors(&context, request, &out);
    EXPECT_THAT(status.error_code(),
                AnyOf(Eq(grpc::StatusCode::OK),
                      Eq(grpc::StatusCode::DEADLINE_EXCEEDED)))
        << status.error_message();
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++exceeded;
  }
  RecordProperty("deadline_exceeded", exceeded);
  // A write that ran out of time may have landed or not, but only whole.
  for (int i = 0; i < 20; ++i) {
    NdesConnector stored;
    grpc::Status status = Get(absl::StrCat("deadline-", i), &stored);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(stored.display_name(), stored.machine_name());
  }
}

TEST_F(HostileInputTest, CancellationMidCallNeverLeavesHalfAWrite) {
  constexpr int kCalls = 300;
  std::mt19937 random(11);
  std::atomic<int> cancelled{0};
  std::atomic<int> unexpected{0};
  absl::BlockingCounter pending(kCalls);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<v1::UpdateNdesConnectorsRequest>> requests;
  std::vector<std::unique_ptr<NdesConnector>> responses;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(In(absl::Seconds(30)));
    requests.push_back(std::make_unique<v1::UpdateNdesConnectorsRequest>());
    requests.back()->set_allow_missing(true);
    NdesConnector* connector = requests.back()->mutable_ndes_connector();
    connector->set_id(absl::StrCat("cancel-", i % 30));
    connector->set_display_name(absl::StrCat("write-", i));
    connector->set_connector_version(absl::StrCat("write-", i));
    responses.push_back(std::make_unique<NdesConnector>());
    stub_->async()->UpdateNdesConnectors(
        contexts.back().get(), requests.back().get(), responses.back().get(),
        [&](grpc::Status status) {
          if (status.error_code() == grpc::StatusCode::CANCELLED) {
            ++cancelled;
          } else if (!status.ok()) {
            ++unexpected;
          }
          pending.DecrementCount();
        });
    // Cancel some at once, some a moment later, mid-flight.
    if (random() % 3 == 0) contexts.back()->TryCancel();
    if (i % 7 == 0) {
      absl::SleepFor(absl::Microseconds(random() % 500));
      contexts[random() % contexts.size()]->TryCancel();
    }
  }
  pending.Wait();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(cancelled.load(), 0);
  for (int i = 0; i < 30; ++i) {
    NdesConnector stored;
    grpc::Status status = Get(absl::StrCat("cancel-", i), &stored);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(stored.display_name(), stored.connector_version());
  }
}

TEST_F(HostileInputTest, FloodOfConcurrentCallsWithMixedDeadlines) {
  constexpr int kCalls = 3000;
  const absl::Duration kDeadlines[] = {absl::Milliseconds(1),
                                       absl::Milliseconds(20),
                                       absl::Milliseconds(200),
                                       absl::Seconds(60)};
  struct Call {
    grpc::ClientContext context;
    v1::GetNdesConnectorRequest get;
    v1::UpdateNdesConnectorsRequest update;
    v1::ListNdesConnectorsRequest list;
    NdesConnector connector;
    v1::ListNdesConnectorsResponse page;
    bool patient = false;  // the long deadline: must succeed
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::BlockingCounter pending(kCalls);
  std::mt19937 random(13);
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    auto call = std::make_unique<Call>();
    const int deadline = static_cast<int>(random() % 4);
    call->patient = deadline == 3;
    call->context.set_deadline(In(kDeadlines[deadline]));
    Call* raw = call.get();
    auto done = [raw, &pending](grpc::Status status) {
      raw->status = std::move(status);
      pending.DecrementCount();
    };
    switch (random() % 4) {
      case 0:
        call->get.set_id(kKnownId);
        stub_->async()->GetNdesConnector(&call->context, &call->get,
                                         &call->connector, done);
        break;
      case 1:
        call->get.set_id(absl::StrCat("absent-", i));
        stub_->async()->GetNdesConnector(&call->context, &call->get,
                                         &call->connector, done);
        break;
      case 2:
        call->update.set_allow_missing(true);
        call->update.mutable_ndes_connector()->set_id(
            absl::StrCat("flood-", i % 50));
        call->update.mutable_ndes_connector()->set_display_name(
            absl::StrCat("flood-", i));
        stub_->async()->UpdateNdesConnectors(&call->context, &call->update,
                                             &call->connector, done);
        break;
      default:
        call->list.set_page_size(10);
        stub_->async()->ListNdesConnectors(&call->context, &call->list,
                                           &call->page, done);
        break;
    }
    calls.push_back(std::move(call));
  }
  pending.Wait();
  const absl::Duration elapsed = absl::Now() - start;
  int ok = 0;
  int exceeded = 0;
  for (const auto& call : calls) {
    const grpc::StatusCode code = call->status.error_code();
    if (call->patient) {
      EXPECT_THAT(code, AnyOf(Eq(grpc::StatusCode::OK),
                              Eq(grpc::StatusCode::NOT_FOUND)))
          << call->status.error_message();
    } else {
      EXPECT_THAT(code, AnyOf(Eq(grpc::StatusCode::OK),
                              Eq(grpc::StatusCode::NOT_FOUND),
                              Eq(grpc::StatusCode::DEADLINE_EXCEEDED)))
          << call->status.error_message();
    }
    if (code == grpc::StatusCode::OK) ++ok;
    if (code == grpc::StatusCode::DEADLINE_EXCEEDED) ++exceeded;
  }
  RecordProperty("ok", ok);
  RecordProperty("deadline_exceeded", exceeded);
  RecordProperty("elapsed_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(elapsed)));
}

// Ids: the rule of server/translation/resource_id.h, the same whatever the
// store. Every RPC that takes an id refuses a bad one as INVALID_ARGUMENT,
// before any store sees it.
class HostileIdTest : public HostileInputTest {
 protected:
  std::string StoreSpec() override { return GetParam(); }
};

TEST_P(HostileIdTest, IdsOutsideTheRuleAreInvalidArgumentForEveryRpc) {
  const std::string kBadIds[] = {
      "",
      "a/b",
      "../known-1",
      "a%2Fb",
      "a?b=c",
      "a#b",
      ".",
      "..",
      "a b",
      " known-1",
      "known-1\n",
      std::string("a\0b", 3),
      "a\x01\x7f",
      "\x1b[31mred",
      "caf\xc3\xa9",                          // valid UTF-8, not ASCII
      std::string(129, 'a'),
      std::string(1 << 20, 'b'),              // 1 MiB
  };
  for (const std::string& id : kBadIds) {
    const std::string shown = absl::CHexEscape(id.substr(0, 40));
    NdesConnector out;
    grpc::Status get = Get(id, &out);
    EXPECT_EQ(get.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << shown;
    // The message names the field and never echoes control characters or
    // a megabyte of id.
    EXPECT_LT(get.error_message().size(), 400u) << shown;
    for (char c : get.error_message()) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          << shown << ": " << get.error_message();
    }

    v1::CreateNdesConnectorRequest create;
    create.mutable_ndes_connector()->set_id(id);
    create.mutable_ndes_connector()->set_display_name("x");
    grpc::ClientContext create_context;
    grpc::Status created =
        stub_->CreateNdesConnector(&create_context, create, &out);
    if (id.empty()) {
      // An empty id on create means "generate one" (SPEC section 3).
      EXPECT_TRUE(created.ok()) << created.error_message();
    } else {
      EXPECT_EQ(created.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << shown;
    }

    v1::UpdateNdesConnectorsRequest update;
    update.set_allow_missing(true);
    update.mutable_ndes_connector()->set_id(id);
    update.mutable_ndes_connector()->set_display_name("x");
    EXPECT_EQ(Update(update).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << shown;

    v1::DeleteNdesConnectorRequest remove;
    remove.set_id(id);
    google::protobuf::Empty empty;
    grpc::ClientContext delete_context;
    EXPECT_EQ(
        stub_->DeleteNdesConnector(&delete_context, remove, &empty).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT)
        << shown;
  }
  // Nothing but the known connector and the one generated id exist.
  v1::ListNdesConnectorsRequest list_request;
  v1::ListNdesConnectorsResponse list;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListNdesConnectors(&context, list_request, &list).ok());
  EXPECT_EQ(list.ndes_connectors_size(), 2);

  // The longest id and every allowed character are fine.
  for (const std::string& id :
       {std::string(128, 'z'), std::string("AZaz09-_.x"), std::string("...")}) {
    v1::CreateNdesConnectorRequest create;
    create.mutable_ndes_connector()->set_id(id);
    create.mutable_ndes_connector()->set_display_name("fine");
    NdesConnector out;
    grpc::ClientContext create_context;
    EXPECT_TRUE(stub_->CreateNdesConnector(&create_context, create, &out).ok())
        << id;
    EXPECT_TRUE(Get(id, &out).ok()) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, HostileIdTest,
                         ::testing::Values("sqlite", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ndes::testing
