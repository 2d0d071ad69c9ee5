#include "ndesctl/connector_json.h"

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace ndes::ndesctl {
namespace {

using ::google::protobuf::Value;

// Parses `json` with protobuf's JSON parser, failing the test if invalid.
Value ParseJson(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return value;
}

ndes::v1::NdesConnector FullConnector() {
  ndes::v1::NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1795860930);
  connector.set_machine_name("ndes01.contoso.local");
  connector.mutable_enrolled_date_time()->set_seconds(1735787045);
  connector.mutable_enrolled_date_time()->set_nanos(120000000);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("7");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"12\"");
  return connector;
}

TEST(ConnectorJsonTest, UsesGraphPropertyNamesAndValues) {
  EXPECT_EQ(ConnectorToJson(FullConnector()), R"({
  "id": "ndes-01",
  "displayName": "NDES-01",
  "state": "active",
  "lastConnectionDateTime": "2026-11-28T10:15:30Z",
  "machineName": "ndes01.contoso.local",
  "enrolledDateTime": "2025-01-02T03:04:05.12Z",
  "roleScopeTagIds": ["0", "7"],
  "connectorVersion": "6.2301.1.0",
  "@odata.etag": "W/\"12\""
})");
}

TEST(ConnectorJsonTest, UnsetPropertiesAreStillPresent) {
  ndes::v1::NdesConnector connector;
  connector.set_id("bare");
  const Value value = ParseJson(ConnectorToJson(connector));
  const auto& fields = value.struct_value().fields();
  EXPECT_EQ(fields.size(), 9u);
  EXPECT_EQ(fields.at("state").string_value(), "none");
  EXPECT_EQ(fields.at("lastConnectionDateTime").kind_case(), Value::kNullValue);
  EXPECT_EQ(fields.at("enrolledDateTime").kind_case(), Value::kNullValue);
  EXPECT_EQ(fields.at("roleScopeTagIds").list_value().values_size(), 0);
  EXPECT_EQ(fields.at("displayName").string_value(), "");
}

TEST(ConnectorJsonTest, StatesAreGraphsLowercaseNames) {
  EXPECT_EQ(StateName(ndes::v1::NDES_CONNECTOR_STATE_NONE), "none");
  EXPECT_EQ(StateName(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE), "active");
  EXPECT_EQ(StateName(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE), "inactive");
  EXPECT_EQ(StateName(ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE),
            "unknownFutureValue");
  EXPECT_EQ(StateName(42), "42");
}

TEST(ConnectorJsonTest, StringsAreEscaped) {
  ndes::v1::NdesConnector connector;
  connector.set_id("c");
  const std::string tricky = "quote\" backslash\\ newline\n tab\t bell\a é";
  connector.set_display_name(tricky);
  const Value value = ParseJson(ConnectorToJson(connector));
  EXPECT_EQ(value.struct_value().fields().at("displayName").string_value(),
            tricky);
  EXPECT_EQ(JsonString("\x01"), "\"\\u0001\"");
}

TEST(ConnectorJsonTest, DateTimesAreUtcWithFractionOnlyWhenNonZero) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(-62135596800);  // 0001-01-01T00:00:00Z
  EXPECT_EQ(FormatDateTime(timestamp), "0001-01-01T00:00:00Z");
  timestamp.set_seconds(253402300799);
  timestamp.set_nanos(999999999);
  EXPECT_EQ(FormatDateTime(timestamp), "9999-12-31T23:59:59.999999999Z");
  timestamp.set_seconds(0);
  timestamp.set_nanos(500000000);
  EXPECT_EQ(FormatDateTime(timestamp), "1970-01-01T00:00:00.5Z");
}

TEST(ConnectorJsonTest, ListIsAnArrayOfObjects) {
  EXPECT_EQ(ConnectorsToJson({}), "[]");
  ndes::v1::NdesConnector second = FullConnector();
  second.set_id("ndes-02");
  const Value value = ParseJson(ConnectorsToJson({FullConnector(), second}));
  ASSERT_EQ(value.list_value().values_size(), 2);
  EXPECT_EQ(value.list_value()
                .values(1)
                .struct_value()
                .fields()
                .at("id")
                .string_value(),
            "ndes-02");
}

}  // namespace
}  // namespace ndes::ndesctl
