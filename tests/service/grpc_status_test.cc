#include "service/grpc_status.h"

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "translation/status_details.h"

namespace ndes::service {
namespace {

TEST(GrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatusTest, CodeAndMessageCarryOverWithoutDetails) {
  grpc::Status status = ToGrpcStatus(absl::AbortedError("etag is stale"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(status.error_message(), "etag is stale");
  EXPECT_TRUE(status.error_details().empty());
}

TEST(GrpcStatusTest, BadRequestPayloadBecomesStatusDetails) {
  absl::Status invalid = translation::InvalidArgumentWithViolations(
      "unknown field \"colour\"", {{"update_mask.paths[0]", "no such field"}});
  grpc::Status status = ToGrpcStatus(invalid);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), "unknown field \"colour\"");
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "update_mask.paths[0]");
  EXPECT_EQ(bad_request.field_violations(0).description(), "no such field");
}

TEST(GrpcStatusTest, RoundTripKeepsViolations) {
  absl::Status invalid = translation::InvalidArgumentWithViolations(
      "bad", {{"a", "x"}, {"b", "y"}});
  absl::Status back = FromGrpcStatus(ToGrpcStatus(invalid));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  auto violations = translation::FieldViolationsOf(back);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[1].field, "b");
  EXPECT_EQ(violations[1].description, "y");
}

}  // namespace
}  // namespace ndes::service
