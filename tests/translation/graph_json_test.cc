#include "translation/graph_json.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::translation {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::web::json::value;

// Graph's "Update ndesConnector" 200 response body (Graph beta docs).
constexpr char kGraphDocsResponse[] = R"({
  "@odata.type": "#microsoft.graph.ndesConnector",
  "id": "e71fa706-a706-e71f-06a7-1fe706a71fe7",
  "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00",
  "state": "active",
  "displayName": "Display Name value"
})";

NdesConnector FullConnector() {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1483257516);
  connector.mutable_last_connection_date_time()->set_nanos(667003300);
  connector.set_machine_name("ndes01.contoso.com");
  connector.mutable_enrolled_date_time()->set_seconds(1795860930);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("7");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"1\"");
  return connector;
}

// Key order is not significant in a Graph document.
void ExpectSameJsonObject(const value& actual, const std::string& expected) {
  const value want = value::parse(expected);
  ASSERT_TRUE(actual.is_object()) << actual.serialize();
  ASSERT_EQ(actual.size(), want.size()) << actual.serialize();
  for (const auto& [key, want_value] : want.as_object()) {
    ASSERT_TRUE(actual.has_field(key)) << key << " in " << actual.serialize();
    EXPECT_EQ(actual.at(key), want_value)
        << key << ": " << actual.at(key).serialize();
  }
}

void ExpectSameConnector(const NdesConnector& actual,
                         const NdesConnector& expected) {
  EXPECT_TRUE(MessageDifferencer::Equals(actual, expected))
      << "actual:\n"
      << actual.DebugString() << "expected:\n"
      << expected.DebugString();
}

absl::Status ParseStatus(const std::string& json) {
  return ConnectorFromGraphJson(value::parse(json)).status();
}

// --- States ------------------------------------------------------------------

TEST(GraphStateTest, NamesEveryDeclaredState) {
  EXPECT_EQ(GraphStateName(ndes::v1::NDES_CONNECTOR_STATE_NONE), "none");
  EXPECT_EQ(GraphStateName(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE), "active");
  EXPECT_EQ(GraphStateName(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE),
            "inactive");
}

TEST(GraphStateTest, UnknownFutureValueHasGraphsEvolvableEnumName) {
  EXPECT_EQ(GraphStateName(ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE),
            "unknownFutureValue");
}

TEST(GraphStateTest, AnUndeclaredStateHasNoNameThatWouldParse) {
  const absl::string_view name =
      GraphStateName(static_cast<ndes::v1::NdesConnectorState>(4));
  EXPECT_FALSE(ParseGraphState(name).ok()) << name;
}

TEST(GraphStateTest, ReadingAnsweredStatesNeverFails) {
  EXPECT_EQ(ReadGraphState("active"), ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  for (const char* name : {"unknownFutureValue", "retired", "Active", ""}) {
    EXPECT_EQ(ReadGraphState(name),
              ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE)
        << name;
  }
}

TEST(GraphStateTest, ParsesTheThreeNames) {
  EXPECT_EQ(ParseGraphState("none").value(),
            ndes::v1::NDES_CONNECTOR_STATE_NONE);
  EXPECT_EQ(ParseGraphState("active").value(),
            ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_EQ(ParseGraphState("inactive").value(),
            ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
}

TEST(GraphStateTest, RejectsAnyOtherNameExactly) {
  for (const char* name :
       {"Active", "ACTIVE", "", " active", "active ", "unknownFutureValue", "1",
        "NDES_CONNECTOR_STATE_ACTIVE", "enabled"}) {
    absl::StatusOr<ndes::v1::NdesConnectorState> state = ParseGraphState(name);
    EXPECT_EQ(state.status().code(), absl::StatusCode::kInvalidArgument)
        << name;
    EXPECT_THAT(state.status().message(),
                HasSubstr(absl::StrCat("\"", name, "\"")));
    EXPECT_THAT(state.status().message(),
                HasSubstr("\"none\", \"active\", \"inactive\""));
  }
}

TEST(GraphStateTest, QuotesAHostileStateEscapedAndBounded) {
  absl::StatusOr<ndes::v1::NdesConnectorState> state =
      ParseGraphState("\x1b[2J\n" + std::string(10000, 'x'));
  ASSERT_EQ(state.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(state.status().message().size(), 200u);
  for (unsigned char c : state.status().message()) EXPECT_GE(c, 0x20);
}

// --- GraphPropertyValue
// ------------------------------------------------------------

TEST(GraphPropertyValueTest, WritesEachFieldAsGraphDoes) {
  const NdesConnector connector = FullConnector();
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kDisplayName),
            value::string("NDES-01"));
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kState),
            value::string("active"));
  EXPECT_EQ(GraphPropertyValue(connector,
                               v1::ConnectorField::kLastConnectionDateTime),
            value::string("2017-01-01T07:58:36.6670033Z"));
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kMachineName),
            value::string("ndes01.contoso.com"));
  EXPECT_EQ(
      GraphPropertyValue(connector, v1::ConnectorField::kEnrolledDateTime),
      value::string("2026-11-28T10:15:30Z"));
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kRoleScopeTagIds),
            value::parse(R"(["0", "7"])"));
  EXPECT_EQ(
      GraphPropertyValue(connector, v1::ConnectorField::kConnectorVersion),
      value::string("6.2301.1.0"));
}

TEST(GraphPropertyValueTest, WritesDefaultsAsEmptyNullOrNone) {
  const NdesConnector connector;
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kDisplayName),
            value::string(""));
  EXPECT_EQ(GraphPropertyValue(connector, v1::ConnectorField::kState),
            value::string("none"));
  EXPECT_TRUE(
      GraphPropertyValue(connector, v1::ConnectorField::kLastConnectionDateTime)
          .is_null());
  EXPECT_TRUE(
      GraphPropertyValue(connector, v1::ConnectorField::kEnrolledDateTime)
          .is_null());
  const value tags =
      GraphPropertyValue(connector, v1::ConnectorField::kRoleScopeTagIds);
  ASSERT_TRUE(tags.is_array());
  EXPECT_EQ(tags.size(), 0u);
}

TEST(GraphPropertyValueTest, WritesASetEpochTimestampRatherThanNull) {
  NdesConnector connector;
  connector.mutable_enrolled_date_time();
  EXPECT_EQ(
      GraphPropertyValue(connector, v1::ConnectorField::kEnrolledDateTime),
      value::string("1970-01-01T00:00:00Z"));
}

// --- ConnectorToGraphJson
// ---------------------------------------------------------

TEST(ConnectorToGraphJsonTest, WritesEveryProperty) {
  ExpectSameJsonObject(ConnectorToGraphJson(FullConnector()), R"({
    "@odata.type": "#microsoft.graph.ndesConnector",
    "id": "ndes-01",
    "displayName": "NDES-01",
    "state": "active",
    "lastConnectionDateTime": "2017-01-01T07:58:36.6670033Z",
    "machineName": "ndes01.contoso.com",
    "enrolledDateTime": "2026-11-28T10:15:30Z",
    "roleScopeTagIds": ["0", "7"],
    "connectorVersion": "6.2301.1.0",
    "@odata.etag": "W/\"1\""
  })");
}

TEST(ConnectorToGraphJsonTest, LeavesOutAnEmptyEtag) {
  NdesConnector connector;
  connector.set_id("e71fa706-a706-e71f-06a7-1fe706a71fe7");
  ExpectSameJsonObject(ConnectorToGraphJson(connector), R"({
    "@odata.type": "#microsoft.graph.ndesConnector",
    "id": "e71fa706-a706-e71f-06a7-1fe706a71fe7",
    "displayName": "",
    "state": "none",
    "lastConnectionDateTime": null,
    "machineName": "",
    "enrolledDateTime": null,
    "roleScopeTagIds": [],
    "connectorVersion": ""
  })");
}

TEST(ConnectorToGraphJsonTest, EscapesStringsInTheSerializedDocument) {
  NdesConnector connector;
  connector.set_id("x");
  connector.set_display_name(std::string("quote\" back\\ nl\n nul\0 end", 25));
  const value json = ConnectorToGraphJson(connector);
  const value reparsed = value::parse(json.serialize());
  ASSERT_TRUE(reparsed.is_object());
  EXPECT_EQ(reparsed.at("displayName").as_string(), connector.display_name());
}

// --- ConnectorFromGraphJson
// -----------------------------------------------------------

TEST(ConnectorFromGraphJsonTest, ReadsGraphsUpdateResponseExample) {
  absl::StatusOr<NdesConnector> connector =
      ConnectorFromGraphJson(value::parse(kGraphDocsResponse));
  ASSERT_TRUE(connector.ok()) << connector.status();
  NdesConnector expected;
  expected.set_id("e71fa706-a706-e71f-06a7-1fe706a71fe7");
  expected.set_display_name("Display Name value");
  expected.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  // 2016-12-31T23:58:36.6670033-08:00 == 2017-01-01T07:58:36.6670033Z
  expected.mutable_last_connection_date_time()->set_seconds(1483257516);
  expected.mutable_last_connection_date_time()->set_nanos(667003300);
  ExpectSameConnector(*connector, expected);
  EXPECT_FALSE(connector->has_enrolled_date_time());
}

TEST(ConnectorFromGraphJsonTest, RoundTripsWhatConnectorToGraphJsonWrites) {
  for (const NdesConnector& original : {FullConnector(), NdesConnector()}) {
    absl::StatusOr<NdesConnector> connector =
        ConnectorFromGraphJson(ConnectorToGraphJson(original));
    ASSERT_TRUE(connector.ok()) << connector.status();
    ExpectSameConnector(*connector, original);
    // And through text, as a store or an upstream would carry it.
    connector = ConnectorFromGraphJson(
        value::parse(ConnectorToGraphJson(original).serialize()));
    ASSERT_TRUE(connector.ok()) << connector.status();
    ExpectSameConnector(*connector, original);
  }
}

TEST(ConnectorFromGraphJsonTest, ReadsTheEtagAnnotation) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
      value::parse(R"({"id": "a", "@odata.etag": "W/\"datetime'2024'\""})"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_EQ(connector->etag(), "W/\"datetime'2024'\"");
}

TEST(ConnectorFromGraphJsonTest, IgnoresUnknownPropertiesAndAnnotations) {
  absl::StatusOr<NdesConnector> connector =
      ConnectorFromGraphJson(value::parse(R"({
    "@odata.context": "https://graph.microsoft.com/beta/$metadata#x",
    "@odata.type": "#microsoft.graph.somethingElse",
    "@odata.id": 42,
    "@microsoft.graph.tips": {"a": [1, 2]},
    "displayName@odata.type": "#String",
    "id": "a",
    "displayName": "kept",
    "colour": [[[[]]]],
    "DisplayName": 7,
    "etag": 5,
    "role_scope_tag_ids": "x"
  })"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  NdesConnector expected;
  expected.set_id("a");
  expected.set_display_name("kept");
  ExpectSameConnector(*connector, expected);
}

TEST(ConnectorFromGraphJsonTest, LeavesMissingPropertiesAtTheirDefaults) {
  absl::StatusOr<NdesConnector> connector =
      ConnectorFromGraphJson(value::parse("{}"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  ExpectSameConnector(*connector, NdesConnector());
}

TEST(ConnectorFromGraphJsonTest, ReadsNullAsTheDefault) {
  absl::StatusOr<NdesConnector> connector =
      ConnectorFromGraphJson(value::parse(R"({
    "id": null, "displayName": null, "state": null,
    "lastConnectionDateTime": null, "machineName": null,
    "enrolledDateTime": null, "roleScopeTagIds": null,
    "connectorVersion": null, "@odata.etag": null
  })"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  ExpectSameConnector(*connector, NdesConnector());
  EXPECT_FALSE(connector->has_last_connection_date_time());
  EXPECT_FALSE(connector->has_enrolled_date_time());
}

TEST(ConnectorFromGraphJsonTest, ReadsEveryStateName) {
  const std::pair<const char*, ndes::v1::NdesConnectorState> cases[] = {
      {"none", ndes::v1::NDES_CONNECTOR_STATE_NONE},
      {"active", ndes::v1::NDES_CONNECTOR_STATE_ACTIVE},
      {"inactive", ndes::v1::NDES_CONNECTOR_STATE_INACTIVE}};
  for (const auto& [name, state] : cases) {
    absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
        value::parse(absl::StrCat(R"({"state": ")", name, R"("})")));
    ASSERT_TRUE(connector.ok()) << connector.status();
    EXPECT_EQ(connector->state(), state);
  }
}

TEST(ConnectorFromGraphJsonTest, NormalisesDateTimesToUtc) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
      value::parse(R"({"enrolledDateTime": "2026-11-28T15:45:30.5+05:30"})"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_EQ(connector->enrolled_date_time().seconds(), 1795860930);
  EXPECT_EQ(connector->enrolled_date_time().nanos(), 500000000);
}

TEST(ConnectorFromGraphJsonTest, KeepsTheOrderOfRoleScopeTagIds) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
      value::parse(R"({"roleScopeTagIds": ["9", "0", "9", ""]})"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_THAT(connector->role_scope_tag_ids(),
              ::testing::ElementsAre("9", "0", "9", ""));
}

TEST(ConnectorFromGraphJsonTest, RejectsADocumentThatIsNotAnObject) {
  for (const char* json : {"[]", "[{}]", "\"x\"", "null", "0", "true"}) {
    absl::Status status = ParseStatus(json);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(status.message(), HasSubstr("must be a JSON object")) << json;
  }
}

TEST(ConnectorFromGraphJsonTest, RejectsAWrongTypeNamingTheProperty) {
  const char* const properties[] = {"id",
                                    "displayName",
                                    "state",
                                    "lastConnectionDateTime",
                                    "machineName",
                                    "enrolledDateTime",
                                    "roleScopeTagIds",
                                    "connectorVersion",
                                    "@odata.etag"};
  for (const char* property : properties) {
    for (const char* wrong : {"1", "true", "{}", "[]", "\"text\""}) {
      const bool is_array_property =
          absl::string_view(property) == "roleScopeTagIds";
      if (is_array_property && absl::string_view(wrong) == "[]") continue;
      if (!is_array_property && absl::string_view(wrong) == "\"text\"") {
        continue;  // a string is the right type (checked separately)
      }
      absl::Status status =
          ParseStatus(absl::StrCat(R"({")", property, R"(": )", wrong, "}"));
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
          << property << " = " << wrong;
      EXPECT_THAT(status.message(),
                  HasSubstr(absl::StrCat("\"", property, "\"")))
          << property << " = " << wrong;
    }
  }
}

TEST(ConnectorFromGraphJsonTest, RejectsARoleScopeTagIdThatIsNotAString) {
  for (const char* item : {"1", "null", "true", "{}", "[\"0\"]"}) {
    absl::Status status =
        ParseStatus(absl::StrCat(R"({"roleScopeTagIds": ["0", )", item, "]}"));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << item;
    EXPECT_THAT(status.message(), HasSubstr("\"roleScopeTagIds\" item 1"));
  }
}

TEST(ConnectorFromGraphJsonTest, ReadsAStateItDoesNotKnowAsUnknownFuture) {
  for (const char* state : {"unknownFutureValue", "retired", "Active"}) {
    absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
        value::parse(absl::StrCat(R"({"id": "ndes-1", "state": ")", state,
                                  R"(", "displayName": "kept"})")));
    ASSERT_TRUE(connector.ok()) << state << ": " << connector.status();
    EXPECT_EQ(connector->state(),
              ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE);
    EXPECT_EQ(connector->display_name(), "kept");
  }
}

TEST(ConnectorFromGraphJsonTest, IgnoresPropertiesItDoesNotKnow) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(value::parse(
      R"({"id": "ndes-1", "displayName": "kept", "futureFlag": true,
          "connectorHealth": {"status": "ok", "checks": [1, 2]},
          "@odata.context": "https://graph.microsoft.com/beta/$metadata"})"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_EQ(connector->id(), "ndes-1");
  EXPECT_EQ(connector->display_name(), "kept");
}

TEST(ConnectorFromGraphJsonTest, RejectsABadDateTimeNamingTheProperty) {
  for (const char* property : {"lastConnectionDateTime", "enrolledDateTime"}) {
    for (const char* text :
         {"yesterday", "2016-12-31T23:58:36", "0000-01-01T00:00:00Z",
          "2016-02-30T00:00:00Z", ""}) {
      absl::Status status = ParseStatus(
          absl::StrCat(R"({")", property, R"(": ")", text, R"("})"));
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
      EXPECT_THAT(status.message(),
                  HasSubstr(absl::StrCat("\"", property, "\"")));
      EXPECT_THAT(status.message(), HasSubstr("not an RFC 3339 date-time"));
    }
  }
}

TEST(ConnectorFromGraphJsonTest, NeverThrowsOnHostileDocuments) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  const std::vector<std::string> documents = {
      R"({"roleScopeTagIds": )" + deep + "}",
      R"({"colour": )" + deep + "}",
      R"({"displayName": )" + deep + "}",
      R"({"roleScopeTagIds": [[], {}, null]})",
      R"({"state": {"state": "active"}})",
      R"({"lastConnectionDateTime": 1483257516})",
      R"({"lastConnectionDateTime": -1e308})",
      R"({"id": 18446744073709551616})",
      R"({"displayName": "\u0000\ud800"})",
      R"({"displayName": "a", "displayName": 1})",
      R"({"@odata.etag": ["W/\"1\""]})",
      R"({"": "", "@": null, "@odata.": 1})",
  };
  for (const std::string& document : documents) {
    std::error_code error;
    const value json = value::parse(document, error);
    if (error) continue;
    EXPECT_NO_THROW({
      absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(json);
      (void)connector;
    }) << document;
  }
}

TEST(ConnectorFromGraphJsonTest, ReadsOneValueOfARepeatedKeyWithoutFailing) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(
      value::parse(R"({"displayName": "a", "displayName": "b"})"));
  ASSERT_TRUE(connector.ok()) << connector.status();
  EXPECT_THAT(connector->display_name(), ::testing::AnyOf("a", "b"));
}

}  // namespace
}  // namespace ndes::translation
