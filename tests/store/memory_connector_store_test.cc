#include "store/memory_connector_store.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/store_test_support.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::SampleConnector;

INSTANTIATE_TEST_SUITE_P(
    Memory, ConnectorStoreConformanceTest,
    ::testing::Values(ConnectorStoreConformanceParam{
        "Memory",
        [](const std::string& /*scratch_dir*/)
            -> absl::StatusOr<std::unique_ptr<ConnectorStore>> {
          return std::make_unique<MemoryConnectorStore>();
        }}),
    ConnectorStoreConformanceParamName);

TEST(MemoryConnectorStoreTest, AnswersEveryCallBeforeReturning) {
  MemoryConnectorStore store;
  bool created = false;
  store.Create(CallContext(), SampleConnector("ndes-1"),
               [&](absl::StatusOr<ndes::v1::NdesConnector> result) {
                 EXPECT_THAT(result, IsOk());
                 created = true;
               });
  EXPECT_TRUE(created);
  bool got = false;
  store.Get(CallContext(), "ndes-1",
            [&](absl::StatusOr<ndes::v1::NdesConnector> result) {
              EXPECT_THAT(result, IsOk());
              got = true;
            });
  EXPECT_TRUE(got);
  bool deleted = false;
  store.Delete(CallContext(), "ndes-1", "", [&](absl::Status status) {
    EXPECT_THAT(status, IsOk());
    deleted = true;
  });
  EXPECT_TRUE(deleted);
}

TEST(MemoryConnectorStoreTest, EtagsAreWeakEtagsOfAGrowingRevision) {
  MemoryConnectorStore store;
  std::string first;
  std::string second;
  store.Create(CallContext(), SampleConnector("ndes-1"),
               [&](absl::StatusOr<ndes::v1::NdesConnector> result) {
                 ASSERT_THAT(result, IsOk());
                 first = result->etag();
               });
  store.Create(CallContext(), SampleConnector("ndes-2"),
               [&](absl::StatusOr<ndes::v1::NdesConnector> result) {
                 ASSERT_THAT(result, IsOk());
                 second = result->etag();
               });
  EXPECT_EQ(first, "W/\"1\"");
  EXPECT_EQ(second, "W/\"2\"");
}

}  // namespace
}  // namespace ndes::store
