#include "store/stored_connector.h"

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
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::StatusIs;
using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;

StoredConnector Stored(const NdesConnector& connector,
                       const std::string& etag) {
  return StoredConnector{connector, etag};
}

TEST(EtagForRevisionTest, IsAWeakEtagOfTheDecimalRevision) {
  EXPECT_EQ(EtagForRevision(1), "W/\"1\"");
  EXPECT_EQ(EtagForRevision(18446744073709551615u),
            "W/\"18446744073709551615\"");
}

TEST(AnsweredConnectorTest, IsTheValueWithTheStoredEtag) {
  const NdesConnector connector = SampleConnector("ndes-1");
  const NdesConnector answered =
      AnsweredConnector(Stored(connector, "W/\"3\""));
  EXPECT_EQ(answered.etag(), "W/\"3\"");
  NdesConnector expected = connector;
  expected.set_etag("W/\"3\"");
  EXPECT_THAT(answered, EqualsProto(expected));
}

TEST(StoredBodyOfTest, IsTheGraphRepresentationWithoutTheEtag) {
  NdesConnector connector = SampleConnector("ndes-1");
  connector.set_etag("W/\"7\"");
  const web::json::value body =
      web::json::value::parse(StoredBodyOf(connector));
  ASSERT_TRUE(body.is_object());
  EXPECT_FALSE(body.has_field("@odata.etag"));
  ASSERT_TRUE(body.has_string_field("id"));
  EXPECT_EQ(body.at("id").as_string(), "ndes-1");
  ASSERT_TRUE(body.has_string_field("displayName"));
  EXPECT_EQ(body.at("displayName").as_string(), "NDES-01");
}

TEST(ConnectorOfBodyTest, ReadsBackWhatStoredBodyOfWrote) {
  const NdesConnector connector = SampleConnector("ndes-1");
  absl::StatusOr<NdesConnector> restored =
      ConnectorOfBody("ndes-1", StoredBodyOf(connector));
  ASSERT_THAT(restored, IsOk());
  EXPECT_THAT(*restored, EqualsProto(connector));
}

TEST(ConnectorOfBodyTest, DamagedBodyIsInternalNamingTheId) {
  for (const char* body :
       {R"({"id": "ndes-1", "state": 42})", R"("x")", "{not json",
        R"({"id": "ndes-1", "roleScopeTagIds": "not a list"})"}) {
    EXPECT_THAT(
        ConnectorOfBody("ndes-1", body),
        StatusIs(absl::StatusCode::kInternal,
                 ::testing::AllOf(HasSubstr("damaged"), HasSubstr("ndes-1"))))
        << body;
  }
}

TEST(ConnectorOfBodyTest, BodyOfAnotherIdIsInternal) {
  EXPECT_THAT(
      ConnectorOfBody("ndes-1", StoredBodyOf(SampleConnector("ndes-2"))),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("another id")));
}

TEST(NextConnectorForUpdateTest, MissingWithoutCreateIsNotFoundNamingTheId) {
  EXPECT_THAT(
      NextConnectorForUpdate(std::nullopt, RenameCommand("ndes-9", "x")),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-9")));
}

TEST(NextConnectorForUpdateTest, MissingWithCreateIsTheWholeGivenConnector) {
  NdesConnector values = SampleConnector("another-id");
  values.set_etag("W/\"9\"");
  UpdateCommand command = MakeUpdate(values, {"display_name"});
  command.id = "ndes-9";
  command.create_if_missing = true;
  absl::StatusOr<NdesConnector> created =
      NextConnectorForUpdate(std::nullopt, command);
  ASSERT_THAT(created, IsOk());
  // Every writable field, the command's id, no etag.
  NdesConnector expected = SampleConnector("ndes-9");
  EXPECT_THAT(*created, EqualsProto(expected));
}

TEST(NextConnectorForUpdateTest, MissingWithCreateAndAnEtagIsAborted) {
  UpdateCommand command = RenameCommand("ndes-9", "x", "W/\"4\"");
  command.create_if_missing = true;
  EXPECT_THAT(NextConnectorForUpdate(std::nullopt, command),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("ndes-9")));
}

TEST(NextConnectorForUpdateTest, OtherEtagIsAbortedNamingIdAndEtag) {
  const StoredConnector current = Stored(SampleConnector("ndes-1"), "W/\"5\"");
  EXPECT_THAT(
      NextConnectorForUpdate(current, RenameCommand("ndes-1", "x", "W/\"4\"")),
      StatusIs(absl::StatusCode::kAborted,
               ::testing::AllOf(HasSubstr("ndes-1"), HasSubstr("W/\"4\""))));
}

TEST(NextConnectorForUpdateTest, MatchingEtagWritesTheFields) {
  const NdesConnector original = SampleConnector("ndes-1");
  absl::StatusOr<NdesConnector> next = NextConnectorForUpdate(
      Stored(original, "W/\"5\""), RenameCommand("ndes-1", "new", "W/\"5\""));
  ASSERT_THAT(next, IsOk());
  NdesConnector expected = original;
  expected.set_display_name("new");
  EXPECT_THAT(*next, EqualsProto(expected));
}

TEST(NextConnectorForUpdateTest, WritesOnlyTheFieldsOfTheCommand) {
  const NdesConnector original = SampleConnector("ndes-1");
  NdesConnector values;
  values.set_id("ndes-1");
  values.set_machine_name("other");
  values.set_display_name("not in the mask");
  UpdateCommand command = MakeUpdate(values, {"machine_name"});
  command.create_if_missing = true;
  absl::StatusOr<NdesConnector> next =
      NextConnectorForUpdate(Stored(original, "W/\"1\""), command);
  ASSERT_THAT(next, IsOk());
  NdesConnector expected = original;
  expected.set_machine_name("other");
  EXPECT_THAT(*next, EqualsProto(expected));
}

TEST(CheckDeleteTest, MissingIsNotFoundAndAStaleEtagIsAborted) {
  EXPECT_THAT(CheckDelete("ndes-1", std::nullopt, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-1")));
  EXPECT_THAT(CheckDelete("ndes-1", "W/\"2\"", "W/\"1\""),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("W/\"1\"")));
  EXPECT_THAT(CheckDelete("ndes-1", "W/\"2\"", "W/\"2\""), IsOk());
  EXPECT_THAT(CheckDelete("ndes-1", "W/\"2\"", ""), IsOk());
}

}  // namespace
}  // namespace ndes::store
