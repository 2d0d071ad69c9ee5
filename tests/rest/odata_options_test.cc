#include "rest/odata_options.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "query/query_errors.h"

namespace ndes::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseCollectionOptionsTest, ReadsEveryOptionIntoTheStoresQuery) {
  absl::StatusOr<CollectionOptions> options =
      ParseCollectionOptions({{"$top", "5"},
                              {"$skip", "3"},
                              {"$count", "true"},
                              {"$select", "displayName,state"},
                              {"$orderby", "displayName desc"},
                              {"$filter", "startswith(displayName,'ndes')"},
                              {"$skiptoken", "abc"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->list.page_size, 5);
  EXPECT_EQ(options->skip, 3);
  EXPECT_TRUE(options->count);
  EXPECT_EQ(options->list.page_token, "abc");
  EXPECT_EQ(options->select_text, "displayName,state");
  EXPECT_EQ(query::ToODataSelect(options->list.selection), "displayName,state");
  EXPECT_EQ(query::ToODataOrderBy(options->list.order), "displayName desc");
  EXPECT_EQ(query::ToODataFilter(options->list.filter),
            "startswith(displayName,'ndes')");
  // A nextLink repeats all but the position.
  EXPECT_THAT(options->carried,
              ElementsAre(Pair("$top", "5"), Pair("$count", "true"),
                          Pair("$select", "displayName,state"),
                          Pair("$orderby", "displayName desc"),
                          Pair("$filter", "startswith(displayName,'ndes')")));
}

TEST(ParseCollectionOptionsTest, TheDollarMayBeLeftOutAsInGraphsBeta) {
  absl::StatusOr<CollectionOptions> options =
      ParseCollectionOptions({{"top", "2"}, {"unrelated", "x"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->list.page_size, 2);
}

TEST(ParseCollectionOptionsTest, DefaultsAndLimitsOfTop) {
  EXPECT_EQ(ParseCollectionOptions({})->list.page_size, kDefaultRestPageSize);
  EXPECT_EQ(ParseCollectionOptions({{"$top", "100000"}})->list.page_size,
            store::kMaxPageSize);
  EXPECT_TRUE(ParseCollectionOptions({{"$top", "0"}})->empty_page);
  for (const char* bad : {"-1", "x", "1.5", ""}) {
    absl::Status status = ParseCollectionOptions({{"$top", bad}}).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("non-negative integer")) << bad;
  }
}

TEST(ParseCollectionOptionsTest, RefusesRepeatsUnknownAndUnsupportedOptions) {
  EXPECT_THAT(
      ParseCollectionOptions({{"$top", "1"}, {"top", "2"}}).status().message(),
      HasSubstr("more than once"));
  EXPECT_EQ(ParseCollectionOptions({{"$bogus", "1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCollectionOptions({{"$expand", "x"}}).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseCollectionOptions({{"$count", "yes"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseCollectionOptionsTest, QueryRefusalsTellInvalidFromUnsupported) {
  absl::Status invalid =
      ParseCollectionOptions({{"$filter", "nope eq 'x'"}}).status();
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(query::IsUnsupportedQuery(invalid));
  absl::Status unsupported =
      ParseCollectionOptions({{"$filter", "displayName lt 'x'"}}).status();
  EXPECT_TRUE(query::IsUnsupportedQuery(unsupported));
}

TEST(ParseItemOptionsTest, TakesSelectAndNothingElseOfTheCollections) {
  absl::StatusOr<ItemOptions> options =
      ParseItemOptions({{"$select", "machineName"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(query::ToODataSelect(options->selection), "machineName");
  EXPECT_EQ(ParseItemOptions({{"$top", "1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseItemOptions({{"$select", "nope"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ndes::rest
