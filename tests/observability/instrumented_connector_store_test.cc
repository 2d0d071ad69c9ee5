#include "observability/instrumented_connector_store.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"
#include "store/memory_connector_store.h"
#include "store/store_test_support.h"

namespace ndes::observability {
namespace {

using ::ndes::store::CallContext;
using ::ndes::store::ListPage;
using ::ndes::store::StatusCallback;
using ::ndes::store::StoreCallback;
using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::SyncStore;
using ::ndes::v1::NdesConnector;
using ::testing::_;

// The registry the stores under test record into; each test uses its own
// backend label, so that counts start at zero.
MetricsRegistry& Registry() {
  static MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

CounterFamily& OperationsFamily() {
  return Registry().AddCounter("ndes_gateway_store_operations_total", "",
                               {"backend", "operation", "code"});
}

HistogramFamily& DurationFamily() {
  return Registry().AddHistogram(
      "ndes_gateway_store_operation_duration_seconds", "", LatencyBuckets(),
      {"backend", "operation"});
}
double Operations(const std::string& backend, absl::string_view operation,
                  absl::string_view code) {
  return OperationsFamily().WithLabels({backend, operation, code}).Value();
}

std::uint64_t Observed(const std::string& backend,
                       absl::string_view operation) {
  return DurationFamily().WithLabels({backend, operation}).Read().count;
}

TEST(InstrumentedConnectorStoreTest, CountsEachOperationByCode) {
  const std::string backend = "memory-counts";
  InstrumentedConnectorStore store(
      backend, std::make_unique<store::MemoryConnectorStore>(), Registry());
  SyncStore sync(store);

  ASSERT_THAT(sync.Create(SampleConnector("ndes-1")), IsOk());
  EXPECT_THAT(sync.Create(SampleConnector("ndes-1")),
              StatusIs(absl::StatusCode::kAlreadyExists, _));
  ASSERT_THAT(sync.Get("ndes-1"), IsOk());
  EXPECT_THAT(sync.Get("missing"), StatusIs(absl::StatusCode::kNotFound, _));
  EXPECT_THAT(sync.Get("missing"), StatusIs(absl::StatusCode::kNotFound, _));
  ASSERT_THAT(sync.List(10), IsOk());
  EXPECT_THAT(sync.List(10, "not-a-token"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  ASSERT_THAT(sync.Update(RenameCommand("ndes-1", "renamed")), IsOk());
  EXPECT_THAT(sync.Update(RenameCommand("ndes-1", "again", "W/\"999\"")),
              StatusIs(absl::StatusCode::kAborted, _));
  ASSERT_THAT(sync.Delete("ndes-1"), IsOk());
  EXPECT_THAT(sync.Delete("ndes-1"), StatusIs(absl::StatusCode::kNotFound, _));

  EXPECT_EQ(Operations(backend, "create", "OK"), 1);
  EXPECT_EQ(Operations(backend, "create", "ALREADY_EXISTS"), 1);
  EXPECT_EQ(Operations(backend, "get", "OK"), 1);
  EXPECT_EQ(Operations(backend, "get", "NOT_FOUND"), 2);
  EXPECT_EQ(Operations(backend, "list", "OK"), 1);
  EXPECT_EQ(Operations(backend, "list", "INVALID_ARGUMENT"), 1);
  EXPECT_EQ(Operations(backend, "update", "OK"), 1);
  EXPECT_EQ(Operations(backend, "update", "ABORTED"), 1);
  EXPECT_EQ(Operations(backend, "delete", "OK"), 1);
  EXPECT_EQ(Operations(backend, "delete", "NOT_FOUND"), 1);
  EXPECT_EQ(Observed(backend, "create"), 2u);
  EXPECT_EQ(Observed(backend, "get"), 3u);
  EXPECT_EQ(Observed(backend, "list"), 2u);
  EXPECT_EQ(Observed(backend, "update"), 2u);
  EXPECT_EQ(Observed(backend, "delete"), 2u);
}

// A store that answers later, from the test, and reports a settable
// availability: shows that the latency is measured to the callback and that
// Available() is forwarded.
class DeferredStore final : public store::ConnectorStore {
 public:
  void Get(const CallContext&, std::string,
           StoreCallback<NdesConnector> done) override {
    pending_get_ = std::move(done);
  }
  void List(const CallContext&, store::ListQuery,
            StoreCallback<ListPage> done) override {
    std::move(done)(absl::UnavailableError("down"));
  }
  void Create(const CallContext&, NdesConnector,
              StoreCallback<NdesConnector> done) override {
    std::move(done)(absl::UnavailableError("down"));
  }
  void Update(const CallContext&, UpdateCommand,
              StoreCallback<NdesConnector> done) override {
    std::move(done)(absl::UnavailableError("down"));
  }
  void Delete(const CallContext&, std::string, std::string,
              StatusCallback done) override {
    std::move(done)(absl::UnavailableError("down"));
  }
  bool Available() const override { return available_; }

  StoreCallback<NdesConnector> pending_get_;
  bool available_ = true;
};

TEST(InstrumentedConnectorStoreTest,
     MeasuresUntilTheCallbackAndForwardsAvailability) {
  const std::string backend = "deferred";
  auto inner = std::make_unique<DeferredStore>();
  DeferredStore* deferred = inner.get();
  InstrumentedConnectorStore store(backend, std::move(inner), Registry());

  EXPECT_TRUE(store.Available());
  deferred->available_ = false;
  EXPECT_FALSE(store.Available());

  bool answered = false;
  store.Get(CallContext(), "ndes-1",
            [&answered](absl::StatusOr<NdesConnector> result) {
              // Recorded before the caller's callback runs.
              EXPECT_EQ(Operations("deferred", "get", "DEADLINE_EXCEEDED"), 1);
              answered = true;
            });
  EXPECT_EQ(Operations(backend, "get", "DEADLINE_EXCEEDED"), 0);
  EXPECT_EQ(Observed(backend, "get"), 0u);
  absl::SleepFor(absl::Milliseconds(30));
  std::move(deferred->pending_get_)(absl::DeadlineExceededError("late"));
  EXPECT_TRUE(answered);
  EXPECT_EQ(Operations(backend, "get", "DEADLINE_EXCEEDED"), 1);
  const Histogram::Snapshot latency =
      DurationFamily().WithLabels({backend, "get"}).Read();
  EXPECT_EQ(latency.count, 1u);
  EXPECT_GE(latency.sum, 0.030);

  SyncStore sync(store);
  EXPECT_THAT(sync.Delete("x"), StatusIs(absl::StatusCode::kUnavailable, _));
  EXPECT_EQ(Operations(backend, "delete", "UNAVAILABLE"), 1);
}

}  // namespace
}  // namespace ndes::observability
