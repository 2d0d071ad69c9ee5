#include "translation/field_mask_plan.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "translation/field_limits.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr std::int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z

google::protobuf::FieldMask Mask(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

NdesConnector FullConnector() {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1483257516);
  connector.set_machine_name("ndes01.contoso.com");
  connector.mutable_enrolled_date_time()->set_seconds(1795860930);
  connector.add_role_scope_tag_ids("0");
  connector.set_connector_version("6.2301.1.0");
  connector.set_etag("W/\"1\"");
  return connector;
}

std::vector<std::string> ViolationFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    fields.push_back(violation.field);
  }
  return fields;
}

bool HasNoControlCharacters(absl::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// --- Explicit masks ---------------------------------------------------------

TEST(PlanFieldMaskTest, PlansTheHeaderExample) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"display_name", "state"}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAre(v1::ConnectorField::kDisplayName,
                          v1::ConnectorField::kState));
}

TEST(PlanFieldMaskTest, PlansFieldsInFieldNumberOrderWhateverTheMaskOrder) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"connector_version", "state", "role_scope_tag_ids",
                          "display_name"}),
                    FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(
      plan->fields.Fields(),
      ElementsAre(v1::ConnectorField::kDisplayName, v1::ConnectorField::kState,
                  v1::ConnectorField::kRoleScopeTagIds,
                  v1::ConnectorField::kConnectorVersion));
}

TEST(PlanFieldMaskTest, AcceptsEveryWritableFieldName) {
  for (v1::ConnectorField field : v1::WritableConnectorFields()) {
    absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(
        Mask({std::string(v1::MaskPath(field))}), FullConnector());
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_THAT(plan->fields.Fields(), ElementsAre(field));
  }
}

TEST(PlanFieldMaskTest, CountsRepeatedPathsOnce) {
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(
      Mask({"state", "display_name", "state", "state"}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAre(v1::ConnectorField::kDisplayName,
                          v1::ConnectorField::kState));
}

TEST(PlanFieldMaskTest, IgnoresIdAndEtag) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"id", "machine_name", "etag"}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAre(v1::ConnectorField::kMachineName));
}

TEST(PlanFieldMaskTest, RejectsAMaskOfOnlyIdAndEtag) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"id", "etag"}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(),
              HasSubstr("at least one property must be changed"));
  EXPECT_THAT(ViolationFields(plan.status()), ElementsAre("update_mask"));
}

TEST(PlanFieldMaskTest, PlansMaskedFieldsThatAreUnsetSoTheyAreCleared) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"display_name", "last_connection_date_time",
                          "role_scope_tag_ids", "state"}),
                    NdesConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(
      plan->fields.Fields(),
      ElementsAre(v1::ConnectorField::kDisplayName, v1::ConnectorField::kState,
                  v1::ConnectorField::kLastConnectionDateTime,
                  v1::ConnectorField::kRoleScopeTagIds));
}

TEST(PlanFieldMaskTest, RejectsAnUnknownPathNamingItAndItsIndex) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"display_name", "colour"}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("\"colour\""));
  EXPECT_THAT(plan.status().message(),
              HasSubstr("not a field of ndes.v1.NdesConnector"));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("update_mask.paths[1]"));
}

TEST(PlanFieldMaskTest, SuggestsTheSnakeCaseNameForACamelCasePath) {
  const std::pair<const char*, const char*> cases[] = {
      {"displayName", "display_name"},
      {"lastConnectionDateTime", "last_connection_date_time"},
      {"roleScopeTagIds", "role_scope_tag_ids"},
      {"DisplayName", "display_name"},
      {"connectorVersion", "connector_version"},
      {"DISPLAY_NAME", "display_name"},
      {"State", "state"},
      {"ETAG", "etag"},
  };
  for (const auto& [camel, snake] : cases) {
    absl::StatusOr<FieldMaskPlan> plan =
        PlanFieldMask(Mask({camel}), FullConnector());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(plan.status().message(),
                HasSubstr(absl::StrCat("\"", camel, "\"")));
    EXPECT_THAT(plan.status().message(),
                HasSubstr(absl::StrCat("did you mean \"", snake, "\"?")));
    EXPECT_THAT(ViolationFields(plan.status()),
                ElementsAre("update_mask.paths[0]"));
  }
}

TEST(PlanFieldMaskTest, DoesNotSuggestANameForAPathUnlikeAnyField) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"colourName"}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), Not(HasSubstr("did you mean")));
}

TEST(PlanFieldMaskTest, RejectsPathsIntoAField) {
  for (const char* path :
       {"state.x", "role_scope_tag_ids.0", "last_connection_date_time.seconds",
        "enrolled_date_time.nanos", "display_name.length", "id.x", "etag.x"}) {
    absl::StatusOr<FieldMaskPlan> plan =
        PlanFieldMask(Mask({"display_name", path}), FullConnector());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(plan.status().message(),
                HasSubstr(absl::StrCat("\"", path, "\" is a path into")));
    EXPECT_THAT(ViolationFields(plan.status()),
                ElementsAre("update_mask.paths[1]"));
  }
}

TEST(PlanFieldMaskTest, RejectsOtherDottedAndSpacedPaths) {
  for (const char* path :
       {"ndes_connector.display_name", ".state", "state.", " state", "state ",
        "display-name", "role_scope_tag_ids[0]", "displayname"}) {
    absl::StatusOr<FieldMaskPlan> plan =
        PlanFieldMask(Mask({path}), FullConnector());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(ViolationFields(plan.status()),
                ElementsAre("update_mask.paths[0]"));
  }
}

TEST(PlanFieldMaskTest, RejectsAnEmptyPath) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"state", ""}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("empty path"));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("update_mask.paths[1]"));
}

TEST(PlanFieldMaskTest, ReportsEveryBadPath) {
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(
      Mask({"colour", "display_name", "state.x", ""}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("\"colour\""));
  EXPECT_THAT(plan.status().message(), HasSubstr("\"state.x\""));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("update_mask.paths[0]", "update_mask.paths[2]",
                          "update_mask.paths[3]"));
}

TEST(PlanFieldMaskTest, BoundsTheErrorOfAHugeMask) {
  std::vector<std::string> paths;
  for (int i = 0; i < 10000; ++i) paths.push_back(absl::StrCat("bogus", i));
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask(paths), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(plan.status()), SizeIs(10));
  EXPECT_THAT(plan.status().message(), HasSubstr("and 9990 more"));
  EXPECT_LT(plan.status().message().size(), 2000u);
}

TEST(PlanFieldMaskTest, QuotesAHostilePathEscapedAndTruncated) {
  const std::string path = "\x01\n\x1b[2J" + std::string(100000, 'a');
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({path}), FullConnector());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(plan.status().message().size(), 300u);
  EXPECT_TRUE(HasNoControlCharacters(plan.status().message()))
      << plan.status().message();
  for (const FieldViolation& violation : FieldViolationsOf(plan.status())) {
    EXPECT_TRUE(HasNoControlCharacters(violation.description));
    EXPECT_LT(violation.description.size(), 300u);
  }
}

// --- "*"
// ----------------------------------------------------------------------

TEST(PlanFieldMaskTest, StarAloneSelectsEveryWritableField) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"*"}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAreArray(v1::WritableConnectorFields()));
}

TEST(PlanFieldMaskTest, StarOnAnEmptyConnectorReplacesEverythingWithDefaults) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"*"}), NdesConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAreArray(v1::WritableConnectorFields()));
}

TEST(PlanFieldMaskTest, RepeatedStarIsStillStarAlone) {
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"*", "*"}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAreArray(v1::WritableConnectorFields()));
}

TEST(PlanFieldMaskTest, RejectsStarMixedWithAnotherPath) {
  const std::vector<std::vector<std::string>> masks = {{"*", "display_name"},
                                                       {"display_name", "*"},
                                                       {"*", "id"},
                                                       {"etag", "*"},
                                                       {"*", "colour"}};
  for (const std::vector<std::string>& paths : masks) {
    absl::StatusOr<FieldMaskPlan> plan =
        PlanFieldMask(Mask(paths), FullConnector());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(plan.status().message(),
                HasSubstr("\"*\" must be the only path"));
    const int other = paths[0] == "*" ? 1 : 0;
    EXPECT_THAT(ViolationFields(plan.status()),
                ElementsAre(absl::StrCat("update_mask.paths[", other, "]")));
  }
}

// --- Implied mask
// ---------------------------------------------------------------

TEST(PlanFieldMaskTest, EmptyMaskImpliesEveryPopulatedWritableField) {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_display_name("NDES-01");
  connector.add_role_scope_tag_ids("0");
  connector.set_etag("W/\"1\"");
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({}), connector);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAre(v1::ConnectorField::kDisplayName,
                          v1::ConnectorField::kRoleScopeTagIds));
}

TEST(PlanFieldMaskTest, EmptyMaskOnAFullConnectorImpliesAllWritableFields) {
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({}), FullConnector());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAreArray(v1::WritableConnectorFields()));
}

TEST(PlanFieldMaskTest, ImpliedMaskTreatsEachKindOfDefaultAsUnset) {
  // Each writable field set to a non-default value on its own is implied.
  for (v1::ConnectorField field : v1::WritableConnectorFields()) {
    NdesConnector connector;
    switch (field) {
      case v1::ConnectorField::kDisplayName:
        connector.set_display_name("x");
        break;
      case v1::ConnectorField::kState:
        connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
        break;
      case v1::ConnectorField::kLastConnectionDateTime:
        connector.mutable_last_connection_date_time();  // 1970-01-01: set
        break;
      case v1::ConnectorField::kMachineName:
        connector.set_machine_name("x");
        break;
      case v1::ConnectorField::kEnrolledDateTime:
        connector.mutable_enrolled_date_time();
        break;
      case v1::ConnectorField::kRoleScopeTagIds:
        connector.add_role_scope_tag_ids("");  // a non-empty list
        break;
      case v1::ConnectorField::kConnectorVersion:
        connector.set_connector_version("x");
        break;
    }
    absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({}), connector);
    ASSERT_TRUE(plan.ok()) << v1::MaskPath(field) << ": " << plan.status();
    EXPECT_THAT(plan->fields.Fields(), ElementsAre(field));
  }
}

TEST(PlanFieldMaskTest, RejectsAnEmptyImpliedMask) {
  NdesConnector connector;
  connector.set_id("ndes-01");
  connector.set_etag("W/\"1\"");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_NONE);
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(),
              HasSubstr("at least one property must be changed"));
  EXPECT_THAT(ViolationFields(plan.status()), ElementsAre("ndes_connector"));
}

TEST(PlanFieldMaskTest, ImpliedMaskStillChecksValues) {
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(7));
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.state"));
}

// --- Values
// -------------------------------------------------------------------

TEST(PlanFieldMaskTest, RefusesToWriteUnknownFutureValue) {
  NdesConnector connector = FullConnector();
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE);
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"state"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(),
              HasSubstr("UNKNOWN_FUTURE_VALUE is output only"));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.state"));
  // A connector read with that state can still be updated in other fields.
  EXPECT_TRUE(PlanFieldMask(Mask({"display_name"}), connector).ok());
}

TEST(PlanFieldMaskTest, RejectsAStateOutsideTheDeclaredValues) {
  for (int value : {4, -1, 1000}) {
    NdesConnector connector = FullConnector();
    connector.set_state(static_cast<ndes::v1::NdesConnectorState>(value));
    absl::StatusOr<FieldMaskPlan> plan =
        PlanFieldMask(Mask({"state"}), connector);
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(plan.status().message(), HasSubstr("ndes_connector.state"));
    EXPECT_THAT(plan.status().message(),
                HasSubstr(absl::StrCat("state ", value, " is not")));
    EXPECT_THAT(ViolationFields(plan.status()),
                ElementsAre("ndes_connector.state"));
  }
}

TEST(PlanFieldMaskTest, AcceptsEveryDeclaredState) {
  for (auto state : {ndes::v1::NDES_CONNECTOR_STATE_NONE,
                     ndes::v1::NDES_CONNECTOR_STATE_ACTIVE,
                     ndes::v1::NDES_CONNECTOR_STATE_INACTIVE}) {
    NdesConnector connector;
    connector.set_state(state);
    EXPECT_TRUE(PlanFieldMask(Mask({"state"}), connector).ok()) << state;
  }
}

TEST(PlanFieldMaskTest, DoesNotCheckValuesOfUnmaskedFields) {
  NdesConnector connector = FullConnector();
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(9));
  connector.mutable_enrolled_date_time()->set_nanos(-1);
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"display_name"}), connector);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->fields.Fields(),
              ElementsAre(v1::ConnectorField::kDisplayName));
}

TEST(PlanFieldMaskTest, RejectsTimestampsOutsideTheRange) {
  NdesConnector connector = FullConnector();
  connector.mutable_last_connection_date_time()->set_seconds(kMaxSeconds + 1);
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"last_connection_date_time"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(),
              HasSubstr("ndes_connector.last_connection_date_time"));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.last_connection_date_time"));

  connector = FullConnector();
  connector.mutable_enrolled_date_time()->set_seconds(-62135596801);
  plan = PlanFieldMask(Mask({"enrolled_date_time"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.enrolled_date_time"));
}

TEST(PlanFieldMaskTest, RejectsTimestampsWithBadNanos) {
  NdesConnector connector = FullConnector();
  connector.mutable_enrolled_date_time()->set_nanos(1000000000);
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"enrolled_date_time"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("nanos 1000000000"));
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.enrolled_date_time"));
}

TEST(PlanFieldMaskTest, StarChecksTheValuesOfEveryField) {
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(5));
  connector.mutable_last_connection_date_time()->set_nanos(-3);
  absl::StatusOr<FieldMaskPlan> plan = PlanFieldMask(Mask({"*"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.state",
                          "ndes_connector.last_connection_date_time"));
}

TEST(PlanFieldMaskTest, ChecksTheMaskBeforeTheValues) {
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(5));
  absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"state", "colour"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("update_mask.paths[1]"));
}

// --- ValidateConnectorValues ------------------------------------------------

TEST(ValidateConnectorValuesTest, AcceptsAValidConnector) {
  EXPECT_TRUE(ValidateConnectorValues(FullConnector(),
                                      v1::ConnectorFieldSet::All(),
                                      "ndes_connector")
                  .ok());
  EXPECT_TRUE(ValidateConnectorValues(NdesConnector(),
                                      v1::ConnectorFieldSet::All(),
                                      "ndes_connector")
                  .ok());
}

TEST(ValidateConnectorValuesTest, ReportsEveryBadFieldUnderThePrefix) {
  NdesConnector connector = FullConnector();
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(3));
  connector.mutable_last_connection_date_time()->set_seconds(kMaxSeconds + 1);
  connector.mutable_enrolled_date_time()->set_nanos(-1);
  absl::Status status = ValidateConnectorValues(
      connector, v1::ConnectorFieldSet::All(), "request.connector");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("request.connector.state"));
  EXPECT_THAT(status.message(),
              HasSubstr("request.connector.last_connection_date_time"));
  EXPECT_THAT(status.message(),
              HasSubstr("request.connector.enrolled_date_time"));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("request.connector.state",
                          "request.connector.last_connection_date_time",
                          "request.connector.enrolled_date_time"));
}

TEST(ValidateConnectorValuesTest, ChecksOnlyTheGivenFields) {
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(3));
  const v1::ConnectorFieldSet fields = {v1::ConnectorField::kDisplayName,
                                        v1::ConnectorField::kEnrolledDateTime};
  EXPECT_TRUE(ValidateConnectorValues(connector, fields, "c").ok());
  EXPECT_TRUE(ValidateConnectorValues(connector, {}, "c").ok());
}

TEST(ValidateConnectorValuesTest, AnEmptyPrefixNamesBareFields) {
  NdesConnector connector;
  connector.set_state(static_cast<ndes::v1::NdesConnectorState>(3));
  absl::Status status =
      ValidateConnectorValues(connector, v1::ConnectorFieldSet::All(), "");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(status), ElementsAre("state"));
}

TEST(ValidateConnectorValuesTest, IgnoresUnsetTimestamps) {
  NdesConnector connector;
  EXPECT_FALSE(connector.has_last_connection_date_time());
  EXPECT_THAT(FieldViolationsOf(ValidateConnectorValues(
                  connector, v1::ConnectorFieldSet::All(), "c")),
              IsEmpty());
  EXPECT_TRUE(
      ValidateConnectorValues(connector, v1::ConnectorFieldSet::All(), "c")
          .ok());
}

// --- Field limits
// -------------------------------------------------------------

TEST(ValidateConnectorValuesTest, StringsAtTheirLimitsAreAccepted) {
  NdesConnector connector = FullConnector();
  // Limits count characters: "é" takes two bytes.
  std::string name;
  for (std::size_t i = 0; i < kMaxDisplayNameChars; ++i) name += "\xc3\xa9";
  connector.set_display_name(name);
  connector.set_machine_name(std::string(kMaxMachineNameChars, 'm'));
  connector.set_connector_version(std::string(kMaxConnectorVersionChars, '1'));
  connector.clear_role_scope_tag_ids();
  for (std::size_t i = 0; i < kMaxRoleScopeTagIds; ++i) {
    connector.add_role_scope_tag_ids(std::string(kMaxRoleScopeTagIdChars, 't'));
  }
  EXPECT_TRUE(ValidateConnectorValues(connector, v1::ConnectorFieldSet::All(),
                                      "ndes_connector")
                  .ok());
  EXPECT_LE(connector.ByteSizeLong(), kMaxConnectorBytes);
}

TEST(ValidateConnectorValuesTest, StringsOverTheirLimitsAreRefusedNamingThem) {
  NdesConnector connector = FullConnector();
  connector.set_display_name(std::string(kMaxDisplayNameChars + 1, 'd'));
  connector.set_machine_name(std::string(kMaxMachineNameChars + 1, 'm'));
  connector.set_connector_version(
      std::string(kMaxConnectorVersionChars + 1, '1'));
  connector.add_role_scope_tag_ids(
      std::string(kMaxRoleScopeTagIdChars + 1, 't'));
  const absl::Status status = ValidateConnectorValues(
      connector, v1::ConnectorFieldSet::All(), "ndes_connector");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("ndes_connector.display_name is 257 characters long, "
                        "more than the 256 allowed"));
  EXPECT_THAT(status.message(), HasSubstr("more than the 255 allowed"));
  EXPECT_THAT(
      ViolationFields(status),
      ElementsAre("ndes_connector.display_name", "ndes_connector.machine_name",
                  "ndes_connector.role_scope_tag_ids[1]",
                  "ndes_connector.connector_version"));
}

TEST(ValidateConnectorValuesTest, TooManyScopeTagsAreRefused) {
  NdesConnector connector = FullConnector();
  for (std::size_t i = 0; i < kMaxRoleScopeTagIds; ++i) {
    connector.add_role_scope_tag_ids("1");
  }
  const absl::Status status = ValidateConnectorValues(
      connector, v1::ConnectorFieldSet::All(), "ndes_connector");
  EXPECT_THAT(status.message(),
              HasSubstr("ndes_connector.role_scope_tag_ids has 101 entries, "
                        "more than the 100 allowed"));
}

TEST(PlanFieldMaskTest, OnlyMaskedFieldsAreHeldToTheirLimits) {
  NdesConnector connector = FullConnector();
  connector.set_display_name(std::string(kMaxDisplayNameChars + 1, 'd'));
  // Not masked: not written, so not checked.
  EXPECT_TRUE(PlanFieldMask(Mask({"state"}), connector).ok());
  const absl::StatusOr<FieldMaskPlan> plan =
      PlanFieldMask(Mask({"display_name"}), connector);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(plan.status()),
              ElementsAre("ndes_connector.display_name"));
}

}  // namespace
}  // namespace ndes::translation
