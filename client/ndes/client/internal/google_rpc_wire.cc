#include "ndes/client/internal/google_rpc_wire.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "google/protobuf/io/coded_stream.h"

namespace ndes::client::internal {
namespace {

using ::google::protobuf::io::CodedInputStream;

// Wire types of the protobuf encoding.
constexpr std::uint32_t kVarint = 0;
constexpr std::uint32_t kFixed64 = 1;
constexpr std::uint32_t kLengthDelimited = 2;
constexpr std::uint32_t kFixed32 = 5;

bool SkipField(CodedInputStream& in, std::uint32_t wire_type) {
  switch (wire_type) {
    case kVarint: {
      std::uint64_t ignored;
      return in.ReadVarint64(&ignored);
    }
    case kFixed64: {
      std::uint64_t ignored;
      return in.ReadLittleEndian64(&ignored);
    }
    case kLengthDelimited: {
      std::uint32_t length;
      return in.ReadVarint32(&length) && in.Skip(static_cast<int>(length));
    }
    case kFixed32: {
      std::uint32_t ignored;
      return in.ReadLittleEndian32(&ignored);
    }
    default:  // groups (none in these messages) and invalid wire types
      return false;
  }
}

// Reads the message in `bytes` field by field: `on_bytes(number, value)` is
// called for each length-delimited field whose number `wants` (it returns
// whether the value was acceptable); every other field is skipped, as
// generated code keeps a field of an unexpected wire type as unknown. False
// when the encoding is malformed or `on_bytes` refuses a value.
bool ForEachBytesField(absl::string_view bytes,
                       absl::FunctionRef<bool(int)> wants,
                       absl::FunctionRef<bool(int, std::string)> on_bytes) {
  CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  in.PushLimit(static_cast<int>(bytes.size()));
  while (in.BytesUntilLimit() > 0) {
    const std::uint32_t tag = in.ReadTag();
    const int number = static_cast<int>(tag >> 3);
    const std::uint32_t wire_type = tag & 7;
    if (number == 0) return false;
    if (wire_type != kLengthDelimited || !wants(number)) {
      if (!SkipField(in, wire_type)) return false;
      continue;
    }
    std::uint32_t length;
    std::string value;
    if (!in.ReadVarint32(&length) ||
        !in.ReadString(&value, static_cast<int>(length)) ||
        !on_bytes(number, std::move(value))) {
      return false;
    }
  }
  return true;
}

// Reads a message whose fields 1 and 2 are strings or bytes (FieldViolation's
// field and description, Any's type_url and value) into `first` and
// `second`.
bool DecodeFieldsOneAndTwo(absl::string_view bytes, std::string& first,
                           std::string& second) {
  return ForEachBytesField(
      bytes, [](int number) { return number == 1 || number == 2; },
      [&](int number, std::string value) {
        (number == 1 ? first : second) = std::move(value);
        return true;
      });
}

}  // namespace

std::optional<std::vector<StatusDetail>> DecodeStatusDetails(
    absl::string_view bytes) {
  std::vector<StatusDetail> details;
  const bool ok = ForEachBytesField(
      bytes, [](int number) { return number == 3; },
      [&details](int, std::string value) {
        StatusDetail detail;
        if (!DecodeFieldsOneAndTwo(value, detail.type_url, detail.value)) {
          return false;
        }
        details.push_back(std::move(detail));
        return true;
      });
  if (!ok) return std::nullopt;
  return details;
}

std::optional<BadRequest> DecodeBadRequest(absl::string_view bytes) {
  BadRequest bad_request;
  const bool ok = ForEachBytesField(
      bytes, [](int number) { return number == 1; },
      [&bad_request](int, std::string value) {
        FieldViolation violation;
        if (!DecodeFieldsOneAndTwo(value, violation.field,
                                   violation.description)) {
          return false;
        }
        bad_request.field_violations.push_back(std::move(violation));
        return true;
      });
  if (!ok) return std::nullopt;
  return bad_request;
}

}  // namespace ndes::client::internal
