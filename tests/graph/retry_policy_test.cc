#include "graph/retry_policy.h"

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/http_client.h"

namespace ndes::graph {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::Le;
using ::testing::Optional;

// A fixed "now", so that dates are exact.
const absl::Time kNow = absl::FromUnixSeconds(1795860930);  // 2026-11-28

http::HttpResponse Answer(int status,
                          std::optional<std::string> retry_after = {}) {
  http::HttpResponse response;
  response.status_code = status;
  if (retry_after.has_value()) {
    response.headers.emplace_back("retry-after", *retry_after);
  }
  return response;
}

std::string ImfFixdate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time,
                          absl::UTCTimeZone());
}

RetryPolicy Policy(int max_attempts = 5,
                   absl::Duration initial = absl::Milliseconds(100),
                   absl::Duration max = absl::Seconds(1)) {
  RetryPolicy policy;
  policy.max_attempts = max_attempts;
  policy.initial_backoff = initial;
  policy.max_backoff = max;
  return policy;
}

absl::BitGen SeededGen(int seed) {
  std::seed_seq seq{seed};
  return absl::BitGen(seq);
}

// --- IsRetryableHttpStatus ---------------------------------------------------

TEST(IsRetryableHttpStatusTest, ThrottlingAndTransientOutagesAreRetried) {
  EXPECT_TRUE(IsRetryableHttpStatus(429));
  EXPECT_TRUE(IsRetryableHttpStatus(503));
  EXPECT_TRUE(IsRetryableHttpStatus(504));
}

TEST(IsRetryableHttpStatusTest, EveryOtherStatusIsNotRetried) {
  for (int status : {0, 200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 412,
                     500, 501, 502, 505}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(IsRetryableHttpStatus(status));
  }
}

// --- RetryAfter ----------------------------------------------------------

TEST(RetryAfterTest, AbsentHeaderIsNothing) {
  EXPECT_EQ(RetryAfter(Answer(429), kNow), std::nullopt);
}

TEST(RetryAfterTest, DeltaSecondsAreADuration) {
  EXPECT_THAT(RetryAfter(Answer(429, "5"), kNow), Optional(absl::Seconds(5)));
  EXPECT_THAT(RetryAfter(Answer(429, "0"), kNow),
              Optional(absl::ZeroDuration()));
  EXPECT_THAT(RetryAfter(Answer(503, "120"), kNow),
              Optional(absl::Seconds(120)));
}

TEST(RetryAfterTest, SurroundingWhitespaceIsIgnored) {
  EXPECT_THAT(RetryAfter(Answer(429, " 7 "), kNow), Optional(absl::Seconds(7)));
}

TEST(RetryAfterTest, HeaderNameIsCaseInsensitive) {
  http::HttpResponse response = Answer(429);
  response.headers.emplace_back("Retry-After", "3");
  EXPECT_THAT(RetryAfter(response, kNow), Optional(absl::Seconds(3)));
}

TEST(RetryAfterTest, ImfFixdateIsTheTimeFromNow) {
  EXPECT_THAT(
      RetryAfter(Answer(503, ImfFixdate(kNow + absl::Seconds(30))), kNow),
      Optional(absl::Seconds(30)));
  EXPECT_THAT(RetryAfter(Answer(503, "Sat, 28 Nov 2026 10:16:00 GMT"),
                         absl::FromUnixSeconds(1795860930)),
              Optional(absl::Seconds(30)));
}

TEST(RetryAfterTest, DateInThePastIsZero) {
  EXPECT_THAT(RetryAfter(Answer(503, ImfFixdate(kNow - absl::Hours(1))), kNow),
              Optional(absl::ZeroDuration()));
  EXPECT_THAT(RetryAfter(Answer(503, "Sun, 06 Nov 1994 08:49:37 GMT"), kNow),
              Optional(absl::ZeroDuration()));
}

TEST(RetryAfterTest, InvalidValuesAreNothing) {
  for (const char* value :
       {"", " ", "soon", "-1", "1.5", "5s", "0x10", "+5", "5 6",
        "Sat, 99 Nov 2026 10:16:00 GMT", "2026-11-28T10:16:00Z",
        "Sat, 28 Nov 2026 10:16:00", "\x01\x02"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(RetryAfter(Answer(429, value), kNow), std::nullopt);
  }
}

TEST(RetryAfterTest, AbsurdlyLargeSecondsDoNotOverflow) {
  // Either refused or a (huge) positive wait; never negative, never a crash.
  for (const char* value :
       {"99999999999999999999999999", "9223372036854775807"}) {
    SCOPED_TRACE(value);
    std::optional<absl::Duration> wait = RetryAfter(Answer(429, value), kNow);
    if (wait.has_value()) {
      EXPECT_GT(*wait, absl::Hours(24));
    }
  }
}

// --- NextRetryDelay ----------------------------------------------------------

TEST(NextRetryDelayTest, NonRetryableStatusIsNeverRetried) {
  absl::BitGen gen = SeededGen(1);
  for (int status : {200, 400, 401, 404, 409, 412, 500, 502}) {
    SCOPED_TRACE(status);
    EXPECT_EQ(NextRetryDelay(Policy(), 1, Answer(status, "1"), kNow,
                             absl::InfiniteFuture(), gen),
              std::nullopt);
  }
}

TEST(NextRetryDelayTest, RetryAfterIsHonouredExactly) {
  absl::BitGen gen = SeededGen(2);
  EXPECT_THAT(NextRetryDelay(Policy(), 1, Answer(429, "2"), kNow,
                             absl::InfiniteFuture(), gen),
              Optional(absl::Seconds(2)));
  EXPECT_THAT(NextRetryDelay(Policy(), 3, Answer(503, "0"), kNow,
                             absl::InfiniteFuture(), gen),
              Optional(absl::ZeroDuration()));
  EXPECT_THAT(NextRetryDelay(Policy(), 1,
                             Answer(503, ImfFixdate(kNow + absl::Seconds(4))),
                             kNow, absl::InfiniteFuture(), gen),
              Optional(absl::Seconds(4)));
}

TEST(NextRetryDelayTest, RetryAfterLongerThanTheBackoffCapIsStillHonoured) {
  // max_backoff bounds the computed back-off, not what Graph asked for.
  absl::BitGen gen = SeededGen(3);
  EXPECT_THAT(
      NextRetryDelay(Policy(5, absl::Milliseconds(10), absl::Milliseconds(50)),
                     1, Answer(429, "30"), kNow, absl::InfiniteFuture(), gen),
      Optional(absl::Seconds(30)));
}

TEST(NextRetryDelayTest, NonsensicalRetryAfterIsNeverWaitedInFull) {
  absl::BitGen gen = SeededGen(4);
  RetryPolicy policy = Policy();
  policy.max_retry_after = absl::Seconds(120);
  EXPECT_THAT(NextRetryDelay(policy, 1, Answer(429, "259200"), kNow,
                             absl::InfiniteFuture(), gen),
              AnyOf(Eq(std::nullopt), Optional(Le(absl::Seconds(120)))));
}

TEST(NextRetryDelayTest, InvalidRetryAfterFallsBackToBackoff) {
  absl::BitGen gen = SeededGen(5);
  for (int i = 0; i < 100; ++i) {
    EXPECT_THAT(NextRetryDelay(Policy(), 1, Answer(429, "soon"), kNow,
                               absl::InfiniteFuture(), gen),
                Optional(Le(absl::Milliseconds(100))));
  }
}

TEST(NextRetryDelayTest, BackoffIsFullJitterWithinTheExponentialCeiling) {
  const RetryPolicy policy =
      Policy(100, absl::Milliseconds(100), absl::Seconds(1));
  absl::BitGen gen = SeededGen(6);
  // attempt -> min(max_backoff, initial_backoff * 2^(attempt-1))
  const std::vector<std::pair<int, absl::Duration>> ceilings = {
      {1, absl::Milliseconds(100)}, {2, absl::Milliseconds(200)},
      {3, absl::Milliseconds(400)}, {4, absl::Milliseconds(800)},
      {5, absl::Seconds(1)},        {6, absl::Seconds(1)},
      {50, absl::Seconds(1)}};
  for (const auto& [attempt, ceiling] : ceilings) {
    SCOPED_TRACE(absl::StrCat("attempt ", attempt));
    absl::Duration smallest = absl::InfiniteDuration();
    absl::Duration largest = -absl::InfiniteDuration();
    for (int i = 0; i < 2000; ++i) {
      std::optional<absl::Duration> delay = NextRetryDelay(
          policy, attempt, Answer(503), kNow, absl::InfiniteFuture(), gen);
      ASSERT_TRUE(delay.has_value());
      ASSERT_GE(*delay, absl::ZeroDuration());
      ASSERT_LE(*delay, ceiling);
      smallest = std::min(smallest, *delay);
      largest = std::max(largest, *delay);
    }
    // Full jitter: the whole range [0, ceiling] is used, not just its top
    // half (which "equal jitter" would give).
    EXPECT_LT(smallest, ceiling / 10);
    EXPECT_GT(largest, ceiling * 9 / 10);
  }
}

TEST(NextRetryDelayTest, BackoffDoesNotOverflowAfterManyAttempts) {
  absl::BitGen gen = SeededGen(7);
  const RetryPolicy policy =
      Policy(1 << 20, absl::Milliseconds(100), absl::Seconds(10));
  for (int attempt : {63, 64, 65, 1000, 100000}) {
    SCOPED_TRACE(attempt);
    std::optional<absl::Duration> delay = NextRetryDelay(
        policy, attempt, Answer(429), kNow, absl::InfiniteFuture(), gen);
    ASSERT_TRUE(delay.has_value());
    EXPECT_GE(*delay, absl::ZeroDuration());
    EXPECT_LE(*delay, absl::Seconds(10));
  }
}

TEST(NextRetryDelayTest, BackoffComesFromTheCallersRandomSource) {
  absl::BitGen first = SeededGen(42);
  absl::BitGen second = SeededGen(42);
  for (int attempt = 1; attempt <= 4; ++attempt) {
    EXPECT_EQ(NextRetryDelay(Policy(), attempt, Answer(503), kNow,
                             absl::InfiniteFuture(), first),
              NextRetryDelay(Policy(), attempt, Answer(503), kNow,
                             absl::InfiniteFuture(), second));
  }
}

TEST(NextRetryDelayTest, MaxAttemptsCountsTheFirstAttempt) {
  absl::BitGen gen = SeededGen(8);
  const RetryPolicy policy = Policy(3);
  EXPECT_TRUE(NextRetryDelay(policy, 1, Answer(429, "0"), kNow,
                             absl::InfiniteFuture(), gen)
                  .has_value());
  EXPECT_TRUE(NextRetryDelay(policy, 2, Answer(429, "0"), kNow,
                             absl::InfiniteFuture(), gen)
                  .has_value());
  EXPECT_EQ(NextRetryDelay(policy, 3, Answer(429, "0"), kNow,
                           absl::InfiniteFuture(), gen),
            std::nullopt);
  EXPECT_EQ(NextRetryDelay(policy, 4, Answer(429, "0"), kNow,
                           absl::InfiniteFuture(), gen),
            std::nullopt);
}

TEST(NextRetryDelayTest, OneAttemptMeansNoRetry) {
  absl::BitGen gen = SeededGen(9);
  EXPECT_EQ(NextRetryDelay(Policy(1), 1, Answer(503, "0"), kNow,
                           absl::InfiniteFuture(), gen),
            std::nullopt);
}

TEST(NextRetryDelayTest, RetryAfterPastTheDeadlineIsNotRetried) {
  absl::BitGen gen = SeededGen(10);
  EXPECT_EQ(NextRetryDelay(Policy(), 1, Answer(429, "5"), kNow,
                           kNow + absl::Seconds(2), gen),
            std::nullopt);
  EXPECT_EQ(NextRetryDelay(Policy(), 1, Answer(429, "2"), kNow,
                           kNow + absl::Seconds(2), gen),
            std::nullopt);
  EXPECT_THAT(NextRetryDelay(Policy(), 1, Answer(429, "1"), kNow,
                             kNow + absl::Seconds(2), gen),
              Optional(absl::Seconds(1)));
}

TEST(NextRetryDelayTest, BackoffNeverEndsPastTheDeadline) {
  absl::BitGen gen = SeededGen(11);
  const RetryPolicy policy =
      Policy(10, absl::Seconds(1), absl::Seconds(1));  // ceiling 1s
  const absl::Time deadline = kNow + absl::Milliseconds(50);
  int retried = 0;
  for (int i = 0; i < 2000; ++i) {
    std::optional<absl::Duration> delay =
        NextRetryDelay(policy, 1, Answer(503), kNow, deadline, gen);
    if (delay.has_value()) {
      ++retried;
      EXPECT_LT(kNow + *delay, deadline);
    }
  }
  // About 5% of draws fit before the deadline; the rest are refused.
  EXPECT_GT(retried, 0);
  EXPECT_LT(retried, 1000);
}

TEST(NextRetryDelayTest, DeadlineAlreadyPassedIsNeverRetried) {
  absl::BitGen gen = SeededGen(12);
  for (const char* retry_after : {"0", "1"}) {
    EXPECT_EQ(NextRetryDelay(Policy(), 1, Answer(429, retry_after), kNow,
                             kNow - absl::Milliseconds(1), gen),
              std::nullopt);
  }
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(NextRetryDelay(Policy(), 1, Answer(503), kNow, kNow, gen),
              std::nullopt);
  }
}

}  // namespace
}  // namespace ndes::graph
