#include "query/filter_evaluator.h"

#include <string>

#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter.h"
#include "query/query_properties.h"

namespace ndes::query {
namespace {

using ::ndes::v1::NdesConnector;

Property P(const char* proto_name) { return *PropertyByProtoName(proto_name); }

NdesConnector Connector() {
  NdesConnector connector;
  connector.set_id("Ndes-1");
  connector.set_display_name("Contoso NDES");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1767225600);
  connector.mutable_last_connection_date_time()->set_nanos(7);
  connector.add_role_scope_tag_ids("Zero");
  return connector;
}

TEST(FilterEvaluatorTest, MatchAllMatchesAnEmptyConnector) {
  EXPECT_TRUE(Matches(Filter::MatchAll(), NdesConnector()));
}

TEST(FilterEvaluatorTest, StringsCompareFoldingAsciiCase) {
  EXPECT_TRUE(
      Matches(Filter::Equal(P("id"), std::string("ndes-1")), Connector()));
  EXPECT_TRUE(
      Matches(Filter::StartsWith(P("display_name"), "CONTOSO"), Connector()));
  EXPECT_TRUE(
      Matches(Filter::Contains(P("display_name"), "so nd"), Connector()));
  EXPECT_TRUE(
      Matches(Filter::AnyEqual(P("role_scope_tag_ids"), "zero"), Connector()));
  EXPECT_FALSE(
      Matches(Filter::Contains(P("display_name"), "ndes!"), Connector()));
}

TEST(FilterEvaluatorTest, NullIsAnEmptyStringOrAnUnsetDateTime) {
  EXPECT_TRUE(
      Matches(Filter::Equal(P("machine_name"), NullLiteral{}), Connector()));
  EXPECT_TRUE(Matches(Filter::Equal(P("enrolled_date_time"), NullLiteral{}),
                      Connector()));
  EXPECT_FALSE(
      Matches(Filter::Equal(P("last_connection_date_time"), NullLiteral{}),
              Connector()));
}

TEST(FilterEvaluatorTest, DateTimesCompareToTheNanosecond) {
  EXPECT_TRUE(Matches(Filter::Equal(P("last_connection_date_time"),
                                    DateTimeLiteral{1767225600, 7}),
                      Connector()));
  EXPECT_FALSE(Matches(Filter::Equal(P("last_connection_date_time"),
                                     DateTimeLiteral{1767225600, 0}),
                       Connector()));
}

TEST(FilterEvaluatorTest, NotEqualIsTheNegationOfEqual) {
  EXPECT_TRUE(
      Matches(Filter::NotEqual(P("enrolled_date_time"), DateTimeLiteral{0, 0}),
              Connector()));
  EXPECT_FALSE(
      Matches(Filter::NotEqual(P("state"), StateLiteral{1}), Connector()));
}

TEST(FilterEvaluatorTest, StatesCompareByNumberIncludingUndeclaredOnes) {
  NdesConnector connector = Connector();
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(7));
  EXPECT_TRUE(Matches(Filter::Equal(P("state"), StateLiteral{7}), connector));
  EXPECT_FALSE(Matches(Filter::In(P("state"), {StateLiteral{0}, StateLiteral{1},
                                               StateLiteral{2}}),
                       connector));
}

TEST(FilterEvaluatorTest, LiteralsOfTheWrongTypeNeverMatch) {
  EXPECT_FALSE(
      Matches(Filter::Equal(P("state"), std::string("active")), Connector()));
  EXPECT_FALSE(
      Matches(Filter::Equal(P("display_name"), StateLiteral{1}), Connector()));
  EXPECT_FALSE(
      Matches(Filter::Equal(P("role_scope_tag_ids"), std::string("Zero")),
              Connector()));
}

TEST(FilterEvaluatorTest, LogicalOperators) {
  const Filter yes = Filter::Equal(P("state"), StateLiteral{1});
  const Filter no = Filter::Equal(P("state"), StateLiteral{2});
  EXPECT_TRUE(Matches(Filter::And({yes, yes}), Connector()));
  EXPECT_FALSE(Matches(Filter::And({yes, no}), Connector()));
  EXPECT_TRUE(Matches(Filter::Or({no, yes}), Connector()));
  EXPECT_FALSE(Matches(Filter::Or({no, no}), Connector()));
  EXPECT_TRUE(Matches(Filter::Not(no), Connector()));
}

}  // namespace
}  // namespace ndes::query
