#include "query/order_by.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/query_errors.h"
#include "query/query_properties.h"
#include "query/query_test_connectors.h"
#include "translation/status_details.h"

namespace ndes::query {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Property P(const char* proto_name) { return *PropertyByProtoName(proto_name); }

std::vector<std::string> SortedIds(const OrderBy& order,
                                   std::vector<NdesConnector> connectors) {
  std::sort(connectors.begin(), connectors.end(), ConnectorOrder(order));
  std::vector<std::string> ids;
  for (const NdesConnector& connector : connectors)
    ids.push_back(connector.id());
  return ids;
}

OrderBy Parse(bool odata, const std::string& text) {
  absl::StatusOr<OrderBy> order =
      odata ? ParseODataOrderBy(text) : ParseAipOrderBy(text);
  EXPECT_TRUE(order.ok()) << text << ": " << order.status();
  return order.ok() ? *order : OrderBy();
}

TEST(OrderByTest, BothSyntaxesGiveTheSameOrder) {
  const OrderBy expected{{{P("display_name"), true}, {P("id"), false}}};
  EXPECT_EQ(Parse(true, "displayName desc,id"), expected);
  EXPECT_EQ(Parse(true, " displayName  desc , id asc "), expected);
  EXPECT_EQ(Parse(false, "display_name desc, id"), expected);
  EXPECT_EQ(Parse(false, "display_name\tdesc,id"), expected);
}

TEST(OrderByTest, EmptyTextIsIdOrder) {
  EXPECT_THAT(Parse(true, "").keys, IsEmpty());
  EXPECT_THAT(Parse(false, "  ").keys, IsEmpty());
  EXPECT_THAT(SortedIds(OrderBy(), {TestConnectors()[2], TestConnectors()[0]}),
              ElementsAre("c1", "c3"));
}

TEST(OrderByTest, WritesODataThatReadsBack) {
  const OrderBy order = Parse(false, "state desc, last_connection_date_time");
  EXPECT_EQ(ToODataOrderBy(order), "state desc,lastConnectionDateTime");
  EXPECT_EQ(Parse(true, ToODataOrderBy(order)), order);
  EXPECT_EQ(ToODataOrderBy(OrderBy()), "");
}

TEST(OrderByTest, StringsIgnoreAsciiCaseAndEmptySortsFirst) {
  // "" (c5), "NDES-01", "NDES-02", "ndes-03", "O'Brien's connector",
  // "star*name", then "\xC3\x9Cndes" (bytes above ASCII sort last).
  EXPECT_THAT(SortedIds(Parse(true, "displayName"), TestConnectors()),
              ElementsAre("c5", "c1", "c2", "c3", "c4", "c7", "c6"));
  EXPECT_THAT(SortedIds(Parse(true, "displayName desc"), TestConnectors()),
              ElementsAre("c6", "c7", "c4", "c3", "c2", "c1", "c5"));
}

TEST(OrderByTest, UnsetDateTimesSortFirstAscendingLastDescending) {
  EXPECT_THAT(
      SortedIds(Parse(false, "last_connection_date_time"), TestConnectors()),
      ElementsAre("c3", "c5", "c6", "c4", "c1", "c2", "c7"));
  EXPECT_THAT(SortedIds(Parse(false, "last_connection_date_time desc"),
                        TestConnectors()),
              ElementsAre("c7", "c2", "c1", "c4", "c3", "c5", "c6"));
}

TEST(OrderByTest, TiesFallToTheNextKeyThenToIdAscending) {
  // States: none c3 c6, active c1 c4 c7, inactive c2 c5.
  EXPECT_THAT(SortedIds(Parse(true, "state desc"), TestConnectors()),
              ElementsAre("c2", "c5", "c1", "c4", "c7", "c3", "c6"));
  EXPECT_THAT(
      SortedIds(Parse(true, "state,connectorVersion desc"), TestConnectors()),
      ElementsAre("c6", "c3", "c4", "c1", "c7", "c5", "c2"));
}

TEST(OrderByTest, IdTieBreakerComparesExactBytes) {
  NdesConnector upper;
  upper.set_id("A");
  NdesConnector lower;
  lower.set_id("a");
  const OrderBy by_id = Parse(true, "id desc");
  EXPECT_NE(CompareConnectors(by_id, upper, lower), 0);
  EXPECT_LT(CompareConnectors(by_id, upper, lower), 0);  // "A" < "a"
  EXPECT_EQ(CompareConnectors(by_id, upper, upper), 0);
}

TEST(OrderByTest, RefusesBadKeys) {
  struct Case {
    bool odata;
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{true, "colour",
                "invalid $orderby at position 1: Could not "
                "find a property named 'colour'"},
           Case{true, "display_name", "Could not find a property"},
           Case{false, "displayName",
                "invalid order_by at position 1: "
                "'displayName' is not a field"},
           Case{true, "roleScopeTagIds",
                "cannot order by roleScopeTagIds: "
                "it is a collection"},
           Case{false, "role_scope_tag_ids desc", "it is a collection"},
           Case{true, "id,displayName,id",
                "position 16: id appears more "
                "than once"},
           Case{true, "id,,state", "position 4: empty item"},
           Case{false, "id,", "empty item"},
           Case{true, "id descending",
                "expected asc, desc, a comma or the "
                "end after id, found 'descending'"},
           Case{false, "id asc", "expected desc, a comma or the end"},
           Case{true, "id desc state",
                "position 9: expected a comma or the "
                "end, found 'state'"},
           Case{true, "etag", "Could not find a property named 'etag'"},
       }) {
    absl::Status status =
        (c.odata ? ParseODataOrderBy(c.text) : ParseAipOrderBy(c.text))
            .status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_FALSE(IsUnsupportedQuery(status)) << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.text;
    ASSERT_EQ(translation::FieldViolationsOf(status).size(), 1u);
    EXPECT_EQ(translation::FieldViolationsOf(status)[0].field,
              c.odata ? "$orderby" : "order_by");
  }
}

TEST(OrderByTest, PathsIntoPropertiesAreUnsupported) {
  absl::Status status =
      ParseODataOrderBy("lastConnectionDateTime/year").status();
  EXPECT_TRUE(IsUnsupportedQuery(status)) << status;
}

}  // namespace
}  // namespace ndes::query
