#include "translation/status_details.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/types/optional.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace ndes::translation {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

auto Violation(const std::string& field, const std::string& description) {
  return ::testing::AllOf(Field(&FieldViolation::field, field),
                          Field(&FieldViolation::description, description));
}

TEST(InvalidArgumentWithViolationsTest, HasCodeAndMessage) {
  absl::Status status = InvalidArgumentWithViolations(
      "ndes_connector.id must not be empty",
      {{"ndes_connector.id", "must not be empty"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "ndes_connector.id must not be empty");
}

TEST(InvalidArgumentWithViolationsTest, StoresBadRequestUnderItsTypeUrl) {
  absl::Status status = InvalidArgumentWithViolations(
      "bad", {{"update_mask.paths[1]", "unknown field"}});
  absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "update_mask.paths[1]");
  EXPECT_EQ(bad_request.field_violations(0).description(), "unknown field");
}

TEST(InvalidArgumentWithViolationsTest, TypeUrlNamesGoogleRpcBadRequest) {
  EXPECT_EQ(kBadRequestTypeUrl,
            "type.googleapis.com/" +
                google::rpc::BadRequest::descriptor()->full_name());
}

TEST(FieldViolationsOfTest, ReturnsEveryViolationInOrder) {
  absl::Status status = InvalidArgumentWithViolations(
      "two problems", {{"ndes_connector.state", "state 7 is not declared"},
                       {"update_mask.paths[0]", "\"colour\" is not a field"}});
  EXPECT_THAT(
      FieldViolationsOf(status),
      ElementsAre(
          Violation("ndes_connector.state", "state 7 is not declared"),
          Violation("update_mask.paths[0]", "\"colour\" is not a field")));
}

TEST(FieldViolationsOfTest, KeepsAnEmptyViolationList) {
  absl::Status status = InvalidArgumentWithViolations("no fields", {});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.GetPayload(kBadRequestTypeUrl).has_value());
  EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
}

TEST(FieldViolationsOfTest, IsEmptyForAStatusWithoutPayload) {
  EXPECT_THAT(FieldViolationsOf(absl::OkStatus()), IsEmpty());
  EXPECT_THAT(FieldViolationsOf(absl::InvalidArgumentError("plain")),
              IsEmpty());
  EXPECT_THAT(FieldViolationsOf(absl::NotFoundError("nope")), IsEmpty());
}

TEST(FieldViolationsOfTest, IsEmptyForAPayloadThatIsNotABadRequest) {
  absl::Status status = absl::InvalidArgumentError("damaged");
  status.SetPayload(kBadRequestTypeUrl, absl::Cord("\xff\xff\xff garbage"));
  EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
}

TEST(FieldViolationsOfTest, ReturnsNothingFromAPartlyValidPayload) {
  google::rpc::BadRequest bad_request;
  bad_request.add_field_violations()->set_field("ndes_connector.id");
  absl::Status status = absl::InvalidArgumentError("damaged");
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString() + "\xff"));
  EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
}

TEST(FieldViolationsOfTest, IgnoresPayloadsUnderOtherTypeUrls) {
  google::rpc::BadRequest bad_request;
  bad_request.add_field_violations()->set_field("elsewhere");
  absl::Status status = absl::InvalidArgumentError("other");
  status.SetPayload("type.googleapis.com/google.rpc.PreconditionFailure",
                    absl::Cord(bad_request.SerializeAsString()));
  EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
}

TEST(FieldViolationsOfTest, SurvivesACopyOfTheStatus) {
  absl::Status original =
      InvalidArgumentWithViolations("m", {{"ndes_connector.id", "empty"}});
  absl::Status copy = original;
  EXPECT_THAT(FieldViolationsOf(copy),
              ElementsAre(Violation("ndes_connector.id", "empty")));
}

TEST(ResourceExhaustedWithRetryInfoTest, CarriesTheDelayAsGoogleRpcRetryInfo) {
  absl::Status status = ResourceExhaustedWithRetryInfo(
      "the Graph budget is spent", absl::Milliseconds(1500));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "the Graph budget is spent");
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::RetryInfo retry_info;
  ASSERT_TRUE(retry_info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(retry_info.retry_delay().seconds(), 1);
  EXPECT_EQ(retry_info.retry_delay().nanos(), 500000000);
  EXPECT_EQ(RetryDelayOf(status), absl::Milliseconds(1500));
}

TEST(ResourceExhaustedWithRetryInfoTest, RoundsUpAndNeverGoesNegative) {
  EXPECT_EQ(RetryDelayOf(
                ResourceExhaustedWithRetryInfo("x", absl::Microseconds(1200))),
            absl::Milliseconds(2));
  EXPECT_EQ(
      RetryDelayOf(ResourceExhaustedWithRetryInfo("x", absl::Seconds(-3))),
      absl::ZeroDuration());
}

TEST(RetryDelayOfTest, IsEmptyWithoutOrWithAnUnreadablePayload) {
  EXPECT_EQ(RetryDelayOf(absl::ResourceExhaustedError("x")), std::nullopt);
  absl::Status garbled = absl::ResourceExhaustedError("x");
  garbled.SetPayload(kRetryInfoTypeUrl, absl::Cord("\xff\xff"));
  EXPECT_EQ(RetryDelayOf(garbled), std::nullopt);
}

}  // namespace
}  // namespace ndes::translation
