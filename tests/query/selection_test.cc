#include "query/selection.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/query_errors.h"
#include "query/query_properties.h"
#include "query/query_test_connectors.h"
#include "translation/status_details.h"

namespace ndes::query {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;

Property P(const char* proto_name) { return *PropertyByProtoName(proto_name); }

google::protobuf::FieldMask Mask(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

Selection FromMask(const std::vector<std::string>& paths) {
  absl::StatusOr<Selection> selection = SelectionFromReadMask(Mask(paths));
  EXPECT_TRUE(selection.ok()) << selection.status();
  return selection.ok() ? *selection : Selection();
}

Selection FromSelect(const std::string& text) {
  absl::StatusOr<Selection> selection = ParseODataSelect(text);
  EXPECT_TRUE(selection.ok()) << text << ": " << selection.status();
  return selection.ok() ? *selection : Selection();
}

TEST(SelectionTest, BothSyntaxesGiveTheSameSelection) {
  const Selection expected = Selection::Of({P("state"), P("display_name")});
  EXPECT_EQ(FromSelect("displayName,state"), expected);
  EXPECT_EQ(FromSelect("state, displayName ,state"), expected);
  EXPECT_EQ(FromMask({"display_name", "state"}), expected);
  EXPECT_FALSE(expected.all());
}

TEST(SelectionTest, EmptyOrStarSelectsEverything) {
  EXPECT_TRUE(FromSelect("").all());
  EXPECT_TRUE(FromSelect("*").all());
  EXPECT_TRUE(FromSelect("displayName,*").all());
  EXPECT_TRUE(FromMask({}).all());
  EXPECT_TRUE(FromMask({"*"}).all());
}

TEST(SelectionTest, ApplyClearsWhatIsNotSelectedButKeepsIdAndEtag) {
  NdesConnector connector = TestConnectors()[0];
  Apply(FromMask({"display_name", "role_scope_tag_ids"}), &connector);
  NdesConnector expected;
  expected.set_id("c1");
  expected.set_etag(TestConnectors()[0].etag());
  expected.set_display_name("NDES-01");
  expected.add_role_scope_tag_ids("0");
  EXPECT_EQ(connector.SerializeAsString(), expected.SerializeAsString())
      << connector.DebugString();
}

TEST(SelectionTest, SelectingOnlyEtagKeepsIdAndEtag) {
  NdesConnector connector = TestConnectors()[0];
  const Selection selection = FromMask({"etag"});
  Apply(selection, &connector);
  EXPECT_EQ(connector.id(), "c1");
  EXPECT_FALSE(connector.etag().empty());
  EXPECT_TRUE(connector.display_name().empty());
  EXPECT_FALSE(connector.has_last_connection_date_time());
  EXPECT_EQ(ToODataSelect(selection), "id");
}

TEST(SelectionTest, ApplyAllChangesNothing) {
  NdesConnector connector = TestConnectors()[3];
  Apply(Selection::All(), &connector);
  EXPECT_EQ(connector.SerializeAsString(),
            TestConnectors()[3].SerializeAsString());
}

TEST(SelectionTest, IncludesIdAlways) {
  const Selection selection = FromSelect("state");
  EXPECT_TRUE(selection.Includes(P("id")));
  EXPECT_TRUE(selection.Includes(P("state")));
  EXPECT_FALSE(selection.Includes(P("display_name")));
}

TEST(SelectionTest, WritesODataInFieldOrderThatReadsBack) {
  const Selection selection =
      FromMask({"connector_version", "state", "last_connection_date_time"});
  EXPECT_EQ(ToODataSelect(selection),
            "state,lastConnectionDateTime,connectorVersion");
  EXPECT_EQ(FromSelect(ToODataSelect(selection)), selection);
  EXPECT_EQ(ToODataSelect(Selection::All()), "");
}

TEST(SelectionTest, RefusesUnknownNames) {
  absl::Status status = ParseODataSelect("displayName,colour").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid $select at position 13: Could not find a property named "
            "'colour' on type 'microsoft.graph.ndesConnector'.");
  EXPECT_FALSE(IsUnsupportedQuery(status));
  EXPECT_THAT(std::string(ParseODataSelect("display_name").status().message()),
              HasSubstr("'display_name'"));
  EXPECT_THAT(std::string(ParseODataSelect("etag").status().message()),
              HasSubstr("'etag'"));
  EXPECT_THAT(std::string(ParseODataSelect("id state").status().message()),
              HasSubstr("expected a comma or the end, found 'state'"));
  EXPECT_THAT(std::string(ParseODataSelect("id,").status().message()),
              HasSubstr("empty item"));

  status = SelectionFromReadMask(
               Mask({"state", "last_connection_date_time.seconds"}))
               .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid read_mask.paths[1]: "
            "'last_connection_date_time.seconds' is not a field of "
            "NdesConnector");
  ASSERT_EQ(translation::FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(translation::FieldViolationsOf(status)[0].field,
            "read_mask.paths[1]");
  EXPECT_FALSE(SelectionFromReadMask(Mask({"displayName"})).ok());
  EXPECT_FALSE(SelectionFromReadMask(Mask({""})).ok());
}

}  // namespace
}  // namespace ndes::query
