#include "translation/graph_patch.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "translation/connector_fields.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"

namespace ndes::translation {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::web::json::value;

// Graph's "Update ndesConnector" example (Graph beta docs): request body and
// 200 response body.
constexpr char kGraphDocsRequest[] = R"({
  "@odata.type": "#microsoft.graph.ndesConnector",
  "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00",
  "state": "active",
  "displayName": "Display Name value"
})";
constexpr char kGraphDocsResponse[] = R"({
  "@odata.type": "#microsoft.graph.ndesConnector",
  "id": "e71fa706-a706-e71f-06a7-1fe706a71fe7",
  "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00",
  "state": "active",
  "displayName": "Display Name value"
})";
constexpr char kGraphDocsId[] = "e71fa706-a706-e71f-06a7-1fe706a71fe7";

google::protobuf::FieldMask Mask(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

FieldMaskPlan PlanOf(const std::vector<std::string>& paths,
                     const NdesConnector& connector) {
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask(paths), connector);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : FieldMaskPlan{};
}

NdesConnector StoredConnector() {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("Old name");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1000);
  connector.set_machine_name("old.contoso.com");
  connector.mutable_enrolled_date_time()->set_seconds(2000);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("1");
  connector.set_connector_version("6.0.0.0");
  return connector;
}

NdesConnector NewValues() {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1483257516);
  connector.mutable_last_connection_date_time()->set_nanos(667003300);
  connector.set_machine_name("ndes01.contoso.com");
  connector.mutable_enrolled_date_time()->set_seconds(1795860930);
  connector.add_role_scope_tag_ids("7");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"9\"");
  return connector;
}

// Key order is not significant in a Graph document.
void ExpectSameJsonObject(const value& actual, const value& want) {
  ASSERT_TRUE(actual.is_object()) << actual.serialize();
  ASSERT_TRUE(want.is_object()) << want.serialize();
  ASSERT_EQ(actual.size(), want.size())
      << actual.serialize() << " vs " << want.serialize();
  for (const auto& [key, want_value] : want.as_object()) {
    ASSERT_TRUE(actual.has_field(key)) << key << " in " << actual.serialize();
    EXPECT_EQ(actual.at(key), want_value)
        << key << ": " << actual.at(key).serialize();
  }
}

void ExpectSameJsonObject(const value& actual, const std::string& want) {
  ExpectSameJsonObject(actual, value::parse(want));
}

void ExpectSameConnector(const NdesConnector& actual,
                         const NdesConnector& expected) {
  EXPECT_TRUE(MessageDifferencer::Equals(actual, expected))
      << "actual:\n"
      << actual.DebugString() << "expected:\n"
      << expected.DebugString();
}

NdesConnector ConnectorOf(const value& json) {
  absl::StatusOr<NdesConnector> connector = ConnectorFromGraphJson(json);
  EXPECT_TRUE(connector.ok()) << connector.status();
  return connector.ok() ? *connector : NdesConnector();
}

// --- BuildGraphPatchDocument -------------------------------------------------

TEST(BuildGraphPatchDocumentTest, WritesTheSpecExample) {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.set_machine_name("not masked");
  const value patch = BuildGraphPatchDocument(
      connector, PlanOf({"display_name", "state"}, connector));
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "displayName": "NDES-01", "state": "active"})");
}

TEST(BuildGraphPatchDocumentTest, WritesGraphsUpdateRequestExample) {
  NdesConnector connector;
  connector.set_id(kGraphDocsId);
  connector.set_display_name("Display Name value");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  const value request = value::parse(kGraphDocsRequest);
  *connector.mutable_last_connection_date_time() =
      ConnectorOf(request).last_connection_date_time();

  const value patch = BuildGraphPatchDocument(
      connector, PlanOf({"last_connection_date_time", "state", "display_name"},
                        connector));

  // Exactly the request's properties, the time normalised to UTC.
  value expected = request;
  expected["lastConnectionDateTime"] =
      value::string("2017-01-01T07:58:36.6670033Z");
  ExpectSameJsonObject(patch, expected);
}

TEST(BuildGraphPatchDocumentTest, WritesOnlyPlannedPropertiesNeverIdOrEtag) {
  const value patch = BuildGraphPatchDocument(
      NewValues(), PlanOf({"id", "etag", "machine_name"}, NewValues()));
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "machineName": "ndes01.contoso.com"})");
}

TEST(BuildGraphPatchDocumentTest, WritesEveryFieldForStar) {
  const value patch =
      BuildGraphPatchDocument(NewValues(), PlanOf({"*"}, NewValues()));
  ExpectSameJsonObject(patch, R"({
    "@odata.type": "#microsoft.graph.ndesConnector",
    "displayName": "NDES-01",
    "state": "active",
    "lastConnectionDateTime": "2017-01-01T07:58:36.6670033Z",
    "machineName": "ndes01.contoso.com",
    "enrolledDateTime": "2026-11-28T10:15:30Z",
    "roleScopeTagIds": ["7"],
    "connectorVersion": "6.2301.1.0"
  })");
}

TEST(BuildGraphPatchDocumentTest, ClearsUnsetFieldsAsGraphExpects) {
  // Cleared: null, except a collection ([]) and the state ("none").
  const NdesConnector empty;
  const value patch = BuildGraphPatchDocument(empty, PlanOf({"*"}, empty));
  ExpectSameJsonObject(patch, R"({
    "@odata.type": "#microsoft.graph.ndesConnector",
    "displayName": null,
    "state": "none",
    "lastConnectionDateTime": null,
    "machineName": null,
    "enrolledDateTime": null,
    "roleScopeTagIds": [],
    "connectorVersion": null
  })");
}

TEST(BuildGraphPatchDocumentTest, WritesAnEmptyStringAsNull) {
  NdesConnector connector = NewValues();
  connector.set_display_name("");
  const value patch = BuildGraphPatchDocument(
      connector, PlanOf({"display_name", "connector_version"}, connector));
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "displayName": null,
                                  "connectorVersion": "6.2301.1.0"})");
}

TEST(BuildGraphPatchDocumentTest, WritesTheWholeListOfAMaskedCollection) {
  NdesConnector connector;
  connector.add_role_scope_tag_ids("3");
  connector.add_role_scope_tag_ids("1");
  connector.add_role_scope_tag_ids("3");
  const value patch = BuildGraphPatchDocument(
      connector, PlanOf({"role_scope_tag_ids"}, connector));
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "roleScopeTagIds": ["3", "1", "3"]})");
}

TEST(BuildGraphPatchDocumentTest, AnUndeclaredStateNeverBecomesNone) {
  // A precondition breach (values are validated first) must not silently
  // clear the state: the document must fail when applied instead.
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(5));
  FieldMaskPlan plan{{ConnectorField::kState}};
  const value patch = BuildGraphPatchDocument(connector, plan);
  ASSERT_TRUE(patch.has_field("state"));
  EXPECT_NE(patch.at("state"), value::string("none"));
  EXPECT_FALSE(patch.at("state").is_null());
  EXPECT_EQ(ApplyGraphPatch(ConnectorToGraphJson(StoredConnector()), patch)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// --- ApplyGraphPatch
// ------------------------------------------------------------

TEST(ApplyGraphPatchTest, ReproducesGraphsUpdateExample) {
  NdesConnector stored;
  stored.set_id(kGraphDocsId);
  stored.set_display_name("Before");
  absl::StatusOr<value> merged = ApplyGraphPatch(
      ConnectorToGraphJson(stored), value::parse(kGraphDocsRequest));
  ASSERT_TRUE(merged.ok()) << merged.status();
  ExpectSameConnector(ConnectorOf(*merged),
                      ConnectorOf(value::parse(kGraphDocsResponse)));
  EXPECT_EQ(merged->at("lastConnectionDateTime"),
            value::string("2017-01-01T07:58:36.6670033Z"));
  EXPECT_EQ(merged->at("id"), value::string(kGraphDocsId));
}

TEST(ApplyGraphPatchTest, ReplacesOnlyThePatchedProperties) {
  absl::StatusOr<value> merged = ApplyGraphPatch(
      ConnectorToGraphJson(StoredConnector()),
      value::parse(R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                       "displayName": "NDES-01", "state": "active"})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected = StoredConnector();
  expected.set_display_name("NDES-01");
  expected.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  ExpectSameConnector(ConnectorOf(*merged), expected);
}

TEST(ApplyGraphPatchTest, ReturnsTheCanonicalFormWithoutEtag) {
  value stored = ConnectorToGraphJson(StoredConnector());
  stored["@odata.etag"] = value::string("W/\"1\"");
  stored["colour"] = value::string("blue");
  absl::StatusOr<value> merged = ApplyGraphPatch(
      stored, value::parse(R"({"enrolledDateTime": "2026-11-28T15:45:30+05:30",
                               "unknownProperty": 1})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected = StoredConnector();
  expected.mutable_enrolled_date_time()->set_seconds(1795860930);
  ExpectSameJsonObject(*merged, ConnectorToGraphJson(expected));
  EXPECT_FALSE(merged->has_field("@odata.etag"));
  EXPECT_FALSE(merged->has_field("colour"));
  EXPECT_FALSE(merged->has_field("unknownProperty"));
}

TEST(ApplyGraphPatchTest, ClearsPropertiesSetToNullOrEmpty) {
  const NdesConnector empty;
  absl::StatusOr<value> merged =
      ApplyGraphPatch(ConnectorToGraphJson(StoredConnector()),
                      BuildGraphPatchDocument(empty, PlanOf({"*"}, empty)));
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected;
  expected.set_id("ndes-01");
  ExpectSameConnector(ConnectorOf(*merged), expected);
  EXPECT_TRUE(merged->at("lastConnectionDateTime").is_null());
  EXPECT_EQ(merged->at("roleScopeTagIds"), value::array());
  EXPECT_EQ(merged->at("state"), value::string("none"));
}

TEST(ApplyGraphPatchTest, ReplacesACollectionRatherThanAppending) {
  absl::StatusOr<value> merged =
      ApplyGraphPatch(ConnectorToGraphJson(StoredConnector()),
                      value::parse(R"({"roleScopeTagIds": ["1", "5"]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(ConnectorOf(*merged).role_scope_tag_ids(),
              ::testing::ElementsAre("1", "5"));
}

TEST(ApplyGraphPatchTest, SkipsODataAnnotationsOfThePatch) {
  absl::StatusOr<value> merged = ApplyGraphPatch(
      ConnectorToGraphJson(StoredConnector()),
      value::parse(R"({"@odata.type": "#microsoft.graph.somethingElse",
                       "@odata.etag": "W/\"forged\"",
                       "@odata.context": 5,
                       "machineName": "m"})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->at("@odata.type"),
            value::string("#microsoft.graph.ndesConnector"));
  EXPECT_FALSE(merged->has_field("@odata.etag"));
  EXPECT_FALSE(merged->has_field("@odata.context"));
  EXPECT_EQ(ConnectorOf(*merged).machine_name(), "m");

  // Skipped, not read: annotations of any JSON type do no harm.
  merged = ApplyGraphPatch(ConnectorToGraphJson(StoredConnector()),
                           value::parse(R"({"@odata.etag": 12,
                                            "@odata.type": ["x"],
                                            "machineName": "n"})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(ConnectorOf(*merged).machine_name(), "n");
}

TEST(ApplyGraphPatchTest, RefusesToChangeTheId) {
  for (const char* patch : {R"({"id": "other"})", R"({"id": null})",
                            R"({"id": 1})", R"({"id": ""})"}) {
    absl::StatusOr<value> merged = ApplyGraphPatch(
        ConnectorToGraphJson(StoredConnector()), value::parse(patch));
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument)
        << patch;
    EXPECT_THAT(merged.status().message(), HasSubstr("\"id\"")) << patch;
  }
}

TEST(ApplyGraphPatchTest, AcceptsTheSameIdInThePatch) {
  absl::StatusOr<value> merged =
      ApplyGraphPatch(ConnectorToGraphJson(StoredConnector()),
                      value::parse(R"({"id": "ndes-01", "machineName": "m"})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->at("id"), value::string("ndes-01"));
}

TEST(ApplyGraphPatchTest, RejectsDocumentsThatAreNotObjects) {
  const value stored = ConnectorToGraphJson(StoredConnector());
  for (const char* json : {"[]", "null", "\"x\"", "1"}) {
    absl::StatusOr<value> merged = ApplyGraphPatch(stored, value::parse(json));
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(merged.status().message(), HasSubstr("PATCH document"));
    merged = ApplyGraphPatch(value::parse(json), value::parse("{}"));
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(merged.status().message(), HasSubstr("stored connector"));
  }
}

TEST(ApplyGraphPatchTest, RejectsAPatchThatMakesAnInvalidConnector) {
  const value stored = ConnectorToGraphJson(StoredConnector());
  const std::pair<const char*, const char*> cases[] = {
      {R"({"state": "bogus"})", "\"state\""},
      {R"({"state": 1})", "\"state\""},
      {R"({"lastConnectionDateTime": "yesterday"})",
       "\"lastConnectionDateTime\""},
      {R"({"enrolledDateTime": "10000-01-01T00:00:00Z"})",
       "\"enrolledDateTime\""},
      {R"({"displayName": 5})", "\"displayName\""},
      {R"({"roleScopeTagIds": "0"})", "\"roleScopeTagIds\""},
      {R"({"roleScopeTagIds": [0]})", "\"roleScopeTagIds\""},
  };
  for (const auto& [patch, property] : cases) {
    absl::StatusOr<value> merged = ApplyGraphPatch(stored, value::parse(patch));
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument)
        << patch;
    EXPECT_THAT(merged.status().message(), HasSubstr(property)) << patch;
  }
}

TEST(ApplyGraphPatchTest, RejectsAnInvalidStoredDocument) {
  absl::StatusOr<value> merged =
      ApplyGraphPatch(value::parse(R"({"id": "a", "state": "broken"})"),
                      value::parse(R"({"displayName": "x"})"));
  EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(merged.status().message(), HasSubstr("\"state\""));
}

TEST(ApplyGraphPatchTest, AnEmptyPatchKeepsTheStoredConnector) {
  absl::StatusOr<value> merged = ApplyGraphPatch(
      ConnectorToGraphJson(StoredConnector()),
      value::parse(R"({"@odata.type": "#microsoft.graph.ndesConnector"})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  ExpectSameConnector(ConnectorOf(*merged), StoredConnector());
}

void CopyField(ConnectorField field, const NdesConnector& from,
               NdesConnector* to) {
  switch (field) {
    case ConnectorField::kDisplayName:
      to->set_display_name(from.display_name());
      break;
    case ConnectorField::kState:
      to->set_state(from.state());
      break;
    case ConnectorField::kLastConnectionDateTime:
      to->clear_last_connection_date_time();
      if (from.has_last_connection_date_time()) {
        *to->mutable_last_connection_date_time() =
            from.last_connection_date_time();
      }
      break;
    case ConnectorField::kMachineName:
      to->set_machine_name(from.machine_name());
      break;
    case ConnectorField::kEnrolledDateTime:
      to->clear_enrolled_date_time();
      if (from.has_enrolled_date_time()) {
        *to->mutable_enrolled_date_time() = from.enrolled_date_time();
      }
      break;
    case ConnectorField::kRoleScopeTagIds:
      *to->mutable_role_scope_tag_ids() = from.role_scope_tag_ids();
      break;
    case ConnectorField::kConnectorVersion:
      to->set_connector_version(from.connector_version());
      break;
  }
}

// Every subset of writable fields, written with new values and cleared:
// exactly the masked fields change.
TEST(ApplyGraphPatchTest, ChangesExactlyTheMaskedFieldsForEveryMask) {
  const int field_count = static_cast<int>(kWritableConnectorFields.size());
  NdesConnector cleared;
  cleared.set_id("ndes-01");
  for (int bits = 1; bits < (1 << field_count); ++bits) {
    std::vector<std::string> paths;
    std::vector<ConnectorField> fields;
    for (int k = 0; k < field_count; ++k) {
      if (bits & (1 << k)) {
        fields.push_back(kWritableConnectorFields[k]);
        paths.emplace_back(ProtoFieldName(kWritableConnectorFields[k]));
      }
    }
    for (const NdesConnector& source : {NewValues(), cleared}) {
      absl::StatusOr<value> merged = ApplyGraphPatch(
          ConnectorToGraphJson(StoredConnector()),
          BuildGraphPatchDocument(source, PlanOf(paths, source)));
      ASSERT_TRUE(merged.ok()) << merged.status();
      NdesConnector expected = StoredConnector();
      for (ConnectorField field : fields) CopyField(field, source, &expected);
      SCOPED_TRACE(absl::StrCat("mask bits ", bits));
      ExpectSameConnector(ConnectorOf(*merged), expected);
    }
  }
}

TEST(ApplyGraphPatchTest, NeverThrowsOnHostileDocuments) {
  const value stored = ConnectorToGraphJson(StoredConnector());
  const std::vector<std::string> documents = {
      R"({"id": {"$ne": null}})",
      R"({"id": ["ndes-01"]})",
      R"({"roleScopeTagIds": [[[[[]]]]]})",
      R"({"displayName": "a", "displayName": 1})",
      R"({"state": "active", "state": "bogus"})",
      R"({"": null, "@odata.": {}})",
  };
  for (const std::string& document : documents) {
    std::error_code error;
    const value patch = value::parse(document, error);
    if (error) continue;
    EXPECT_NO_THROW({
      absl::StatusOr<value> merged = ApplyGraphPatch(stored, patch);
      (void)merged;
      merged = ApplyGraphPatch(patch, stored);
      (void)merged;
    }) << document;
  }
}

// Found by tests/fuzz/graph_patch_fuzzer: a stored "id": null (damage made
// outside the gateway) reads as "" and the merge writes it back as "", so a
// PATCH carrying "id": null applies to the damaged body once and is then
// refused as an attempt to change the id. Stores only hold canonical bodies.
TEST(ApplyGraphPatchTest, StoredNullIdIsWrittenBackInCanonicalForm) {
  const value stored =
      value::parse(R"({"id": null, "displayName": "a"})");
  const value patch = value::parse(R"({"id": null, "displayName": "b"})");
  absl::StatusOr<value> once = ApplyGraphPatch(stored, patch);
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(once->at("id").as_string(), "");
  EXPECT_EQ(once->at("displayName").as_string(), "b");
  absl::StatusOr<value> twice = ApplyGraphPatch(*once, patch);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("\"id\""));
}

}  // namespace
}  // namespace ndes::translation
