#include "query/query_fingerprint.h"

#include <string>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "query/aip_filter.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "query/selection.h"

namespace ndes::query {
namespace {

Filter AipFilter(const std::string& text) {
  absl::StatusOr<Filter> filter = ParseAipFilter(text);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() ? *filter : Filter();
}

OrderBy AipOrder(const std::string& text) {
  absl::StatusOr<OrderBy> order = ParseAipOrderBy(text);
  EXPECT_TRUE(order.ok()) << order.status();
  return order.ok() ? *order : OrderBy();
}

Selection Mask(const std::string& path) {
  google::protobuf::FieldMask mask;
  mask.add_paths(path);
  absl::StatusOr<Selection> selection = SelectionFromReadMask(mask);
  EXPECT_TRUE(selection.ok()) << selection.status();
  return selection.ok() ? *selection : Selection();
}

TEST(QueryFingerprintTest, IsSixteenLowercaseHexDigits) {
  const std::string fingerprint =
      QueryFingerprint(Filter(), OrderBy(), Selection());
  ASSERT_EQ(fingerprint.size(), kFingerprintLength);
  for (char c : fingerprint) {
    EXPECT_TRUE(absl::ascii_isxdigit(static_cast<unsigned char>(c)) &&
                !absl::ascii_isupper(static_cast<unsigned char>(c)))
        << fingerprint;
  }
}

TEST(QueryFingerprintTest, IsTheSameForTheSameQueryInEitherSyntax) {
  const Filter aip = AipFilter("state = ACTIVE AND display_name != \"x\"");
  absl::StatusOr<Filter> odata =
      ParseODataFilter("state eq 'active' and displayName ne 'x'");
  ASSERT_TRUE(odata.ok()) << odata.status();
  absl::StatusOr<OrderBy> odata_order = ParseODataOrderBy("displayName desc");
  ASSERT_TRUE(odata_order.ok()) << odata_order.status();
  EXPECT_EQ(QueryFingerprint(aip, AipOrder("display_name desc"), Mask("state")),
            QueryFingerprint(*odata, *odata_order, Mask("state")));
}

TEST(QueryFingerprintTest, DiffersWhenFilterOrderOrSelectionDiffers) {
  const std::string base = QueryFingerprint(
      AipFilter("state = ACTIVE"), AipOrder("display_name"), Mask("state"));
  EXPECT_NE(base, QueryFingerprint(AipFilter("state = INACTIVE"),
                                   AipOrder("display_name"), Mask("state")));
  EXPECT_NE(base,
            QueryFingerprint(AipFilter("state = ACTIVE"),
                             AipOrder("display_name desc"), Mask("state")));
  EXPECT_NE(base,
            QueryFingerprint(AipFilter("state = ACTIVE"),
                             AipOrder("display_name"), Mask("display_name")));
  // The parts do not run into each other: the same text split differently.
  EXPECT_NE(QueryFingerprint(Filter(), AipOrder("state"), Selection()),
            QueryFingerprint(Filter(), OrderBy(), Mask("state")));
}

TEST(QueryFingerprintTest, IsStableAcrossProcessesAndReleases) {
  // Page tokens already handed out carry such values: a change would
  // refuse every one of them.
  EXPECT_EQ(QueryFingerprint(AipFilter("state = ACTIVE"),
                             AipOrder("display_name desc"), Mask("state")),
            "bc20fa32287f42cf");
}

}  // namespace
}  // namespace ndes::query
