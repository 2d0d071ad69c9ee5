#include "ndes/v1/connector_fields.h"

#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::v1 {
namespace {

struct FieldNames {
  ConnectorField field;
  const char* mask_path;
  const char* graph_name;
};

// Graph's property names (the ndesConnector resource of Graph beta).
constexpr FieldNames kExpectedNames[] = {
    {ConnectorField::kDisplayName, "display_name", "displayName"},
    {ConnectorField::kState, "state", "state"},
    {ConnectorField::kLastConnectionDateTime, "last_connection_date_time",
     "lastConnectionDateTime"},
    {ConnectorField::kMachineName, "machine_name", "machineName"},
    {ConnectorField::kEnrolledDateTime, "enrolled_date_time",
     "enrolledDateTime"},
    {ConnectorField::kRoleScopeTagIds, "role_scope_tag_ids", "roleScopeTagIds"},
    {ConnectorField::kConnectorVersion, "connector_version",
     "connectorVersion"},
};

TEST(ConnectorFieldsTest, NamesEveryWritableFieldOnBothSides) {
  for (const FieldNames& names : kExpectedNames) {
    EXPECT_EQ(MaskPath(names.field), names.mask_path);
    EXPECT_EQ(GraphName(names.field), names.graph_name);
  }
}

TEST(ConnectorFieldsTest, LooksUpEveryWritableFieldByEitherName) {
  for (const FieldNames& names : kExpectedNames) {
    EXPECT_EQ(FieldByMaskPath(names.mask_path), names.field) << names.mask_path;
    EXPECT_EQ(FieldByGraphName(names.graph_name), names.field)
        << names.graph_name;
  }
}

TEST(ConnectorFieldsTest, IdAndEtagAreNotWritable) {
  EXPECT_EQ(FieldByMaskPath("id"), std::nullopt);
  EXPECT_EQ(FieldByMaskPath("etag"), std::nullopt);
  EXPECT_EQ(FieldByGraphName("id"), std::nullopt);
  EXPECT_EQ(FieldByGraphName("@odata.etag"), std::nullopt);
}

TEST(ConnectorFieldsTest, LookupIsExactAndDoesNotMixTheTwoNamings) {
  EXPECT_EQ(FieldByMaskPath("displayName"), std::nullopt);
  EXPECT_EQ(FieldByMaskPath("Display_Name"), std::nullopt);
  EXPECT_EQ(FieldByMaskPath("display_name "), std::nullopt);
  EXPECT_EQ(FieldByMaskPath(""), std::nullopt);
  EXPECT_EQ(FieldByGraphName("display_name"), std::nullopt);
  EXPECT_EQ(FieldByGraphName("DisplayName"), std::nullopt);
  EXPECT_EQ(FieldByGraphName(""), std::nullopt);
  EXPECT_EQ(FieldByMaskPath(std::string("state\0x", 7)), std::nullopt);
}

// Every field of the message but id and etag has an enumerator: a field
// added to the .proto without one fails here.
TEST(ConnectorFieldsTest, EveryFieldButIdAndEtagIsAnEnumerator) {
  std::vector<ConnectorField> expected;
  for (const FieldNames& names : kExpectedNames) {
    expected.push_back(names.field);
  }
  EXPECT_EQ(WritableConnectorFields(), expected);
}

TEST(ConnectorFieldSetTest, HoldsFieldsInFieldNumberOrder) {
  ConnectorFieldSet set;
  EXPECT_TRUE(set.empty());
  set.Add(ConnectorField::kState);
  set.Add(ConnectorField::kDisplayName);
  set.Add(ConnectorField::kState);
  EXPECT_EQ(set.size(), 2);
  EXPECT_TRUE(set.Contains(ConnectorField::kDisplayName));
  EXPECT_FALSE(set.Contains(ConnectorField::kMachineName));
  EXPECT_EQ(set.Fields(),
            (std::vector<ConnectorField>{ConnectorField::kDisplayName,
                                         ConnectorField::kState}));
  set.Remove(ConnectorField::kDisplayName);
  EXPECT_EQ(set.Fields(),
            (std::vector<ConnectorField>{ConnectorField::kState}));
  EXPECT_EQ(ConnectorFieldSet::All().Fields(), WritableConnectorFields());
  ConnectorFieldSet other;
  other.Add(ConnectorField::kMachineName);
  set |= other;
  EXPECT_EQ(set.size(), 2);
}

NdesConnector Full() {
  NdesConnector connector;
  connector.set_id("source");
  connector.set_display_name("name");
  connector.set_state(NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1700000000);
  connector.set_machine_name("machine");
  connector.mutable_enrolled_date_time()->set_seconds(1600000000);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("7");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"1\"");
  return connector;
}

TEST(CopyFieldsTest, CopiesEveryWritableFieldAndNothingElse) {
  NdesConnector target;
  target.set_id("target");
  target.set_etag("W/\"9\"");
  CopyFields(Full(), ConnectorFieldSet::All(), &target);
  NdesConnector expected = Full();
  expected.set_id("target");
  expected.set_etag("W/\"9\"");
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(target, expected))
      << target.DebugString();
}

TEST(CopyFieldsTest, AnUnsetValueClearsAndAListIsReplacedWhole) {
  NdesConnector target = Full();
  NdesConnector source;
  source.add_role_scope_tag_ids("3");
  ConnectorFieldSet fields;
  fields.Add(ConnectorField::kEnrolledDateTime);
  fields.Add(ConnectorField::kRoleScopeTagIds);
  fields.Add(ConnectorField::kDisplayName);
  CopyFields(source, fields, &target);
  EXPECT_FALSE(target.has_enrolled_date_time());
  EXPECT_EQ(target.display_name(), "");
  ASSERT_EQ(target.role_scope_tag_ids_size(), 1);
  EXPECT_EQ(target.role_scope_tag_ids(0), "3");
  // Untouched.
  EXPECT_TRUE(target.has_last_connection_date_time());
  EXPECT_EQ(target.machine_name(), "machine");
}

}  // namespace
}  // namespace ndes::v1
