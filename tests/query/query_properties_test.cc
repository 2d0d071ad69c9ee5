#include "query/query_properties.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::query {
namespace {

using ::testing::ElementsAre;

TEST(QueryPropertiesTest, EveryFieldButEtagIsAProperty) {
  std::vector<std::string> proto_names;
  std::vector<std::string> graph_names;
  for (const Property& property : QueryableProperties()) {
    proto_names.push_back(property.proto_name());
    graph_names.push_back(property.graph_name());
  }
  EXPECT_THAT(
      proto_names,
      ElementsAre("id", "display_name", "state", "last_connection_date_time",
                  "machine_name", "enrolled_date_time", "role_scope_tag_ids",
                  "connector_version"));
  EXPECT_THAT(graph_names, ElementsAre("id", "displayName", "state",
                                       "lastConnectionDateTime", "machineName",
                                       "enrolledDateTime", "roleScopeTagIds",
                                       "connectorVersion"));
}

TEST(QueryPropertiesTest, TypesComeFromTheDescriptor) {
  EXPECT_EQ(PropertyByProtoName("id")->type(), PropertyType::kString);
  EXPECT_EQ(PropertyByProtoName("state")->type(), PropertyType::kState);
  EXPECT_EQ(PropertyByGraphName("enrolledDateTime")->type(),
            PropertyType::kDateTime);
  EXPECT_EQ(PropertyByGraphName("roleScopeTagIds")->type(),
            PropertyType::kStringCollection);
}

TEST(QueryPropertiesTest, NamesAreExact) {
  EXPECT_FALSE(PropertyByGraphName("display_name").has_value());
  EXPECT_FALSE(PropertyByProtoName("displayName").has_value());
  EXPECT_FALSE(PropertyByGraphName("DisplayName").has_value());
  EXPECT_FALSE(PropertyByProtoName("etag").has_value());
}

TEST(QueryPropertiesTest, StateNamesComeFromTheEnum) {
  // Graph's evolvable-enum sentinel is a state like the others.
  EXPECT_THAT(GraphStateNames(),
              ElementsAre("none", "active", "inactive", "unknownFutureValue"));
  EXPECT_THAT(AipStateNames(), ElementsAre("NONE", "ACTIVE", "INACTIVE",
                                           "UNKNOWN_FUTURE_VALUE"));
  EXPECT_EQ(StateByGraphName("unknownFutureValue"),
            ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE);
  EXPECT_EQ(StateByGraphName("inactive"),
            ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  EXPECT_EQ(StateByAipName("ACTIVE"), ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_EQ(StateByAipName("NDES_CONNECTOR_STATE_ACTIVE"),
            ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_FALSE(StateByGraphName("Active").has_value());
  EXPECT_FALSE(StateByAipName("active").has_value());
  EXPECT_EQ(GraphStateName(ndes::v1::NDES_CONNECTOR_STATE_NONE), "none");
  EXPECT_EQ(AipStateName(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE), "INACTIVE");
  EXPECT_EQ(GraphStateName(42), "42");
}

}  // namespace
}  // namespace ndes::query
