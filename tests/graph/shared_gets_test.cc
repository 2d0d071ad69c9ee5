#include "graph/shared_gets.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "graph/paced_test.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::PacedTest;
using ::ndes::store::CallContext;
using ::ndes::v1::NdesConnector;
using ::testing::SizeIs;

class RecordingFetcher final : public SharedGets::Fetcher {
 public:
  struct Fetch {
    CallContext context;
    std::string id;
    store::StoreCallback<NdesConnector> done;
  };
  void FetchAdmitted(const CallContext& context, std::string id,
                     store::StoreCallback<NdesConnector> done) override {
    fetches.push_back({context, std::move(id), std::move(done)});
  }
  void Answer(std::size_t i) {
    NdesConnector connector;
    connector.set_id(fetches[i].id);
    connector.set_etag("W/\"" + std::to_string(i) + "\"");
    std::move(fetches[i].done)(connector);
  }
  std::vector<Fetch> fetches;
};

class SharedGetsTest : public PacedTest {
 protected:
  ~SharedGetsTest() override { ShutDownPacer(); }

  void Make(RequestBudget budget, bool share_credentials = true) {
    MakePacer(budget, absl::ZeroDuration());
    gets_ =
        std::make_unique<SharedGets>(pacer_.get(), &fetcher_, stats_,
                                     share_credentials, clock_.AsFunction());
  }
  std::size_t Get(const std::string& id, std::string authorization = "",
                  absl::Duration deadline = absl::InfiniteDuration()) {
    const std::size_t index = answers_.size();
    answers_.emplace_back(absl::UnknownError("not answered"));
    CallContext context;
    context.authorization = std::move(authorization);
    context.deadline = clock_.Now() + deadline;
    gets_->Get(context, id, [this, index](absl::StatusOr<NdesConnector> got) {
      answers_[index] = std::move(got);
    });
    return index;
  }

  RecordingFetcher fetcher_;
  std::unique_ptr<SharedGets> gets_;
  std::vector<absl::StatusOr<NdesConnector>> answers_;
};

TEST_F(SharedGetsTest, GetsWaitingForTheBudgetShareOneGet) {
  Make({0, 1, absl::Seconds(1)});  // one request a second
  Get("busy");                     // sent at once: the budget's turn
  Get("ndes-1");
  Get("ndes-1");
  Get("ndes-1");
  ASSERT_THAT(fetcher_.fetches, SizeIs(1));
  scheduler_.RunNext();
  ASSERT_THAT(fetcher_.fetches, SizeIs(2));
  EXPECT_EQ(fetcher_.fetches[1].id, "ndes-1");
  fetcher_.Answer(1);
  for (std::size_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(answers_[i].ok()) << i;
    EXPECT_EQ(answers_[i]->etag(), "W/\"1\"");
  }
  EXPECT_EQ(stats_->shared_gets_total().Get().Value(), 2);
}

TEST_F(SharedGetsTest, AGetAfterTheSharedGetWasSentWaitsForItsOwn) {
  Make({0, 1, absl::Seconds(1)});
  Get("ndes-1");  // sent at once
  Get("ndes-1");  // cannot join a GET already sent
  ASSERT_THAT(fetcher_.fetches, SizeIs(1));
  scheduler_.RunNext();
  EXPECT_THAT(fetcher_.fetches, SizeIs(2));
}

TEST_F(SharedGetsTest, PassthroughCallersShareOnlyWithTheSameCredentials) {
  Make({0, 1, absl::Seconds(1)}, /*share_credentials=*/false);
  Get("busy");
  Get("ndes-1", "Bearer x");
  Get("ndes-1", "Bearer y");
  Get("ndes-1", "Bearer x");
  while (scheduler_.RunNext() && fetcher_.fetches.size() < 3) {
  }
  ASSERT_THAT(fetcher_.fetches, SizeIs(3));
  EXPECT_EQ(fetcher_.fetches[1].context.authorization, "Bearer x");
  EXPECT_EQ(fetcher_.fetches[2].context.authorization, "Bearer y");
  EXPECT_EQ(stats_->shared_gets_total().Get().Value(), 1);
}

TEST_F(SharedGetsTest, AGetThatCannotMeetItsDeadlineIsRefusedAtOnce) {
  Make({0, 1, absl::Seconds(1)});
  Get("busy");
  Get("ndes-1", "", absl::Milliseconds(500));
  EXPECT_EQ(answers_[1].status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(fetcher_.fetches, SizeIs(1));
}

TEST_F(SharedGetsTest, WithPacingOffEveryGetIsSentAtOnce) {
  Make(RequestBudget::Off());
  Get("ndes-1");
  Get("ndes-1");
  EXPECT_THAT(fetcher_.fetches, SizeIs(2));
}

}  // namespace
}  // namespace ndes::graph
