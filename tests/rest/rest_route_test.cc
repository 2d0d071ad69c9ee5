#include "rest/rest_route.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_server/request_target.h"

namespace ndes::rest {
namespace {

using ::testing::HasSubstr;

TEST(ParseRestPathTest, NamesTheCollectionItsCountAndAnItem) {
  absl::StatusOr<RestRoute> collection = ParseRestPath(
      "/beta/deviceManagement/ndesConnectors", VersionSegment::kRequired);
  ASSERT_TRUE(collection.ok()) << collection.status();
  EXPECT_EQ(collection->resource, RestResource::kCollection);

  absl::StatusOr<RestRoute> count =
      ParseRestPath("/beta/deviceManagement/ndesConnectors/$count",
                    VersionSegment::kRequired);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->resource, RestResource::kCount);

  absl::StatusOr<RestRoute> item =
      ParseRestPath("/beta/deviceManagement/ndesConnectors/ndes-01",
                    VersionSegment::kRequired);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->resource, RestResource::kItem);
  EXPECT_EQ(item->id, "ndes-01");
}

TEST(ParseRestPathTest, DecodesTheIdAfterSplittingSoAnEncodedSlashStaysInIt) {
  absl::StatusOr<RestRoute> item =
      ParseRestPath("/beta/deviceManagement/ndesConnectors/a%2Fb%20c",
                    VersionSegment::kRequired);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->resource, RestResource::kItem);
  EXPECT_EQ(item->id, "a/b c");
}

TEST(ParseRestPathTest, BatchRequestsMayLeaveOutTheVersion) {
  absl::StatusOr<RestRoute> with = ParseRestPath(
      "/beta/deviceManagement/ndesConnectors/x", VersionSegment::kOptional);
  absl::StatusOr<RestRoute> without = ParseRestPath(
      "/deviceManagement/ndesConnectors/x", VersionSegment::kOptional);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(with->id, "x");
  EXPECT_EQ(without->id, "x");
  EXPECT_EQ(ParseRestPath("/deviceManagement/ndesConnectors",
                          VersionSegment::kRequired)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(ParseRestPathTest, RefusesWhatGraphDoesNotServeInGraphsWords) {
  absl::Status v1 = ParseRestPath("/v1.0/deviceManagement/ndesConnectors",
                                  VersionSegment::kRequired)
                        .status();
  EXPECT_EQ(v1.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v1.message(), HasSubstr("Resource not found for the segment"));

  absl::Status other = ParseRestPath("/beta/deviceManagement/windowsThings",
                                     VersionSegment::kRequired)
                           .status();
  EXPECT_EQ(other.message(),
            "Resource not found for the segment 'windowsThings'.");
  EXPECT_EQ(ParseRestPath("/beta/deviceManagement/ndesConnectors/a/b",
                          VersionSegment::kRequired)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRestPath("/beta/deviceManagement/ndesConnectors/a%zz",
                          VersionSegment::kRequired)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRestPath("/v2/x", VersionSegment::kRequired).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ParseRestPathTest, FindsTheBatchEndpoint) {
  absl::StatusOr<RestRoute> batch =
      ParseRestPath("/beta/$batch", VersionSegment::kRequired);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->resource, RestResource::kBatch);
}

TEST(EncodeTest, PathSegmentsAndQueryComponentsRoundTrip) {
  EXPECT_EQ(EncodePathSegment("a/b c?"), "a%2Fb%20c%3F");
  EXPECT_EQ(*http_server::DecodePathSegment(EncodePathSegment("a/b c?&%")),
            "a/b c?&%");
  EXPECT_EQ(EncodeQueryComponent("displayName eq 'a&b'"),
            "displayName%20eq%20'a%26b'");
  EXPECT_EQ(EncodeQueryComponent("$top"), "$top");
  EXPECT_EQ(EncodeQueryComponent("a+b=c#"), "a%2Bb%3Dc%23");
}

}  // namespace
}  // namespace ndes::rest
