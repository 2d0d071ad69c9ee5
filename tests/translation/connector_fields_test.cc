#include "translation/connector_fields.h"

#include <optional>
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::translation {
namespace {

struct FieldNames {
  ConnectorField field;
  const char* proto_name;
  const char* graph_name;
};

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
    EXPECT_EQ(ProtoFieldName(names.field), names.proto_name);
    EXPECT_EQ(GraphPropertyName(names.field), names.graph_name);
  }
}

TEST(ConnectorFieldsTest, LooksUpEveryWritableFieldByEitherName) {
  for (const FieldNames& names : kExpectedNames) {
    EXPECT_EQ(WritableFieldByProtoName(names.proto_name), names.field)
        << names.proto_name;
    EXPECT_EQ(WritableFieldByGraphName(names.graph_name), names.field)
        << names.graph_name;
  }
}

TEST(ConnectorFieldsTest, IdAndEtagAreNotWritable) {
  EXPECT_EQ(WritableFieldByProtoName("id"), std::nullopt);
  EXPECT_EQ(WritableFieldByProtoName("etag"), std::nullopt);
  EXPECT_EQ(WritableFieldByGraphName("id"), std::nullopt);
  EXPECT_EQ(WritableFieldByGraphName("@odata.etag"), std::nullopt);
}

TEST(ConnectorFieldsTest, LookupIsExactAndDoesNotMixTheTwoNamings) {
  EXPECT_EQ(WritableFieldByProtoName("displayName"), std::nullopt);
  EXPECT_EQ(WritableFieldByProtoName("Display_Name"), std::nullopt);
  EXPECT_EQ(WritableFieldByProtoName("display_name "), std::nullopt);
  EXPECT_EQ(WritableFieldByProtoName(""), std::nullopt);
  EXPECT_EQ(WritableFieldByGraphName("display_name"), std::nullopt);
  EXPECT_EQ(WritableFieldByGraphName("DisplayName"), std::nullopt);
  EXPECT_EQ(WritableFieldByGraphName(""), std::nullopt);
  EXPECT_EQ(WritableFieldByProtoName(std::string("state\0x", 7)), std::nullopt);
}

// The table must follow the proto: every field but id/etag, with the proto's
// own names and JSON names, in field-number order.
TEST(ConnectorFieldsTest, MatchesTheNdesConnectorDescriptor) {
  const google::protobuf::Descriptor* descriptor =
      ndes::v1::NdesConnector::descriptor();
  int previous_number = 0;
  for (ConnectorField field : kWritableConnectorFields) {
    const google::protobuf::FieldDescriptor* proto_field =
        descriptor->FindFieldByName(std::string(ProtoFieldName(field)));
    ASSERT_NE(proto_field, nullptr) << ProtoFieldName(field);
    EXPECT_EQ(proto_field->json_name(), GraphPropertyName(field));
    EXPECT_GT(proto_field->number(), previous_number) << ProtoFieldName(field);
    previous_number = proto_field->number();
  }
  int writable = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string& name = descriptor->field(i)->name();
    if (name == "id" || name == "etag") continue;
    ++writable;
    EXPECT_TRUE(WritableFieldByProtoName(name).has_value()) << name;
  }
  EXPECT_EQ(writable, static_cast<int>(kWritableConnectorFields.size()));
}

}  // namespace
}  // namespace ndes::translation
