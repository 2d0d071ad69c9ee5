// No lost update: concurrent read-modify-write cycles with etags lose no
// change, and without etags the last writer wins whole, never a mix of
// writes. Against the real gateway process on SQLite and on memory.

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::ndes::v1::NdesConnectorService;
using ::testing::Contains;

constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 25;

// "sqlite" or "memory".
class LostUpdateTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string store = "--store=memory";
    if (GetParam() == "sqlite") store = "--store=sqlite:" + dir_.Path("lu.db");
    gateway_ = std::make_unique<GatewayProcess>(std::vector<std::string>{store});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    channel_ = gateway_->Channel();
  }
  void TearDown() override {
    channel_.reset();
    if (gateway_ != nullptr) {
      EXPECT_EQ(gateway_->Terminate(), 0);
    }
  }

  grpc::Status Get(NdesConnectorService::Stub& stub, const std::string& id,
                   NdesConnector* out) {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub.GetNdesConnector(&context, request, out);
  }

  grpc::Status Create(const std::string& id, const std::string& name) {
    auto stub = NdesConnectorService::NewStub(channel_);
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(id);
    request.mutable_ndes_connector()->set_display_name(name);
    NdesConnector out;
    grpc::ClientContext context;
    return stub->CreateNdesConnector(&context, request, &out);
  }

  TempDir dir_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_P(LostUpdateTest, ConcurrentIncrementsWithEtagsLoseNoUpdate) {
  ASSERT_TRUE(Create("counter", "0").ok());
  std::vector<int> aborted(kThreads, 0);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // One channel per thread, so the calls really race on the wire.
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", t);  // distinct subchannels
      auto stub = NdesConnectorService::NewStub(grpc::CreateCustomChannel(
          gateway_->address(), grpc::InsecureChannelCredentials(), args));
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        while (true) {
          NdesConnector current;
          grpc::Status read = Get(*stub, "counter", &current);
          if (!read.ok()) {
            failures[t] = "Get: " + read.error_message();
            return;
          }
          int count = 0;
          if (!absl::SimpleAtoi(current.display_name(), &count)) {
            failures[t] = "corrupt counter: " + current.display_name();
            return;
          }
          v1::UpdateNdesConnectorsRequest request;
          NdesConnector* next = request.mutable_ndes_connector();
          next->set_id("counter");
          next->set_etag(current.etag());
          next->set_display_name(absl::StrCat(count + 1));
          *next->mutable_role_scope_tag_ids() = current.role_scope_tag_ids();
          next->add_role_scope_tag_ids(absl::StrCat("t", t, "-", i));
          request.mutable_update_mask()->add_paths("display_name");
          request.mutable_update_mask()->add_paths("role_scope_tag_ids");
          NdesConnector out;
          grpc::ClientContext context;
          context.set_deadline(
              absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
          grpc::Status written =
              stub->UpdateNdesConnectors(&context, request, &out);
          if (written.ok()) break;
          if (written.error_code() != grpc::StatusCode::ABORTED) {
            failures[t] = "Update: " + written.error_message();
            return;
          }
          ++aborted[t];  // someone else wrote first: read again
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& failure : failures) EXPECT_EQ(failure, "");

  auto stub = NdesConnectorService::NewStub(channel_);
  NdesConnector final_state;
  ASSERT_TRUE(Get(*stub, "counter", &final_state).ok());
  EXPECT_EQ(final_state.display_name(),
            absl::StrCat(kThreads * kIncrementsPerThread));
  const std::set<std::string> ids(final_state.role_scope_tag_ids().begin(),
                                  final_state.role_scope_tag_ids().end());
  EXPECT_EQ(final_state.role_scope_tag_ids_size(),
            kThreads * kIncrementsPerThread);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kIncrementsPerThread))
      << "an increment appears twice";
  int total_aborted = 0;
  for (int a : aborted) total_aborted += a;
  // The contention must have been real for the test to prove anything.
  EXPECT_GT(total_aborted, 0) << "no write ever raced another";
  RecordProperty("aborted_retries", total_aborted);
}

TEST_P(LostUpdateTest, WithoutEtagsTheLastWriterWinsWhole) {
  ASSERT_TRUE(Create("contested", "initial").ok());
  constexpr int kWritesPerThread = 40;
  std::set<std::string> written_tokens;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWritesPerThread; ++i) {
      written_tokens.insert(absl::StrCat("t", t, "-w", i));
    }
  }
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", t);
      auto stub = NdesConnectorService::NewStub(grpc::CreateCustomChannel(
          gateway_->address(), grpc::InsecureChannelCredentials(), args));
      for (int i = 0; i < kWritesPerThread; ++i) {
        // Every field of one write carries the same token: a connector
        // whose fields disagree was assembled from several writes.
        const std::string token = absl::StrCat("t", t, "-w", i);
        v1::UpdateNdesConnectorsRequest request;
        NdesConnector* next = request.mutable_ndes_connector();
        next->set_id("contested");
        next->set_display_name(token);
        next->set_machine_name(token + ".contoso.local");
        next->set_connector_version(token);
        next->add_role_scope_tag_ids(token);
        next->add_role_scope_tag_ids(token + "-b");
        next->set_state(i % 2 == 0 ? v1::NDES_CONNECTOR_STATE_ACTIVE
                                   : v1::NDES_CONNECTOR_STATE_INACTIVE);
        NdesConnector out;
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
        grpc::Status written =
            stub->UpdateNdesConnectors(&context, request, &out);
        if (!written.ok()) {
          failures[t] = written.error_message();
          return;
        }
        if (out.display_name() != token ||
            out.machine_name() != token + ".contoso.local") {
          failures[t] = "answer is not the write: " + out.ShortDebugString();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& failure : failures) EXPECT_EQ(failure, "");

  auto stub = NdesConnectorService::NewStub(channel_);
  NdesConnector stored;
  ASSERT_TRUE(Get(*stub, "contested", &stored).ok());
  const std::string token = stored.display_name();
  EXPECT_THAT(written_tokens, Contains(token));
  EXPECT_EQ(stored.machine_name(), token + ".contoso.local");
  EXPECT_EQ(stored.connector_version(), token);
  ASSERT_EQ(stored.role_scope_tag_ids_size(), 2);
  EXPECT_EQ(stored.role_scope_tag_ids(0), token);
  EXPECT_EQ(stored.role_scope_tag_ids(1), token + "-b");
  // The state was written by the same write: even i is active.
  int i = -1;
  ASSERT_TRUE(absl::SimpleAtoi(token.substr(token.find("-w") + 2), &i));
  EXPECT_EQ(stored.state(), i % 2 == 0 ? v1::NDES_CONNECTOR_STATE_ACTIVE
                                       : v1::NDES_CONNECTOR_STATE_INACTIVE);

  // The store still answers, for reads and for writes.
  v1::ListNdesConnectorsRequest list_request;
  v1::ListNdesConnectorsResponse list;
  grpc::ClientContext context;
  ASSERT_TRUE(stub->ListNdesConnectors(&context, list_request, &list).ok());
  ASSERT_EQ(list.ndes_connectors_size(), 1);
  EXPECT_EQ(list.ndes_connectors(0).display_name(), token);
  EXPECT_TRUE(Create("after", "still writable").ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, LostUpdateTest,
                         ::testing::Values("sqlite", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ndes::testing
