#include "graph/connector_write_lanes.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "graph/paced_test.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"
#include "store/store_test_support.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::PacedTest;
using ::ndes::store::CallContext;
using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::RenameCommand;
using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Records the writes the lanes run; the test answers them.
class RecordingExecutor final : public ConnectorWriteLanes::Executor {
 public:
  struct Run {
    CallContext context;
    UpdateCommand command;  // for a delete: id and expected_etag
    bool is_delete = false;
    GraphTransport::Admission admission;
    store::StoreCallback<NdesConnector> update_done;
    store::StatusCallback delete_done;
  };

  void RunUpdate(const CallContext& context, UpdateCommand command,
                 GraphTransport::Admission admission,
                 store::StoreCallback<NdesConnector> done) override {
    runs.push_back({context, std::move(command), false, admission,
                    std::move(done), nullptr});
  }
  void RunDelete(const CallContext& context, std::string id,
                 std::string expected_etag, GraphTransport::Admission admission,
                 store::StatusCallback done) override {
    UpdateCommand command;
    command.id = std::move(id);
    command.expected_etag = std::move(expected_etag);
    runs.push_back({context, std::move(command), true, admission, nullptr,
                    std::move(done)});
  }

  // Answers run `i` with the connector its command describes.
  void Succeed(std::size_t i) {
    NdesConnector stored = runs[i].command.values;
    stored.set_id(runs[i].command.id);
    stored.set_etag("W/\"" + std::to_string(i) + "\"");
    if (runs[i].is_delete) {
      std::move(runs[i].delete_done)(absl::OkStatus());
    } else {
      std::move(runs[i].update_done)(stored);
    }
  }
  void Fail(std::size_t i, absl::Status status) {
    std::move(runs[i].update_done)(std::move(status));
  }

  std::vector<Run> runs;
};

class ConnectorWriteLanesTest : public PacedTest {
 protected:
  ~ConnectorWriteLanesTest() override { ShutDownPacer(); }

  void Make(RequestBudget budget, bool share_credentials = true) {
    MakePacer(budget, absl::ZeroDuration());
    lanes_ = std::make_unique<ConnectorWriteLanes>(pacer_.get(), &executor_,
                                                   stats_, share_credentials,
                                                   clock_.AsFunction());
  }

  // Submits an update; its answer lands in answers_[index].
  std::size_t Update(UpdateCommand command,
                     absl::Duration deadline = absl::InfiniteDuration(),
                     std::string authorization = "") {
    const std::size_t index = answers_.size();
    answers_.emplace_back(absl::UnknownError("not answered"));
    CallContext context;
    context.deadline = clock_.Now() + deadline;
    context.authorization = std::move(authorization);
    lanes_->Update(context, std::move(command),
                   [this, index](absl::StatusOr<NdesConnector> result) {
                     answers_[index] = std::move(result);
                   });
    return index;
  }
  std::size_t Delete(const std::string& id, const std::string& etag = "") {
    const std::size_t index = answers_.size();
    answers_.emplace_back(absl::UnknownError("not answered"));
    lanes_->Delete(CallContext(), id, etag, [this, index](absl::Status status) {
      if (status.ok()) {
        answers_[index] = NdesConnector();  // deleted
      } else {
        answers_[index] = std::move(status);
      }
    });
    return index;
  }

  RecordingExecutor executor_;
  std::unique_ptr<ConnectorWriteLanes> lanes_;
  std::vector<absl::StatusOr<NdesConnector>> answers_;
};

TEST_F(ConnectorWriteLanesTest, UpdatesWaitingBehindOneUnderWayAreMerged) {
  Make(RequestBudget::Off());
  Update(RenameCommand("ndes-1", "a"));
  // "a" is under way; these wait in the lane and merge.
  UpdateCommand machine;
  machine.id = "ndes-1";
  machine.fields.Add(v1::ConnectorField::kMachineName);
  machine.values.set_machine_name("m.contoso.com");
  Update(RenameCommand("ndes-1", "b"));
  Update(std::move(machine));
  Update(RenameCommand("ndes-1", "c"));
  ASSERT_THAT(executor_.runs, SizeIs(1));
  EXPECT_EQ(executor_.runs[0].admission, GraphTransport::Admission::kAdmitted);
  executor_.Succeed(0);

  ASSERT_THAT(executor_.runs, SizeIs(2));
  const UpdateCommand& merged = executor_.runs[1].command;
  EXPECT_EQ(merged.values.display_name(), "c");
  EXPECT_EQ(merged.values.machine_name(), "m.contoso.com");
  EXPECT_EQ(merged.fields,
            v1::ConnectorFieldSet({v1::ConnectorField::kDisplayName,
                                   v1::ConnectorField::kMachineName}));
  EXPECT_EQ(stats_->coalesced_updates_total().Get().Value(), 2);
  executor_.Succeed(1);
  // Every merged caller gets the connector as stored after the merged write.
  for (std::size_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(answers_[i].ok()) << i;
    EXPECT_EQ(answers_[i]->etag(), "W/\"1\"");
  }
  EXPECT_EQ(answers_[0]->etag(), "W/\"0\"");
}

TEST_F(ConnectorWriteLanesTest, ConditionalUpdatesAndDeletesAreNeverMerged) {
  Make(RequestBudget::Off());
  Update(RenameCommand("ndes-1", "first"));
  Update(RenameCommand("ndes-1", "conditional", "W/\"0\""));
  Update(RenameCommand("ndes-1", "after"));
  Delete("ndes-1");
  Update(RenameCommand("ndes-1", "last"));
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_THAT(executor_.runs, SizeIs(i + 1)) << "one at a time";
    executor_.Succeed(i);
  }
  EXPECT_EQ(executor_.runs[1].command.expected_etag, "W/\"0\"");
  EXPECT_TRUE(executor_.runs[3].is_delete);
  EXPECT_EQ(executor_.runs[4].command.values.display_name(), "last");
  EXPECT_EQ(stats_->coalesced_updates_total().Get().Value(), 0);
}

TEST_F(ConnectorWriteLanesTest, OtherConnectorsDoNotWait) {
  Make(RequestBudget::Off());
  Update(RenameCommand("ndes-1", "a"));
  Update(RenameCommand("ndes-2", "b"));
  EXPECT_THAT(executor_.runs, SizeIs(2));
}

TEST_F(ConnectorWriteLanesTest, CallersWithOtherCredentialsAreNotMerged) {
  Make(RequestBudget::Off(), /*share_credentials=*/false);
  Update(RenameCommand("ndes-1", "a"), absl::InfiniteDuration(), "Bearer x");
  Update(RenameCommand("ndes-1", "b"), absl::InfiniteDuration(), "Bearer x");
  Update(RenameCommand("ndes-1", "c"), absl::InfiniteDuration(), "Bearer y");
  Update(RenameCommand("ndes-1", "d"), absl::InfiniteDuration(), "Bearer y");
  for (std::size_t i = 0; i < 3; ++i) executor_.Succeed(i);
  ASSERT_THAT(executor_.runs, SizeIs(3));
  EXPECT_EQ(executor_.runs[1].context.authorization, "Bearer x");
  EXPECT_EQ(executor_.runs[2].context.authorization, "Bearer y");
  EXPECT_EQ(executor_.runs[2].command.values.display_name(), "d");
}

TEST_F(ConnectorWriteLanesTest, AMergedUpdateGraphRefusesIsSentOneByOne) {
  Make(RequestBudget::Off());
  Update(RenameCommand("ndes-1", "first"));
  Update(RenameCommand("ndes-1", "good"));
  Update(RenameCommand("ndes-1", "bad"));
  executor_.Succeed(0);
  ASSERT_THAT(executor_.runs, SizeIs(2));
  executor_.Fail(1, absl::InvalidArgumentError("Graph answered 400"));
  ASSERT_THAT(executor_.runs, SizeIs(3));
  EXPECT_EQ(executor_.runs[2].command.values.display_name(), "good");
  EXPECT_EQ(executor_.runs[2].admission, GraphTransport::Admission::kFront);
  executor_.Succeed(2);
  ASSERT_THAT(executor_.runs, SizeIs(4));
  EXPECT_EQ(executor_.runs[3].command.values.display_name(), "bad");
  executor_.Fail(3, absl::InvalidArgumentError("Graph answered 400"));
  EXPECT_TRUE(answers_[1].ok());
  EXPECT_EQ(answers_[2].status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConnectorWriteLanesTest, ACallThatCannotMeetItsDeadlineIsRefusedAtOnce) {
  Make({1, 100, absl::Seconds(1)});
  Update(RenameCommand("ndes-1", "a"));
  Update(RenameCommand("ndes-2", "b"), absl::Seconds(5));  // waits 1 s
  Update(RenameCommand("ndes-3", "c"), absl::Milliseconds(1500));
  EXPECT_EQ(answers_[2].status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(translation::RetryDelayOf(answers_[2].status()), absl::Seconds(2));
  // Joining a merge does not help a call that cannot wait for it either.
  Update(RenameCommand("ndes-2", "b2"), absl::Milliseconds(500));
  EXPECT_EQ(answers_[3].status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(stats_->budget_refusals_total().Get().Value(), 2);
  ASSERT_THAT(executor_.runs, SizeIs(1));
  scheduler_.RunNext();
  ASSERT_THAT(executor_.runs, SizeIs(2));
  EXPECT_EQ(executor_.runs[1].command.values.display_name(), "b");
}

TEST_F(ConnectorWriteLanesTest, ACallWhoseDeadlinePassedWhileWaitingIsLeftOut) {
  Make({1, 100, absl::Seconds(1)});
  Update(RenameCommand("ndes-1", "a"));
  Update(RenameCommand("ndes-2", "b"));
  Update(RenameCommand("ndes-2", "c"), absl::Seconds(2));
  clock_.Advance(absl::Seconds(3));
  scheduler_.RunDue();
  ASSERT_THAT(executor_.runs, SizeIs(2));
  EXPECT_EQ(executor_.runs[1].command.values.display_name(), "b");
  EXPECT_EQ(answers_[2].status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ConnectorWriteLanesTest, ShutdownAnswersEveryWaitingCall) {
  Make({1, 100, absl::Seconds(1)});
  Update(RenameCommand("ndes-1", "a"));
  Update(RenameCommand("ndes-2", "b"));
  Update(RenameCommand("ndes-2", "c"));
  Delete("ndes-3");
  pacer_->Shutdown();
  for (std::size_t i = 1; i < answers_.size(); ++i) {
    EXPECT_EQ(answers_[i].status().code(), absl::StatusCode::kUnavailable) << i;
  }
  executor_.Succeed(0);
  EXPECT_TRUE(answers_[0].ok());
}

}  // namespace
}  // namespace ndes::graph
