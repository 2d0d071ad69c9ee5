#include "ndes/client/connector_update.h"

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace ndes::client {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Paths(const ConnectorUpdate& update) {
  const auto request = update.ToRequest();
  return {request.update_mask().paths().begin(),
          request.update_mask().paths().end()};
}

TEST(ConnectorUpdateTest, MaskNamesExactlyTheFieldsSetInTheOrderSet) {
  ConnectorUpdate update("ndes-01");
  update.SetState(v1::NDES_CONNECTOR_STATE_ACTIVE).SetDisplayName("NDES-01");
  const auto request = update.ToRequest();
  EXPECT_THAT(Paths(update), ElementsAre("state", "display_name"));
  EXPECT_EQ(request.ndes_connector().id(), "ndes-01");
  EXPECT_EQ(request.ndes_connector().display_name(), "NDES-01");
  EXPECT_EQ(request.ndes_connector().state(), v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_TRUE(request.ndes_connector().machine_name().empty());
}

TEST(ConnectorUpdateTest, EverySetterNamesItsOwnField) {
  ConnectorUpdate update("c");
  update.SetDisplayName("d")
      .SetState(v1::NDES_CONNECTOR_STATE_INACTIVE)
      .SetLastConnectionDateTime(absl::FromUnixSeconds(10))
      .SetMachineName("m")
      .SetEnrolledDateTime(absl::FromUnixSeconds(20))
      .SetRoleScopeTagIds({"0", "7"})
      .SetConnectorVersion("6.1");
  EXPECT_THAT(Paths(update),
              ElementsAre("display_name", "state", "last_connection_date_time",
                          "machine_name", "enrolled_date_time",
                          "role_scope_tag_ids", "connector_version"));
  const NdesConnector connector = update.ToRequest().ndes_connector();
  EXPECT_EQ(connector.last_connection_date_time().seconds(), 10);
  EXPECT_EQ(connector.enrolled_date_time().seconds(), 20);
  EXPECT_THAT(connector.role_scope_tag_ids(), ElementsAre("0", "7"));
  EXPECT_EQ(connector.connector_version(), "6.1");
}

TEST(ConnectorUpdateTest, DefaultValuesAreStillNamedInTheMask) {
  // Without the mask the gateway could not tell "set to none" from "not
  // given"; the builder names the field either way.
  ConnectorUpdate update("c");
  update.SetState(v1::NDES_CONNECTOR_STATE_NONE).SetDisplayName("");
  EXPECT_THAT(Paths(update), ElementsAre("state", "display_name"));
}

TEST(ConnectorUpdateTest, ClearNamesTheFieldAndLeavesItUnset) {
  ConnectorUpdate update("c");
  update.SetDisplayName("x")
      .SetEnrolledDateTime(absl::FromUnixSeconds(5))
      .SetRoleScopeTagIds({"1"})
      .Clear(ConnectorField::kDisplayName)
      .Clear(ConnectorField::kEnrolledDateTime)
      .Clear(ConnectorField::kRoleScopeTagIds)
      .Clear(ConnectorField::kMachineName);
  EXPECT_THAT(Paths(update), ElementsAre("display_name", "enrolled_date_time",
                                         "role_scope_tag_ids", "machine_name"));
  const NdesConnector connector = update.ToRequest().ndes_connector();
  EXPECT_TRUE(connector.display_name().empty());
  EXPECT_FALSE(connector.has_enrolled_date_time());
  EXPECT_THAT(connector.role_scope_tag_ids(), IsEmpty());
}

TEST(ConnectorUpdateTest, NamingAFieldTwiceKeepsOnePathAndTheLastValue) {
  ConnectorUpdate update("c");
  update.SetDisplayName("first").SetMachineName("m").SetDisplayName("second");
  EXPECT_THAT(Paths(update), ElementsAre("display_name", "machine_name"));
  EXPECT_EQ(update.ToRequest().ndes_connector().display_name(), "second");
}

TEST(ConnectorUpdateTest, RoleScopeTagIdsReplaceTheWholeList) {
  ConnectorUpdate update("c");
  update.SetRoleScopeTagIds({"a", "b"}).SetRoleScopeTagIds({"c"});
  EXPECT_THAT(update.ToRequest().ndes_connector().role_scope_tag_ids(),
              ElementsAre("c"));
}

TEST(ConnectorUpdateTest, EtagAndAllowMissingGoIntoTheRequestNotTheMask) {
  ConnectorUpdate update("c");
  update.SetDisplayName("x").SetEtag("W/\"3\"").SetAllowMissing(true);
  const auto request = update.ToRequest();
  EXPECT_EQ(request.ndes_connector().etag(), "W/\"3\"");
  EXPECT_TRUE(request.allow_missing());
  EXPECT_THAT(Paths(update), ElementsAre("display_name"));
}

TEST(ConnectorUpdateTest, UpdateNamingNothingIsEmptyWithAnEmptyMask) {
  ConnectorUpdate update("c");
  EXPECT_TRUE(update.empty());
  EXPECT_THAT(Paths(update), IsEmpty());
  update.SetEtag("e");
  EXPECT_TRUE(update.empty());
}

TEST(ConnectorFieldTest, ParseAcceptsProtoAndGraphNames) {
  for (ConnectorField field : ndes::v1::WritableConnectorFields()) {
    EXPECT_EQ(ParseConnectorField(ndes::v1::MaskPath(field)).value(), field);
    EXPECT_EQ(ParseConnectorField(ndes::v1::GraphName(field)).value(), field);
  }
}

TEST(ConnectorFieldTest, ParseRejectsIdEtagAndUnknownNamesListingTheFields) {
  for (absl::string_view name : {"id", "etag", "colour", "", "Display_Name"}) {
    absl::StatusOr<ConnectorField> field = ParseConnectorField(name);
    EXPECT_EQ(field.status().code(), absl::StatusCode::kInvalidArgument)
        << name;
    EXPECT_THAT(field.status().message(), HasSubstr("display_name"));
  }
}

TEST(TimestampConversionTest, IsExactToTheNanosecondBeforeAndAfter1970) {
  for (absl::Time time :
       {absl::FromUnixNanos(1'764'324'930'123'456'789), absl::FromUnixNanos(-1),
        absl::FromUnixSeconds(-62'135'596'800),
        absl::FromUnixSeconds(253'402'300'799) + absl::Nanoseconds(999)}) {
    const google::protobuf::Timestamp timestamp = ToProtoTimestamp(time);
    EXPECT_GE(timestamp.nanos(), 0);
    EXPECT_LT(timestamp.nanos(), 1'000'000'000);
    EXPECT_EQ(FromProtoTimestamp(timestamp), time);
  }
  const google::protobuf::Timestamp before_epoch =
      ToProtoTimestamp(absl::FromUnixNanos(-1));
  EXPECT_EQ(before_epoch.seconds(), -1);
  EXPECT_EQ(before_epoch.nanos(), 999'999'999);
}

}  // namespace
}  // namespace ndes::client
