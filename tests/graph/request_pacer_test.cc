#include "graph/request_pacer.h"

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "graph/paced_test.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::PacedTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Kind = UpstreamRequestKind;
using Place = RequestPacer::Place;

class RequestPacerTest : public PacedTest {
 protected:
  ~RequestPacerTest() override { ShutDownPacer(); }

  void Make(RequestBudget budget) {
    MakePacer(budget, absl::Milliseconds(100));
  }

  // Queues a request with `deadline` (relative to now); records when it is
  // released, as milliseconds since the test's start.
  absl::Status Queue(Kind kind, std::string name,
                     absl::Duration deadline = absl::InfiniteDuration(),
                     Place place = Place::kBack) {
    return pacer_->Enqueue(
        kind, clock_.Now() + deadline, place,
        [this, name = std::move(name)](absl::Status status) {
          released_.push_back(
              {name, absl::ToInt64Milliseconds(clock_.Now() - start_), status});
        });
  }

  // Runs the scheduler until `count` requests were released in all.
  void RunUntilReleased(std::size_t count) {
    while (released_.size() < count && scheduler_.RunNext()) {
    }
    ASSERT_EQ(released_.size(), count);
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const Released& r : released_) names.push_back(r.name);
    return names;
  }
  std::vector<int64_t> Times() const {
    std::vector<int64_t> times;
    for (const Released& r : released_) times.push_back(r.at_ms);
    return times;
  }

  struct Released {
    std::string name;
    int64_t at_ms;
    absl::Status status;
  };

  const absl::Time start_ = clock_.Now();
  std::vector<Released> released_;
};

TEST_F(RequestPacerTest, IntuneDefaultsSpreadWritesOneEvery200Ms) {
  Make(RequestBudget());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Queue(Kind::kWrite, "w").ok());
  RunUntilReleased(5);
  EXPECT_THAT(Times(), ElementsAre(0, 200, 400, 600, 800));
}

TEST_F(RequestPacerTest, ReadsGoEvery20MsAndAreNotHeldBehindWrites) {
  Make(RequestBudget());
  ASSERT_TRUE(Queue(Kind::kWrite, "w1").ok());
  ASSERT_TRUE(Queue(Kind::kWrite, "w2").ok());
  for (const char* name : {"r1", "r2", "r3"}) {
    ASSERT_TRUE(Queue(Kind::kRead, name).ok());
  }
  RunUntilReleased(5);
  EXPECT_THAT(Names(), ElementsAre("w1", "r1", "r2", "r3", "w2"));
  EXPECT_THAT(Times(), ElementsAre(0, 20, 40, 60, 200));
}

TEST_F(RequestPacerTest, AWriteNeedsARequestTurnToo) {
  Make({10, 2, absl::Seconds(1)});  // requests are the tighter budget
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Queue(Kind::kWrite, "w").ok());
  RunUntilReleased(3);
  EXPECT_THAT(Times(), ElementsAre(0, 500, 1000));
}

TEST_F(RequestPacerTest, RefusesAtOnceWhatCannotMeetItsDeadline) {
  Make({1, 100, absl::Seconds(1)});
  ASSERT_TRUE(Queue(Kind::kWrite, "first").ok());
  absl::Status refused = Queue(Kind::kWrite, "late", absl::Milliseconds(900));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("budget"));
  EXPECT_EQ(translation::RetryDelayOf(refused), absl::Seconds(1));
  EXPECT_EQ(stats_->budget_refusals_total().Get().Value(), 1);
  // One that can wait long enough is queued.
  EXPECT_TRUE(Queue(Kind::kWrite, "patient", absl::Milliseconds(1100)).ok());
  RunUntilReleased(2);
  EXPECT_THAT(Names(), ElementsAre("first", "patient"));
}

TEST_F(RequestPacerTest, ARequestThatCanGoAtOnceIsNeverRefused) {
  Make({1, 100, absl::Seconds(1)});
  // Nothing to wait for: a deadline shorter than the margin is Graph's
  // business (the request is bounded by it), not the budget's.
  EXPECT_TRUE(Queue(Kind::kWrite, "now", absl::Milliseconds(10)).ok());
  EXPECT_THAT(Names(), ElementsAre("now"));
}

TEST_F(RequestPacerTest, FrontRequestsGoFirstAndAreNeverRefused) {
  Make({1, 100, absl::Seconds(1)});
  ASSERT_TRUE(Queue(Kind::kWrite, "a").ok());
  ASSERT_TRUE(Queue(Kind::kWrite, "b").ok());
  ASSERT_TRUE(
      Queue(Kind::kWrite, "retry", absl::Milliseconds(1), Place::kFront).ok());
  RunUntilReleased(3);
  EXPECT_THAT(Names(), ElementsAre("a", "retry", "b"));
}

TEST_F(RequestPacerTest, A429HalvesTheBudgetPausesAndRecoversAfterAWindow) {
  Make({10, 1000, absl::Seconds(1)});  // a write every 100 ms
  ASSERT_TRUE(Queue(Kind::kWrite, "w1").ok());
  pacer_->Throttled(Kind::kWrite, absl::Milliseconds(300));
  EXPECT_EQ(stats_->budget().WithLabels({"writes"}).Value(), 5);
  ASSERT_TRUE(Queue(Kind::kWrite, "w2").ok());
  ASSERT_TRUE(Queue(Kind::kWrite, "w3").ok());
  RunUntilReleased(3);
  // Paused 300 ms, then one write every 200 ms (the halved budget).
  EXPECT_THAT(Times(), ElementsAre(0, 300, 500));

  // A whole window without a 429 restores the budget.
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(Queue(Kind::kWrite, "w4").ok());
  ASSERT_TRUE(Queue(Kind::kWrite, "w5").ok());
  RunUntilReleased(5);
  EXPECT_EQ(stats_->budget().WithLabels({"writes"}).Value(), 10);
  EXPECT_EQ(released_[4].at_ms - released_[3].at_ms, 100);
}

TEST_F(RequestPacerTest, BudgetNeverShrinksBelowItsFloor) {
  Make({16, 1000, absl::Seconds(1)});
  for (int i = 0; i < 10; ++i) {
    pacer_->Throttled(Kind::kWrite, absl::ZeroDuration());
  }
  EXPECT_EQ(stats_->budget().WithLabels({"writes"}).Value(), 1);
}

TEST_F(RequestPacerTest, OffReleasesAtOnceAndNeverRefuses) {
  Make(RequestBudget::Off());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Queue(Kind::kWrite, "w", absl::Milliseconds(1)).ok());
  }
  EXPECT_EQ(released_.size(), 100u);
  EXPECT_EQ(released_.back().at_ms, 0);
  EXPECT_EQ(pacer_->EstimateSendTime(Kind::kWrite, 50), clock_.Now());
}

TEST_F(RequestPacerTest, ShutdownAnswersWhatWaitsAndRefusesMore) {
  Make({1, 100, absl::Seconds(1)});
  ASSERT_TRUE(Queue(Kind::kWrite, "sent").ok());
  ASSERT_TRUE(Queue(Kind::kWrite, "waiting").ok());
  pacer_->Shutdown();
  ASSERT_EQ(released_.size(), 2u);
  EXPECT_EQ(released_[1].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Queue(Kind::kRead, "after").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(released_.size(), 2u);
}

TEST_F(RequestPacerTest, ReportsQueueWaitAndWhatIsLeftOfTheBudgets) {
  Make({10, 100, absl::Seconds(1)});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Queue(Kind::kWrite, "w").ok());
  EXPECT_EQ(stats_->queue_length().WithLabels({"write"}).Value(), 2);
  EXPECT_EQ(stats_->budget_remaining().WithLabels({"writes"}).Value(), 9);
  RunUntilReleased(3);
  EXPECT_EQ(stats_->queue_length().WithLabels({"write"}).Value(), 0);
  EXPECT_EQ(stats_->budget_remaining().WithLabels({"writes"}).Value(), 7);
  EXPECT_EQ(stats_->budget_remaining().WithLabels({"requests"}).Value(), 97);
  const auto waits = stats_->queue_wait_seconds().WithLabels({"write"}).Read();
  EXPECT_EQ(waits.count, 3u);
  EXPECT_NEAR(waits.sum, 0.1 + 0.2, 1e-9);
  // Once the sends leave the window, the whole budget is there again.
  clock_.Advance(absl::Seconds(2));
  scheduler_.RunDue();
  EXPECT_EQ(stats_->budget_remaining().WithLabels({"writes"}).Value(), 10);
}

TEST(ValidateRequestBudgetTest, NamesTheFlagOfAnInvalidFigure) {
  EXPECT_TRUE(ValidateRequestBudget(RequestBudget()).ok());
  EXPECT_TRUE(ValidateRequestBudget(RequestBudget::Off()).ok());
  EXPECT_THAT(ValidateRequestBudget({-1, 10, absl::Seconds(1)}).message(),
              HasSubstr("--graph_write_budget"));
  EXPECT_THAT(ValidateRequestBudget({1, -10, absl::Seconds(1)}).message(),
              HasSubstr("--graph_request_budget"));
  EXPECT_THAT(ValidateRequestBudget({1, 10, absl::ZeroDuration()}).message(),
              HasSubstr("--graph_budget_window"));
}

}  // namespace
}  // namespace ndes::graph
