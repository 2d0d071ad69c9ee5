#include "store/embedded_update.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/store_test_support.h"

namespace ndes::store {
namespace {

using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::IsOkAndHolds;
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::store::testing::WithoutEtag;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::testing::ResultOf;

StoredConnector Stored(const NdesConnector& connector,
                       const std::string& etag) {
  return StoredConnector{StoredBodyOf(connector), etag};
}

TEST(EtagForRevisionTest, IsAWeakEtagOfTheDecimalRevision) {
  EXPECT_EQ(EtagForRevision(1), "W/\"1\"");
  EXPECT_EQ(EtagForRevision(18446744073709551615u),
            "W/\"18446744073709551615\"");
}

TEST(StoredBodyOfTest, IsTheGraphRepresentationWithoutTheEtag) {
  NdesConnector connector = SampleConnector("ndes-1");
  connector.set_etag("W/\"7\"");
  const web::json::value body = StoredBodyOf(connector);
  ASSERT_TRUE(body.is_object());
  EXPECT_FALSE(body.has_field("@odata.etag"));
  ASSERT_TRUE(body.has_string_field("id"));
  EXPECT_EQ(body.at("id").as_string(), "ndes-1");
  ASSERT_TRUE(body.has_string_field("displayName"));
  EXPECT_EQ(body.at("displayName").as_string(), "NDES-01");
}

TEST(ConnectorOfTest, RestoresTheConnectorWithTheStoredEtag) {
  const NdesConnector connector = SampleConnector("ndes-1");
  absl::StatusOr<NdesConnector> restored =
      ConnectorOf(Stored(connector, "W/\"3\""));
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(restored->etag(), "W/\"3\"");
  EXPECT_THAT(WithoutEtag(*restored), EqualsProto(connector));
}

TEST(ConnectorOfTest, DamagedBodyIsInternal) {
  web::json::value not_a_connector = web::json::value::object();
  not_a_connector["id"] = web::json::value::string("ndes-1");
  not_a_connector["state"] = web::json::value::number(42);
  EXPECT_THAT(ConnectorOf(StoredConnector{not_a_connector, "W/\"1\""}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
  EXPECT_THAT(
      ConnectorOf(StoredConnector{web::json::value::string("x"), "W/\"1\""}),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
}

TEST(NextBodyForUpdateTest, MissingWithoutCreateIsNotFoundNamingTheId) {
  EXPECT_THAT(NextBodyForUpdate(std::nullopt, RenameCommand("ndes-9", "x")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-9")));
}

TEST(NextBodyForUpdateTest, MissingWithCreateIsTheBodyOfThatConnector) {
  NdesConnector connector = SampleConnector("another-id");
  UpdateCommand command = RenameCommand("ndes-9", "x");
  command.create_if_missing = connector;
  absl::StatusOr<web::json::value> body =
      NextBodyForUpdate(std::nullopt, command);
  ASSERT_THAT(body, IsOk());
  // The id is always the command's.
  connector.set_id("ndes-9");
  absl::StatusOr<NdesConnector> created =
      ConnectorOf(StoredConnector{*body, "W/\"1\""});
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(WithoutEtag(*created), EqualsProto(connector));
}

TEST(NextBodyForUpdateTest, MissingWithCreateAndAnEtagIsAborted) {
  UpdateCommand command = RenameCommand("ndes-9", "x", "W/\"4\"");
  command.create_if_missing = SampleConnector("ndes-9");
  EXPECT_THAT(NextBodyForUpdate(std::nullopt, command),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-9")));
}

TEST(NextBodyForUpdateTest, OtherEtagIsAbortedNamingIdAndEtag) {
  const StoredConnector current = Stored(SampleConnector("ndes-1"), "W/\"5\"");
  EXPECT_THAT(
      NextBodyForUpdate(current, RenameCommand("ndes-1", "x", "W/\"4\"")),
      StatusIs(absl::StatusCode::kAborted,
               ::testing::AllOf(HasSubstr("ndes-1"), HasSubstr("W/\"4\""))));
}

TEST(NextBodyForUpdateTest, MatchingEtagMergesThePatch) {
  const NdesConnector original = SampleConnector("ndes-1");
  absl::StatusOr<web::json::value> body = NextBodyForUpdate(
      Stored(original, "W/\"5\""), RenameCommand("ndes-1", "new", "W/\"5\""));
  ASSERT_THAT(body, IsOk());
  NdesConnector expected = original;
  expected.set_display_name("new");
  absl::StatusOr<NdesConnector> merged =
      ConnectorOf(StoredConnector{*body, "W/\"6\""});
  ASSERT_THAT(merged, IsOk());
  EXPECT_THAT(WithoutEtag(*merged), EqualsProto(expected));
}

TEST(NextBodyForUpdateTest, PatchIgnoresCreateIfMissingOfAnExistingId) {
  const NdesConnector original = SampleConnector("ndes-1");
  NdesConnector values;
  values.set_id("ndes-1");
  values.set_machine_name("other");
  UpdateCommand command = MakeUpdate(values, {"machine_name"});
  command.create_if_missing = values;
  absl::StatusOr<web::json::value> body =
      NextBodyForUpdate(Stored(original, "W/\"1\""), command);
  ASSERT_THAT(body, IsOk());
  NdesConnector expected = original;
  expected.set_machine_name("other");
  EXPECT_THAT(ConnectorOf(StoredConnector{*body, "W/\"2\""}),
              IsOkAndHolds(ResultOf(WithoutEtag, EqualsProto(expected))));
}

TEST(NextBodyForUpdateTest, DamagedStoredBodyIsInternal) {
  web::json::value damaged = web::json::value::object();
  damaged["id"] = web::json::value::string("ndes-1");
  damaged["roleScopeTagIds"] = web::json::value::string("not a list");
  EXPECT_THAT(NextBodyForUpdate(StoredConnector{damaged, "W/\"1\""},
                                RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("damaged")));
}

TEST(NextBodyForUpdateTest, StoredBodyOfAnotherIdIsInternal) {
  EXPECT_THAT(NextBodyForUpdate(Stored(SampleConnector("ndes-2"), "W/\"1\""),
                                RenameCommand("ndes-1", "x")),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("ndes-1")));
}

}  // namespace
}  // namespace ndes::store
