// The client's own decoding of google.rpc.Status and BadRequest, checked
// against what protobuf's generated code for those messages writes.
#include "ndes/client/internal/google_rpc_wire.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace ndes::client::internal {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

auto IsViolation(const std::string& field, const std::string& description) {
  return AllOf(Field(&FieldViolation::field, field),
               Field(&FieldViolation::description, description));
}

google::rpc::BadRequest TwoViolations() {
  google::rpc::BadRequest bad_request;
  auto* first = bad_request.add_field_violations();
  first->set_field("update_mask.paths[0]");
  first->set_description("\"colour\" is not a field");
  auto* second = bad_request.add_field_violations();
  second->set_field("ndes_connector.state");
  second->set_description("7 is not a state");
  return bad_request;
}

// The encoding of a field the messages do not declare: number `number`
// (below 16), wire type `wire_type`, and a value of that type.
std::string UnknownField(int number, int wire_type) {
  std::string bytes(1, static_cast<char>((number << 3) | wire_type));
  switch (wire_type) {
    case 0:
      return bytes + "\x96\x01";  // varint 150
    case 1:
      return bytes + std::string(8, '\x07');
    case 2:
      return bytes + "\x03" + "abc";
    case 5:
      return bytes + std::string(4, '\x07');
  }
  return bytes;
}

TEST(DecodeBadRequestTest, ReadsWhatGeneratedCodeWrites) {
  const auto decoded = DecodeBadRequest(TwoViolations().SerializeAsString());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_THAT(
      decoded->field_violations,
      ElementsAre(
          IsViolation("update_mask.paths[0]", "\"colour\" is not a field"),
          IsViolation("ndes_connector.state", "7 is not a state")));
}

TEST(DecodeBadRequestTest, AnEmptyMessageHasNoViolations) {
  const auto decoded = DecodeBadRequest("");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_THAT(decoded->field_violations, IsEmpty());
}

// Newer googleapis versions add FieldViolation.reason (3) and
// localized_message (4); a sender may add anything.
TEST(DecodeBadRequestTest, SkipsFieldsItDoesNotKnow) {
  google::rpc::BadRequest::FieldViolation violation;
  violation.set_field("a");
  violation.set_description("b");
  std::string violation_bytes =
      violation.SerializeAsString() + UnknownField(3, 2) + UnknownField(4, 2) +
      UnknownField(9, 0) + UnknownField(10, 1) + UnknownField(11, 5);
  std::string bytes =
      UnknownField(7, 0) + "\x0a" +
      std::string(1, static_cast<char>(violation_bytes.size())) +
      violation_bytes + UnknownField(8, 2);
  // Field 1 with another wire type is unknown too, as generated code sees it.
  bytes += UnknownField(1, 0);
  // The generated parser agrees on what the bytes hold.
  google::rpc::BadRequest generated;
  ASSERT_TRUE(generated.ParseFromString(bytes));
  ASSERT_EQ(generated.field_violations_size(), 1);

  const auto decoded = DecodeBadRequest(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_THAT(decoded->field_violations, ElementsAre(IsViolation("a", "b")));
}

TEST(DecodeBadRequestTest, RefusesMalformedBytes) {
  const std::string good = TwoViolations().SerializeAsString();
  EXPECT_FALSE(DecodeBadRequest(good.substr(0, good.size() - 1)).has_value());
  EXPECT_FALSE(DecodeBadRequest("\xff\xff\xff garbage").has_value());
  EXPECT_FALSE(
      DecodeBadRequest(std::string("\x00", 1)).has_value());  // field 0
  EXPECT_FALSE(DecodeBadRequest("\x0b").has_value());         // a group
  EXPECT_FALSE(DecodeBadRequest("\x0a\x7f").has_value());     // length too long
  // A violation that is itself malformed.
  EXPECT_FALSE(DecodeBadRequest("\x0a\x02\x0a\x05").has_value());
}

TEST(DecodeStatusDetailsTest, ReturnsEveryDetailInOrder) {
  google::rpc::Status status;
  status.set_code(3);
  status.set_message("invalid update_mask");
  status.add_details()->PackFrom(TwoViolations());
  google::rpc::Status nested;
  nested.set_message("another detail type");
  status.add_details()->PackFrom(nested);

  const auto details = DecodeStatusDetails(status.SerializeAsString());
  ASSERT_TRUE(details.has_value());
  ASSERT_EQ(details->size(), 2u);
  EXPECT_EQ((*details)[0].type_url,
            "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ((*details)[0].value, TwoViolations().SerializeAsString());
  EXPECT_EQ((*details)[1].type_url, "type.googleapis.com/google.rpc.Status");
  EXPECT_EQ((*details)[1].value, nested.SerializeAsString());
}

TEST(DecodeStatusDetailsTest, AStatusWithoutDetailsHasNone) {
  google::rpc::Status status;
  status.set_code(5);
  status.set_message("not found");
  const auto details = DecodeStatusDetails(status.SerializeAsString());
  ASSERT_TRUE(details.has_value());
  EXPECT_THAT(*details, IsEmpty());
}

TEST(DecodeStatusDetailsTest, RefusesMalformedBytes) {
  google::rpc::Status status;
  status.add_details()->PackFrom(TwoViolations());
  const std::string good = status.SerializeAsString();
  EXPECT_FALSE(
      DecodeStatusDetails(good.substr(0, good.size() - 2)).has_value());
  EXPECT_FALSE(DecodeStatusDetails("\xff\xff not proto").has_value());
  // A detail that is not a well-formed Any.
  EXPECT_FALSE(DecodeStatusDetails("\x1a\x02\x0a\x05").has_value());
}

}  // namespace
}  // namespace ndes::client::internal
