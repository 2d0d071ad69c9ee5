// The conformance suite of ConnectorStore: the behaviour every store must
// have (connector_store.h), as value-parameterized tests. Each backend
// instantiates it in its own test file with a factory for fresh, empty
// stores:
//
//   #include "store/connector_store_conformance.h"
//
//   INSTANTIATE_TEST_SUITE_P(
//       Memory, ConnectorStoreConformanceTest,
//       ::testing::Values(ConnectorStoreConformanceParam{
//           "Memory",
//           [](const std::string& scratch_dir)
//               -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
//             return std::make_unique<MemoryConnectorStore>();
//           }}),
//       ConnectorStoreConformanceParamName);
//
// What it checks: Get/Create/Update/Delete/List and every error code of
// connector_store.h; etags change on every write and are never reused, also
// across delete and re-create; a stale etag writes nothing; create_if_missing;
// Graph PATCH merge semantics (only patched properties change, null clears,
// [] clears a list, a list is replaced); pagination covers every connector
// exactly once in id order and refuses foreign tokens; List queries filter,
// order and select as query/ defines, page through any order exactly once,
// and refuse a token of another query
// (connector_store_query_conformance.cc); no lost update under
// concurrent conditional writers; every callback is invoked exactly once,
// also for calls in flight when the store is destroyed.
//
// Assumptions about the store, beyond connector_store.h: it starts empty; it
// orders ids by their bytes; an empty id on Create becomes a lowercase
// version 4 UUID; an etag given for a missing connector is ABORTED even with
// create_if_missing (the version it was read from no longer exists), but
// NOT_FOUND without it; error messages name the id (NOT_FOUND, ABORTED,
// ALREADY_EXISTS) or the field "page_token" (INVALID_ARGUMENT); the
// destructor answers every call still in flight.
//
// Where a backend cannot keep a rule, its instantiation says so in
// ConnectorStoreTraits, and the suite checks what it does instead (never
// skipping): Graph in front of Intune assigns its own ids and has no etags
// of its own.
#ifndef NDES_TESTS_STORE_CONNECTOR_STORE_CONFORMANCE_H_
#define NDES_TESTS_STORE_CONNECTOR_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "store/connector_store.h"
#include "store/store_test_support.h"

namespace ndes::store::testing {

// Makes a fresh, empty store. `scratch_dir` is a new empty directory that
// outlives the store (it is removed after the store is destroyed); a
// file-backed store keeps its files there.
using ConnectorStoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<ConnectorStore>>(
        const std::string& scratch_dir)>;

// What a backend does where it cannot keep a rule of the suite.
struct ConnectorStoreTraits {
  // Create keeps the id it is given. False: the backend assigns its own id
  // whatever Create asked for (Create answers the connector under it, a
  // second Create with the same id makes a second connector), and
  // create_if_missing is FAILED_PRECONDITION, writing nothing.
  bool keeps_caller_ids = true;
  // Every write gives a new etag. False: etags are derived from content, so
  // a write that leaves the content as it was keeps the etag it had.
  bool new_etag_on_every_write = true;
};

struct ConnectorStoreConformanceParam {
  // Names the instantiation in test names: letters, digits and '_' only.
  std::string name;
  ConnectorStoreFactory make_store;
  ConnectorStoreTraits traits = {};
  // Whether the List query tests that need the query evaluated run. Only a
  // store over a fake that cannot evaluate OData queries (the fake Graph)
  // sets it false; what the Graph backend sends upstream is tested in
  // tests/graph/graph_list_query_test.cc.
  bool evaluates_queries = true;
};

// Prints the parameter as its name (test logs would show its bytes).
inline void PrintTo(const ConnectorStoreConformanceParam& param,
                    std::ostream* out) {
  *out << param.name;
}

// For INSTANTIATE_TEST_SUITE_P's name generator argument.
std::string ConnectorStoreConformanceParamName(
    const ::testing::TestParamInfo<ConnectorStoreConformanceParam>& info);

class ConnectorStoreConformanceTest
    : public ::testing::TestWithParam<ConnectorStoreConformanceParam> {
 protected:
  // Makes the store in a fresh scratch directory.
  void SetUp() override;
  // Destroys the store, checks that every callback handed to it ran exactly
  // once, and removes the scratch directory.
  void TearDown() override;

  ConnectorStore& store() { return *store_; }
  SyncStore& sync() { return *sync_; }
  const ConnectorStoreTraits& traits() const { return GetParam().traits; }
  // Destroys the store now (TearDown then only checks the callbacks).
  void DestroyStore();

  // Creates `connector` and fails the test unless that succeeds; answers it
  // as created (under the store's own id if it assigns ids).
  ndes::v1::NdesConnector MustCreate(const ndes::v1::NdesConnector& connector);
  // `connector` as a store with these traits keeps it when Create answered
  // `created`: with created's id if the store assigns ids, without etag.
  ndes::v1::NdesConnector AsCreated(ndes::v1::NdesConnector connector,
                                    const ndes::v1::NdesConnector& created);

 private:
  std::string scratch_dir_;
  std::unique_ptr<ConnectorStore> store_;
  std::optional<SyncStore> sync_;
  std::shared_ptr<CallbackCounts> counts_;
};

}  // namespace ndes::store::testing

#endif  // NDES_TESTS_STORE_CONNECTOR_STORE_CONFORMANCE_H_
