// GrpcListener and FloodGuard with an in-process gRPC server: the addresses
// a listener binds, the peer names it records (they must be gRPC's own, or
// the guard cannot find a call's connection), and each rule of the guard.

#include "listener/grpc_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "listener/connection_table.h"
#include "listener/flood_guard.h"
#include "listener/listen_sockets.h"
#include "support/http2_flood.h"

namespace ndes::listener {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

bool HasIpv6Loopback() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return bound;
}

// Holds every call until Release (or its cancellation), then answers OK,
// recording the peer names it saw and whether `table` knew them then.
class HoldingService final : public grpc::CallbackGenericService {
 public:
  explicit HoldingService(const ConnectionTable& table) : table_(table) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    auto* reactor = new Reactor(this);
    const std::string peer = context->peer();
    const bool known = table_.Find(peer) != nullptr;
    absl::MutexLock lock(&mu_);
    peers_.push_back(peer);
    if (!known) unknown_peers_.push_back(peer);
    if (released_) {
      reactor->Answer();
    } else {
      held_.push_back(reactor);
    }
    return reactor;
  }

  void Release() {
    std::vector<Reactor*> held;
    {
      absl::MutexLock lock(&mu_);
      released_ = true;
      held.swap(held_);
    }
    for (Reactor* reactor : held) reactor->Answer();
  }
  std::vector<std::string> peers() {
    absl::MutexLock lock(&mu_);
    return peers_;
  }
  // Peers of calls whose connection the table did not know.
  std::vector<std::string> unknown_peers() {
    absl::MutexLock lock(&mu_);
    return unknown_peers_;
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(HoldingService* service) : service_(service) {}
    void Answer() {
      if (!answered_.exchange(true)) Finish(grpc::Status::OK);
    }
    void OnCancel() override {
      {
        absl::MutexLock lock(&service_->mu_);
        auto& held = service_->held_;
        held.erase(std::remove(held.begin(), held.end(), this), held.end());
      }
      if (!answered_.exchange(true)) Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    HoldingService* service_;
    std::atomic<bool> answered_{false};
  };

  const ConnectionTable& table_;
  absl::Mutex mu_;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> unknown_peers_ ABSL_GUARDED_BY(mu_);
  std::vector<Reactor*> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> peers_ ABSL_GUARDED_BY(mu_);
};

class GrpcListenerTest : public ::testing::Test {
 protected:
  void Serve(const std::string& address, FloodLimits limits = {}) {
    guard_ = std::make_unique<FloodGuard>(table_, limits);
    grpc::ServerBuilder builder;
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(guard_->NewInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
    absl::StatusOr<std::unique_ptr<GrpcListener>> listener = GrpcListener::Open(
        address, grpc::InsecureServerCredentials(), builder, &table_);
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    listener_->Start();
  }

  void TearDown() override {
    service_.Release();
    if (listener_ != nullptr) listener_->Stop();
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now()));
    }
  }

  // Starts a call of /x/y on `channel`; `done` is notified with its status.
  void StartCall(grpc::GenericStub& stub, grpc::ClientContext* context,
                 grpc::ByteBuffer* request, grpc::ByteBuffer* response,
                 std::function<void(grpc::Status)> done) {
    stub.UnaryCall(context, "/x/y", grpc::StubOptions(), request, response,
                   std::move(done));
  }

  ConnectionTable table_;
  std::unique_ptr<FloodGuard> guard_;
  HoldingService service_{table_};
  std::unique_ptr<GrpcListener> listener_;
  std::unique_ptr<grpc::Server> server_;
};

// One finished call on a new connection to `target`.
grpc::Status OneCall(const std::string& target) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), arguments);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice slice(std::string("x"));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status result;
  stub.UnaryCall(&context, "/x/y", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  return result;
}

TEST_F(GrpcListenerTest, Ipv4PeerNamesAreTheOnesGrpcGivesCalls) {
  Serve("127.0.0.1:0");
  service_.Release();
  ASSERT_TRUE(OneCall(absl::StrCat("127.0.0.1:", listener_->port())).ok());
  EXPECT_EQ(service_.peers().size(), 1u);
  EXPECT_THAT(service_.unknown_peers(), IsEmpty());
}

TEST_F(GrpcListenerTest, Ipv6PeerNamesAreTheOnesGrpcGivesCalls) {
  if (!HasIpv6Loopback()) GTEST_SKIP() << "no IPv6 loopback";
  Serve("[::1]:0");
  service_.Release();
  ASSERT_TRUE(OneCall(absl::StrCat("[::1]:", listener_->port())).ok());
  EXPECT_EQ(service_.peers().size(), 1u);
  EXPECT_THAT(service_.unknown_peers(), IsEmpty());
}

TEST_F(GrpcListenerTest, WildcardServesIpv4AndIpv6Clients) {
  Serve("[::]:0");
  service_.Release();
  EXPECT_TRUE(OneCall(absl::StrCat("127.0.0.1:", listener_->port())).ok());
  if (HasIpv6Loopback()) {
    EXPECT_TRUE(OneCall(absl::StrCat("[::1]:", listener_->port())).ok());
  }
  // An IPv4 client of a dual-stack socket is named as IPv4, as gRPC does.
  EXPECT_THAT(service_.peers(), Not(IsEmpty()));
  EXPECT_THAT(service_.unknown_peers(), IsEmpty());
}

TEST_F(GrpcListenerTest, AddressInUseIsRefused) {
  Serve("127.0.0.1:0");
  grpc::ServerBuilder builder;
  absl::StatusOr<std::unique_ptr<GrpcListener>> second =
      GrpcListener::Open(absl::StrCat("127.0.0.1:", listener_->port()),
                         grpc::InsecureServerCredentials(), builder, nullptr);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(GrpcListenerTest, StoppedListenerRefusesConnections) {
  Serve("127.0.0.1:0");
  const int port = listener_->port();
  listener_->Stop();
  EXPECT_FALSE(testing::Http2FloodConnection::Connect(port).ok());
}

TEST_F(GrpcListenerTest, ConnectionWithTooManyCallsInFlightIsShutDown) {
  FloodLimits limits;
  limits.max_calls_per_connection = 4;
  Serve("127.0.0.1:0", limits);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", listener_->port()),
                          grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  constexpr int kCalls = 5;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<grpc::ByteBuffer> requests(kCalls), responses(kCalls);
  absl::Mutex mu;
  std::vector<grpc::StatusCode> codes;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    grpc::Slice slice(std::string("x"));
    requests[i] = grpc::ByteBuffer(&slice, 1);
    StartCall(stub, contexts.back().get(), &requests[i], &responses[i],
              [&](grpc::Status status) {
                absl::MutexLock lock(&mu);
                codes.push_back(status.error_code());
              });
  }
  // The fifth call in flight closes the connection: every call fails,
  // while the held calls would otherwise wait 20 s.
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(
      mu.AwaitWithTimeout(absl::Condition(
                              +[](std::vector<grpc::StatusCode>* codes) {
                                return codes->size() == kCalls;
                              },
                              &codes),
                          absl::Seconds(10)));
  for (grpc::StatusCode code : codes) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(guard_->connections_closed(), 1u);
}

TEST_F(GrpcListenerTest, ConnectionSendingWithoutStartingCallsIsShutDown) {
  FloodLimits limits;
  limits.max_bytes_without_call = 256 * 1024;
  limits.sweep_interval = absl::Milliseconds(10);
  Serve("127.0.0.1:0", limits);
  absl::StatusOr<testing::Http2FloodConnection> flood =
      testing::Http2FloodConnection::Connect(listener_->port());
  ASSERT_TRUE(flood.ok());
  const testing::Http2FloodResult result =
      flood->ContinuationFlood("/x/y", 64 << 20, absl::Seconds(10));
  EXPECT_FALSE(result.timed_out);
  EXPECT_LT(result.sent, 32u << 20);
  EXPECT_TRUE(flood->WaitForClose(absl::Seconds(5)));
  EXPECT_EQ(guard_->connections_closed(), 1u);
}

TEST_F(GrpcListenerTest, OverTheMemorySoftLimitOnlySendingConnectionsAreShed) {
  FloodLimits limits;
  limits.memory_soft_limit_bytes = 1;  // always over
  limits.shed_bytes_per_second = 64 * 1024;
  limits.sweep_interval = absl::Milliseconds(10);
  Serve("127.0.0.1:0", limits);
  service_.Release();
  // An idle connection that made a call stays.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto quiet =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", listener_->port()),
                                grpc::InsecureChannelCredentials(), arguments);
  ASSERT_TRUE(quiet->WaitForConnected(
      absl::ToChronoTime(absl::Now() + absl::Seconds(5))));
  absl::StatusOr<testing::Http2FloodConnection> flood =
      testing::Http2FloodConnection::Connect(listener_->port());
  ASSERT_TRUE(flood.ok());
  flood->ContinuationFlood("/x/y", 64 << 20, absl::Seconds(10));
  EXPECT_TRUE(flood->WaitForClose(absl::Seconds(5)));
  EXPECT_EQ(guard_->connections_closed(), 1u);
  EXPECT_EQ(quiet->GetState(false), GRPC_CHANNEL_READY);
}

TEST(ListenSocketsTest, LocalhostBindsEveryLoopbackAddressOnOnePort) {
  absl::StatusOr<ListenSockets> sockets = ListenSockets::Open("localhost:0");
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  EXPECT_GT(sockets->port(), 0);
  EXPECT_THAT(sockets->fds(), Not(IsEmpty()));
  for (int fd : sockets->fds()) {
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length), 0);
    const int port =
        bound.ss_family == AF_INET6
            ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    EXPECT_EQ(port, sockets->port());
  }
}

TEST(ListenSocketsTest, MalformedAddressesAreRefused) {
  for (const char* address : {"no-port", "127.0.0.1:70000", "127.0.0.1:x"}) {
    EXPECT_EQ(ListenSockets::Open(address).status().code(),
              absl::StatusCode::kFailedPrecondition)
        << address;
  }
}

}  // namespace
}  // namespace ndes::listener
