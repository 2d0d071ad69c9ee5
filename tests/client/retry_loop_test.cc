#include "ndes/client/internal/retry_loop.h"

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/test/client_context_test_peer.h"
#include "gtest/gtest.h"

namespace ndes::client::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE, "down");

// A clock that only moves when the loop sleeps.
class FakeTime {
 public:
  RetryClock clock() {
    RetryClock clock;
    clock.now = [this] { return now_; };
    clock.sleep = [this](absl::Duration d) {
      sleeps_.push_back(d);
      now_ += d;
    };
    return clock;
  }
  const std::vector<absl::Duration>& sleeps() const { return sleeps_; }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  std::vector<absl::Duration> sleeps_;
};

ClientOptions FastRetries(int max_attempts) {
  ClientOptions options;
  options.retry_policy.max_attempts = max_attempts;
  options.retry_policy.initial_backoff = absl::Milliseconds(100);
  options.retry_policy.max_backoff = absl::Milliseconds(250);
  options.retry_policy.backoff_multiplier = 2.0;
  return options;
}

TEST(BackoffBoundTest, GrowsByTheMultiplierUpToTheMaximum) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(700);
  policy.backoff_multiplier = 3.0;
  EXPECT_EQ(BackoffBound(policy, 1), absl::Milliseconds(100));
  EXPECT_EQ(BackoffBound(policy, 2), absl::Milliseconds(300));
  EXPECT_EQ(BackoffBound(policy, 3), absl::Milliseconds(700));
  EXPECT_EQ(BackoffBound(policy, 50), absl::Milliseconds(700));
}

TEST(BackoffBoundTest, MultiplierBelowOneCountsAsOne) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.backoff_multiplier = 0.1;
  EXPECT_EQ(BackoffBound(policy, 4), absl::Milliseconds(100));
}

TEST(RunWithRetriesTest, SuccessOnTheFirstAttemptNeverSleeps) {
  FakeTime time;
  int attempts = 0;
  absl::Status status = RunWithRetries(
      FastRetries(4), Idempotency::kIdempotent,
      [&](grpc::ClientContext&) {
        ++attempts;
        return grpc::Status::OK;
      },
      time.clock());
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(time.sleeps().empty());
}

TEST(RunWithRetriesTest, RetriesUnavailableOfIdempotentCallsWithJitteredWaits) {
  FakeTime time;
  int attempts = 0;
  absl::Status status = RunWithRetries(
      FastRetries(5), Idempotency::kIdempotent,
      [&](grpc::ClientContext&) {
        return ++attempts < 4 ? kUnavailable : grpc::Status::OK;
      },
      time.clock());
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 4);
  ASSERT_EQ(time.sleeps().size(), 3u);
  // Bounds 100, 200, 250 (capped) ms; each wait in [bound/2, bound).
  const absl::Duration bounds[] = {absl::Milliseconds(100),
                                   absl::Milliseconds(200),
                                   absl::Milliseconds(250)};
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(time.sleeps()[i], bounds[i] / 2) << i;
    EXPECT_LT(time.sleeps()[i], bounds[i]) << i;
  }
}

TEST(RunWithRetriesTest, NonIdempotentCallsAreTriedOnce) {
  FakeTime time;
  int attempts = 0;
  absl::Status status = RunWithRetries(
      FastRetries(5), Idempotency::kNonIdempotent,
      [&](grpc::ClientContext&) {
        ++attempts;
        return kUnavailable;
      },
      time.clock());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "down");
  EXPECT_EQ(attempts, 1);
}

TEST(RunWithRetriesTest, CodesOtherThanUnavailableAreNeverRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::ABORTED, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::UNKNOWN}) {
    FakeTime time;
    int attempts = 0;
    absl::Status status = RunWithRetries(
        FastRetries(5), Idempotency::kIdempotent,
        [&](grpc::ClientContext&) {
          ++attempts;
          return grpc::Status(code, "no");
        },
        time.clock());
    EXPECT_EQ(static_cast<int>(status.code()), static_cast<int>(code));
    EXPECT_EQ(attempts, 1) << status;
  }
}

TEST(RunWithRetriesTest, GivesUpAfterMaxAttemptsAndSaysSo) {
  FakeTime time;
  int attempts = 0;
  absl::Status status = RunWithRetries(
      FastRetries(3), Idempotency::kIdempotent,
      [&](grpc::ClientContext&) {
        ++attempts;
        return kUnavailable;
      },
      time.clock());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "down (gave up after 3 attempts)");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(time.sleeps().size(), 2u);
}

TEST(RunWithRetriesTest, MaxAttemptsBelowOneMeansOneAttempt) {
  FakeTime time;
  int attempts = 0;
  absl::Status status = RunWithRetries(
      FastRetries(0), Idempotency::kIdempotent,
      [&](grpc::ClientContext&) {
        ++attempts;
        return kUnavailable;
      },
      time.clock());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 1);
}

TEST(RunWithRetriesTest, NoRetryWhoseWaitWouldEndPastTheDeadline) {
  FakeTime time;
  ClientOptions options = FastRetries(10);
  options.timeout = absl::Seconds(1);
  options.retry_policy.initial_backoff = absl::Milliseconds(800);
  options.retry_policy.max_backoff = absl::Seconds(10);
  int attempts = 0;
  absl::Status status = RunWithRetries(
      options, Idempotency::kIdempotent,
      [&](grpc::ClientContext&) {
        ++attempts;
        return kUnavailable;
      },
      time.clock());
  // The first wait is 400-800 ms and fits; the second (800-1600 ms) would
  // end past the 1 s deadline.
  EXPECT_EQ(attempts, 2);
  ASSERT_EQ(time.sleeps().size(), 1u);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("gave up after 2 attempts"));
}

TEST(RunWithRetriesTest, EveryAttemptGetsAFreshContextWithDeadlineAndToken) {
  FakeTime time;
  ClientOptions options = FastRetries(3);
  options.timeout = absl::Seconds(7);
  options.bearer_token = "t0ken";
  std::vector<std::chrono::system_clock::time_point> deadlines;
  absl::Status status = RunWithRetries(
      options, Idempotency::kIdempotent,
      [&](grpc::ClientContext& context) {
        grpc::testing::ClientContextTestPeer peer(&context);
        EXPECT_THAT(peer.GetSendInitialMetadata(),
                    ElementsAre(Pair("authorization", "Bearer t0ken")));
        deadlines.push_back(context.deadline());
        return kUnavailable;
      },
      time.clock());
  ASSERT_EQ(deadlines.size(), 3u);
  // One deadline for the whole call: now + timeout on the fake clock.
  const auto expected = absl::ToChronoTime(
      absl::FromUnixSeconds(1'700'000'000) + absl::Seconds(7));
  for (const auto& deadline : deadlines) EXPECT_EQ(deadline, expected);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST(RunWithRetriesTest, WithoutTokenNoAuthorizationIsSent) {
  int attempts = 0;
  absl::Status status =
      RunWithRetries(FastRetries(1), Idempotency::kIdempotent,
                     [&](grpc::ClientContext& context) {
                       grpc::testing::ClientContextTestPeer peer(&context);
                       EXPECT_TRUE(peer.GetSendInitialMetadata().empty());
                       ++attempts;
                       return grpc::Status::OK;
                     });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 1);
}

TEST(RunWithRetriesTest, InfiniteTimeoutSetsNoDeadline) {
  ClientOptions options = FastRetries(1);
  options.timeout = absl::InfiniteDuration();
  int attempts = 0;
  absl::Status status = RunWithRetries(
      options, Idempotency::kIdempotent, [&](grpc::ClientContext& context) {
        EXPECT_EQ(context.deadline(),
                  std::chrono::system_clock::time_point::max());
        ++attempts;
        return grpc::Status::OK;
      });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 1);
}

TEST(ToAbslStatusTest, KeepsCodeMessageAndEveryDetailAsPayload) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("update_mask.paths[0]");
  violation->set_description("\"colour\" is not a field");
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("invalid update_mask");
  details.add_details()->PackFrom(bad_request);
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid update_mask",
                   details.SerializeAsString()));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid update_mask");
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(std::string(*payload)));
  EXPECT_EQ(parsed.field_violations(0).field(), "update_mask.paths[0]");
}

TEST(ToAbslStatusTest, GarbageDetailsAreIgnored) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::INTERNAL, "oops", "\xff\xff not proto"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), "oops");
}

}  // namespace
}  // namespace ndes::client::internal
