// Helpers for tests of ConnectorStore implementations: synchronous calls over
// the asynchronous interface (with a count of callback invocations), status
// and proto matchers, sample connectors, update commands built the way the
// service builds them, and scratch directories.
//
// Thread-safe where noted; SyncStore may be used from several threads at
// once.
#ifndef NDES_TESTS_STORE_STORE_TEST_SUPPORT_H_
#define NDES_TESTS_STORE_STORE_TEST_SUPPORT_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::store::testing {

// --- Matchers --------------------------------------------------------------

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches an absl::Status or absl::StatusOr<T> that is OK.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches an absl::Status or absl::StatusOr<T> with `code` and a message
// matching `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

// Matches an OK absl::StatusOr<T> whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

// Matches a protobuf message equal to `expected` (field by field).
MATCHER_P(EqualsProto, expected,
          "equals " + ::testing::PrintToString(expected)) {
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

// --- Values ----------------------------------------------------------------

// A connector with every field set to a non-default value.
ndes::v1::NdesConnector SampleConnector(const std::string& id);

// `connector` with its etag cleared.
ndes::v1::NdesConnector WithoutEtag(ndes::v1::NdesConnector connector);

// The ids of `connectors`, in their order.
std::vector<std::string> IdsOf(
    const std::vector<ndes::v1::NdesConnector>& connectors);

// The UpdateCommand the service builds for an UpdateNdesConnectors request
// with `values` (whose id names the target) and `mask_paths`: the fields come
// from translation::PlanFieldMask. A mask the planner refuses fails the
// test.
UpdateCommand MakeUpdate(const ndes::v1::NdesConnector& values,
                         const std::vector<std::string>& mask_paths,
                         std::string expected_etag = "");

// A command that sets display_name of `id` to `display_name`, however
// long (stores do not apply the field limits).
UpdateCommand RenameCommand(const std::string& id,
                            const std::string& display_name,
                            std::string expected_etag = "");

// --- Calls -----------------------------------------------------------------

// How often a store invoked the callbacks it was handed. Thread-safe.
struct CallbackCounts {
  std::atomic<int> issued{0};
  std::atomic<int> invoked{0};
  // Invocations after the first one of the same callback.
  std::atomic<int> repeated{0};
};

// A store that hands every call to `target()`: the base of test stores that
// own, beside the store under test, what it talks to (a fake Graph, a REST
// face), so that the suite sees one store.
class ForwardingConnectorStore : public ConnectorStore {
 public:
  void Get(const CallContext& context, std::string id,
           StoreCallback<ndes::v1::NdesConnector> done) override {
    target().Get(context, std::move(id), std::move(done));
  }
  void List(const CallContext& context, ListQuery query,
            StoreCallback<ListPage> done) override {
    target().List(context, std::move(query), std::move(done));
  }
  void Create(const CallContext& context, ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done) override {
    target().Create(context, std::move(connector), std::move(done));
  }
  void Update(const CallContext& context, UpdateCommand command,
              StoreCallback<ndes::v1::NdesConnector> done) override {
    target().Update(context, std::move(command), std::move(done));
  }
  void Delete(const CallContext& context, std::string id,
              std::string expected_etag, StatusCallback done) override {
    target().Delete(context, std::move(id), std::move(expected_etag),
                    std::move(done));
  }

 protected:
  virtual ConnectorStore& target() = 0;
};

// Calls a store synchronously (waiting for its callback, however it runs) and
// wraps asynchronous callbacks, counting invocations in counts(). A callback
// not invoked within a generous timeout fails with DEADLINE_EXCEEDED rather
// than hanging the test. Thread-safe.
class SyncStore {
 public:
  explicit SyncStore(ConnectorStore& store)
      : store_(&store), counts_(std::make_shared<CallbackCounts>()) {}

  absl::StatusOr<ndes::v1::NdesConnector> Get(const std::string& id);
  absl::StatusOr<ListPage> List(
      int page_size, const std::string& page_token = "",
      std::size_t max_page_bytes = kDefaultMaxPageBytes);
  absl::StatusOr<ListPage> List(
      ListQuery query, std::size_t max_page_bytes = kDefaultMaxPageBytes);
  absl::StatusOr<ndes::v1::NdesConnector> Create(
      ndes::v1::NdesConnector connector);
  absl::StatusOr<ndes::v1::NdesConnector> Update(UpdateCommand command);
  absl::Status Delete(const std::string& id,
                      const std::string& expected_etag = "");

  // Every connector, following page tokens with `page_size`; fails the test
  // (and answers what it has) if the pages do not end.
  absl::StatusOr<std::vector<ndes::v1::NdesConnector>> ListAll(
      int page_size = kMaxPageSize);

  // Wraps `done` so that its invocations are counted; only the first is
  // forwarded.
  StoreCallback<ndes::v1::NdesConnector> Track(
      StoreCallback<ndes::v1::NdesConnector> done);
  StoreCallback<ListPage> Track(StoreCallback<ListPage> done);
  StatusCallback Track(StatusCallback done);

  ConnectorStore& store() { return *store_; }
  // Shared, so it can be read after the store (and this object) are gone.
  std::shared_ptr<CallbackCounts> counts() const { return counts_; }

 private:
  ConnectorStore* store_;
  std::shared_ptr<CallbackCounts> counts_;
};

// --- Files -----------------------------------------------------------------

// A new empty directory under ::testing::TempDir(); fails the test if it
// cannot be made.
std::string MakeScratchDir();

// Removes `dir` and everything in it.
void RemoveScratchDir(const std::string& dir);

// The whole content of `path` (empty if it cannot be read).
std::string ReadFileBytes(const std::string& path);

// Replaces the content of `path`; fails the test on error.
void WriteFileBytes(const std::string& path, const std::string& bytes);

}  // namespace ndes::store::testing

#endif  // NDES_TESTS_STORE_STORE_TEST_SUPPORT_H_
