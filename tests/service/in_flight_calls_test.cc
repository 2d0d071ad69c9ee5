// The order shutdown relies on, without a server: a call counts in flight
// until gRPC has sent its answer (its reactor's OnDone), not merely until it
// was answered and destroyed, so that the connections close only after
// every answer given has been sent; and a call that arrives once the
// service has stopped answering is neither answered, nor logged, nor
// counted, so that nothing is being answered while they close.

#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "logging/log.h"
#include "observability/metrics_registry.h"
#include "service/grpc_call.h"
#include "service/service_stats.h"
#include "support/captured_stderr.h"

namespace ndes::service {
namespace {

using ::ndes::testing::CapturedStderr;
using ::testing::HasSubstr;
using ::testing::Not;

class InFlightCallsTest : public ::testing::Test {
 protected:
  // A call of the service as its handler starts it.
  std::unique_ptr<Call> StartCall() {
    return std::make_unique<Call>(&context_, "CreateNdesConnector", &response_,
                                  in_flight_, stats_);
  }

  std::shared_ptr<InFlightCalls> in_flight_ = std::make_shared<InFlightCalls>();
  observability::MetricsRegistry metrics_;
  ServiceStats stats_{metrics_};
  grpc::CallbackServerContext context_;
  grpc::ByteBuffer response_;
};

TEST_F(InFlightCallsTest, ARefusedCallCountsUntilGrpcHasSentItsAnswer) {
  CapturedStderr captured;
  in_flight_->StartDraining();
  std::unique_ptr<Call> call = StartCall();
  EXPECT_FALSE(call->Admit());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  // The handler returns: the refusal is logged, but not sent yet.
  call.reset();
  EXPECT_TRUE(captured.WaitFor("method=CreateNdesConnector code=UNAVAILABLE"));
  EXPECT_EQ(in_flight_->size(), 0);
  EXPECT_EQ(in_flight_->unanswered(), 1);
  EXPECT_FALSE(in_flight_->AwaitAnswered(absl::Now() + absl::Milliseconds(1)));
  // gRPC has handed the status to the connection.
  reactor->OnDone();
  EXPECT_EQ(in_flight_->unanswered(), 0);
  EXPECT_TRUE(in_flight_->AwaitAnswered(absl::Now()));
}

TEST_F(InFlightCallsTest, AnAnsweredCallCountsUntilGrpcHasSentItsAnswer) {
  std::unique_ptr<Call> call = StartCall();
  ASSERT_TRUE(call->Admit());
  ASSERT_TRUE(call->Claim());
  call->Finish(absl::OkStatus());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  // The store's callback ends with the call.
  call.reset();
  EXPECT_EQ(in_flight_->unanswered(), 1);
  reactor->OnDone();
  EXPECT_EQ(in_flight_->unanswered(), 0);
}

TEST_F(InFlightCallsTest, ACallAfterStopAnsweringIsHeldUnloggedAndUncounted) {
  CapturedStderr captured;
  in_flight_->StartDraining();
  in_flight_->StopAnswering();
  std::unique_ptr<Call> call = StartCall();
  EXPECT_FALSE(call->Admit());
  // Nobody may finish it but its cancellation.
  EXPECT_FALSE(call->Claim());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  call.reset();
  EXPECT_EQ(in_flight_->unanswered(), 0);
  EXPECT_EQ(in_flight_->held(), 1);
  // Waiting for the answers given does not wait for it.
  EXPECT_TRUE(in_flight_->AwaitAnswered(absl::Now()));
  // Its connection closes.
  reactor->OnCancel();
  reactor->OnDone();
  EXPECT_EQ(in_flight_->unanswered(), 0);
  logging::LogEvent(logging::LogSeverity::kInfo, "after the held call");
  ASSERT_TRUE(captured.WaitFor("after the held call"));
  EXPECT_THAT(captured.Contents(), Not(HasSubstr(" call method=")));
  EXPECT_THAT(metrics_.TextExposition(),
              HasSubstr("ndes_gateway_calls_in_flight{method="
                        "\"CreateNdesConnector\"} 0\n"));
}

}  // namespace
}  // namespace ndes::service
