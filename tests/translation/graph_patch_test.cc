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
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
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
      connector, PlanOf({"display_name", "state"}, connector).fields);
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
      connector,
      PlanOf({"last_connection_date_time", "state", "display_name"}, connector)
          .fields);

  // Exactly the request's properties, the time normalised to UTC.
  value expected = request;
  expected["lastConnectionDateTime"] =
      value::string("2017-01-01T07:58:36.6670033Z");
  ExpectSameJsonObject(patch, expected);
}

TEST(BuildGraphPatchDocumentTest, WritesOnlyPlannedPropertiesNeverIdOrEtag) {
  const value patch = BuildGraphPatchDocument(
      NewValues(), PlanOf({"id", "etag", "machine_name"}, NewValues()).fields);
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "machineName": "ndes01.contoso.com"})");
}

TEST(BuildGraphPatchDocumentTest, WritesEveryFieldForStar) {
  const value patch =
      BuildGraphPatchDocument(NewValues(), PlanOf({"*"}, NewValues()).fields);
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
  const value patch =
      BuildGraphPatchDocument(empty, PlanOf({"*"}, empty).fields);
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
      connector,
      PlanOf({"display_name", "connector_version"}, connector).fields);
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
      connector, PlanOf({"role_scope_tag_ids"}, connector).fields);
  ExpectSameJsonObject(patch,
                       R"({"@odata.type": "#microsoft.graph.ndesConnector",
                                  "roleScopeTagIds": ["3", "1", "3"]})");
}

TEST(BuildGraphPatchDocumentTest, AnUndeclaredStateNeverBecomesNone) {
  // A precondition breach (values are validated first) must not silently
  // clear the state: the document must fail when read instead.
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(5));
  FieldMaskPlan plan;
  plan.fields.Add(v1::ConnectorField::kState);
  const value patch = BuildGraphPatchDocument(connector, plan.fields);
  ASSERT_TRUE(patch.has_field("state"));
  EXPECT_NE(patch.at("state"), value::string("none"));
  EXPECT_FALSE(patch.at("state").is_null());
  EXPECT_EQ(ParseGraphPatchDocument(patch, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- ParseGraphPatchDocument ------------------------------------------------

// What a store holds after Graph's merge of `patch` into `stored`: the
// document read as Graph reads it, its fields copied onto the stored value.
absl::StatusOr<NdesConnector> Applied(const NdesConnector& stored,
                                      const value& patch) {
  absl::StatusOr<GraphPatch> read = ParseGraphPatchDocument(patch, stored.id());
  if (!read.ok()) return read.status();
  NdesConnector next = stored;
  v1::CopyFields(read->values, read->fields, &next);
  return next;
}

absl::StatusOr<NdesConnector> Applied(const NdesConnector& stored,
                                      const std::string& patch) {
  return Applied(stored, value::parse(patch));
}

TEST(ParseGraphPatchDocumentTest, ReproducesGraphsUpdateExample) {
  NdesConnector stored;
  stored.set_id(kGraphDocsId);
  stored.set_display_name("Before");
  absl::StatusOr<NdesConnector> merged = Applied(stored, kGraphDocsRequest);
  ASSERT_TRUE(merged.ok()) << merged.status();
  ExpectSameConnector(*merged, ConnectorOf(value::parse(kGraphDocsResponse)));
  EXPECT_EQ(ConnectorToGraphJson(*merged).at("lastConnectionDateTime"),
            value::string("2017-01-01T07:58:36.6670033Z"));
}

TEST(ParseGraphPatchDocumentTest, NamesExactlyThePropertiesOfTheDocument) {
  absl::StatusOr<GraphPatch> read = ParseGraphPatchDocument(
      value::parse(R"({"@odata.type": "#microsoft.graph.ndesConnector",
                       "displayName": "NDES-01", "state": "active"})"),
      "ndes-01");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->fields.Fields(),
            (std::vector<v1::ConnectorField>{v1::ConnectorField::kDisplayName,
                                             v1::ConnectorField::kState}));
  EXPECT_EQ(read->values.display_name(), "NDES-01");
  EXPECT_EQ(read->values.state(), ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
}

TEST(ParseGraphPatchDocumentTest, ReplacesOnlyThePatchedProperties) {
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(),
              R"({"@odata.type": "#microsoft.graph.ndesConnector",
                  "displayName": "NDES-01", "state": "active"})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected = StoredConnector();
  expected.set_display_name("NDES-01");
  expected.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  ExpectSameConnector(*merged, expected);
}

TEST(ParseGraphPatchDocumentTest, ReadsDateTimesWithOffsetsAsUtc) {
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(),
              R"({"enrolledDateTime": "2026-11-28T15:45:30+05:30"})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected = StoredConnector();
  expected.mutable_enrolled_date_time()->set_seconds(1795860930);
  ExpectSameConnector(*merged, expected);
}

TEST(ParseGraphPatchDocumentTest, RefusesAPropertyAnNdesConnectorDoesNotHave) {
  for (const char* patch :
       {R"({"colour": "blue"})",
        R"({"displayName": "x", "unknownProperty": 1})",
        R"({"DisplayName": "x"})", R"({"display_name": "x"})"}) {
    absl::StatusOr<GraphPatch> read =
        ParseGraphPatchDocument(value::parse(patch), "ndes-01");
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument)
        << patch;
    EXPECT_THAT(read.status().message(), HasSubstr("does not exist")) << patch;
  }
}

TEST(ParseGraphPatchDocumentTest, ClearsPropertiesSetToNullOrEmpty) {
  const NdesConnector empty;
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(),
              BuildGraphPatchDocument(empty, PlanOf({"*"}, empty).fields));
  ASSERT_TRUE(merged.ok()) << merged.status();
  NdesConnector expected;
  expected.set_id("ndes-01");
  ExpectSameConnector(*merged, expected);
}

TEST(ParseGraphPatchDocumentTest, ReplacesACollectionRatherThanAppending) {
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(), R"({"roleScopeTagIds": ["1", "5"]})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(merged->role_scope_tag_ids(), ::testing::ElementsAre("1", "5"));
}

TEST(ParseGraphPatchDocumentTest, SkipsODataAnnotations) {
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(),
              R"({"@odata.type": "#microsoft.graph.somethingElse",
                  "@odata.etag": "W/\"forged\"",
                  "@odata.context": 5,
                  "machineName": "m"})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->machine_name(), "m");
  EXPECT_EQ(merged->etag(), "");

  // Skipped, not read: annotations of any JSON type do no harm.
  merged = Applied(StoredConnector(), R"({"@odata.etag": 12,
                                          "@odata.type": ["x"],
                                          "machineName": "n"})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->machine_name(), "n");
}

TEST(ParseGraphPatchDocumentTest, RefusesToChangeTheId) {
  for (const char* patch : {R"({"id": "other"})", R"({"id": null})",
                            R"({"id": 1})", R"({"id": ""})"}) {
    absl::StatusOr<NdesConnector> merged = Applied(StoredConnector(), patch);
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument)
        << patch;
    EXPECT_THAT(merged.status().message(), HasSubstr("\"id\"")) << patch;
  }
}

TEST(ParseGraphPatchDocumentTest, AcceptsTheSameIdInThePatch) {
  absl::StatusOr<NdesConnector> merged =
      Applied(StoredConnector(), R"({"id": "ndes-01", "machineName": "m"})");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->id(), "ndes-01");
  EXPECT_EQ(merged->machine_name(), "m");
}

TEST(ParseGraphPatchDocumentTest, RejectsDocumentsThatAreNotObjects) {
  for (const char* json : {"[]", "null", "\"x\"", "1"}) {
    absl::StatusOr<GraphPatch> read =
        ParseGraphPatchDocument(value::parse(json), "ndes-01");
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(read.status().message(), HasSubstr("PATCH document"));
  }
}

TEST(ParseGraphPatchDocumentTest, RejectsAValueOfTheWrongTypeOrForm) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"state": "bogus"})", "\"state\""},
      {R"({"state": "unknownFutureValue"})", "\"state\""},
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
    absl::StatusOr<GraphPatch> read =
        ParseGraphPatchDocument(value::parse(patch), "ndes-01");
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument)
        << patch;
    EXPECT_THAT(read.status().message(), HasSubstr(property)) << patch;
  }
}

TEST(ParseGraphPatchDocumentTest, AnEmptyPatchChangesNothing) {
  absl::StatusOr<GraphPatch> read = ParseGraphPatchDocument(
      value::parse(R"({"@odata.type": "#microsoft.graph.ndesConnector"})"),
      "ndes-01");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->fields.empty());
}

// Every subset of writable fields, written with new values and cleared:
// the document of exactly those fields reads back to exactly them, and
// applying it changes exactly them.
TEST(ParseGraphPatchDocumentTest, RoundTripsEveryFieldSet) {
  const int field_count =
      static_cast<int>(v1::WritableConnectorFields().size());
  NdesConnector cleared;
  cleared.set_id("ndes-01");
  for (int bits = 1; bits < (1 << field_count); ++bits) {
    v1::ConnectorFieldSet fields;
    for (int k = 0; k < field_count; ++k) {
      if (bits & (1 << k)) fields.Add(v1::WritableConnectorFields()[k]);
    }
    for (const NdesConnector& source : {NewValues(), cleared}) {
      SCOPED_TRACE(absl::StrCat("field bits ", bits));
      absl::StatusOr<GraphPatch> read = ParseGraphPatchDocument(
          BuildGraphPatchDocument(source, fields), "ndes-01");
      ASSERT_TRUE(read.ok()) << read.status();
      EXPECT_EQ(read->fields, fields);
      absl::StatusOr<NdesConnector> merged =
          Applied(StoredConnector(), BuildGraphPatchDocument(source, fields));
      ASSERT_TRUE(merged.ok()) << merged.status();
      NdesConnector expected = StoredConnector();
      v1::CopyFields(source, fields, &expected);
      ExpectSameConnector(*merged, expected);
    }
  }
}

TEST(ParseGraphPatchDocumentTest, NeverThrowsOnHostileDocuments) {
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
      absl::StatusOr<GraphPatch> read =
          ParseGraphPatchDocument(patch, "ndes-01");
      (void)read;
    }) << document;
  }
}

}  // namespace
}  // namespace ndes::translation
