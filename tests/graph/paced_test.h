// The set-up the unit tests of the request budget share: a clock and a
// scheduler that move only when the test says so (manual_scheduler.h),
// Graph's metrics on a registry of their own, and a RequestPacer over them.
//
//   class MyTest : public PacedTest {
//    protected:
//     ~MyTest() override { ShutDownPacer(); }
//     void Make(RequestBudget budget) {
//       MakePacer(budget, absl::ZeroDuration());
//       unit_ = std::make_unique<Unit>(pacer_.get(), stats_, ...);
//     }
//   };
#ifndef NDES_TESTS_GRAPH_PACED_TEST_H_
#define NDES_TESTS_GRAPH_PACED_TEST_H_

#include <memory>

#include "absl/time/time.h"
#include "graph/graph_stats.h"
#include "graph/manual_scheduler.h"
#include "graph/request_pacer.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"

namespace ndes::graph::testing {

class PacedTest : public ::testing::Test {
 protected:
  // A pacer for `budget`, on the test's clock and scheduler.
  void MakePacer(RequestBudget budget, absl::Duration deadline_margin) {
    RequestPacerOptions options;
    options.budget = budget;
    options.deadline_margin = deadline_margin;
    options.clock = clock_.AsFunction();
    pacer_ = std::make_unique<RequestPacer>(options, &scheduler_, stats_);
  }

  // As GraphConnectorStore does: pending timers run now, and see the
  // shutdown, while the pacer is alive (the scheduler, destroyed after the
  // pacer, would otherwise run them on a freed pacer). Each test's
  // destructor calls it, before what the timers' work reaches is destroyed.
  void ShutDownPacer() {
    if (pacer_ != nullptr) pacer_->Shutdown();
    scheduler_.RunAll();
  }

  ManualClock clock_;
  ManualScheduler scheduler_{&clock_};
  observability::MetricsRegistry registry_;
  std::shared_ptr<GraphStats> stats_ = GraphStats::Create(registry_);
  std::unique_ptr<RequestPacer> pacer_;
};

}  // namespace ndes::graph::testing

#endif  // NDES_TESTS_GRAPH_PACED_TEST_H_
