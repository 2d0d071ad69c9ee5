#include "store/page_token.h"

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "query/query_fingerprint.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::store {
namespace {

// No store holds this many connectors; a larger offset is not one this
// store issued (and would overflow the page arithmetic).
constexpr std::int64_t kMaxPositionOffset = std::int64_t{1} << 31;

std::string Fingerprint(const ListQuery& query) {
  return query::QueryFingerprint(query.filter, query.order, query.selection);
}

// The queries of the format of earlier releases: id order, no filter, every
// property.
bool IsPlainQuery(const ListQuery& query) {
  return query.order.keys.empty() &&
         query.filter.op() == query::FilterOp::kMatchAll &&
         query.selection.all();
}

absl::Status NotOurs(absl::string_view problem) {
  return translation::InvalidArgumentWithViolations(
      absl::StrCat("page_token ", problem),
      {{"page_token", std::string(problem)}});
}

absl::Status OfAnotherQuery() {
  return NotOurs(
      "was issued for another filter, order_by or read_mask; send the same "
      "ones as for the first page, or start again with an empty page_token");
}

absl::Status NotIssuedHere() {
  return NotOurs(
      "is not a page token issued by this store; start again with an empty "
      "page_token");
}

absl::StatusOr<ListPosition> ParseV2(const ListQuery& query,
                                     absl::string_view payload) {
  constexpr std::size_t kDigits = query::kFingerprintLength;
  if (payload.size() < kDigits + 1 || payload[kDigits] != ':') {
    return NotIssuedHere();
  }
  if (payload.substr(0, kDigits) != Fingerprint(query)) {
    return OfAnotherQuery();
  }
  payload.remove_prefix(kDigits + 1);
  const std::size_t colon = payload.find(':');
  ListPosition position;
  if (colon == payload.npos ||
      !absl::SimpleAtoi(payload.substr(0, colon), &position.offset) ||
      position.offset < 0 || position.offset > kMaxPositionOffset) {
    return NotIssuedHere();
  }
  const absl::string_view keyset = payload.substr(colon + 1);
  if (!keyset.empty()) {
    ndes::v1::NdesConnector after;
    if (!after.ParseFromArray(keyset.data(), static_cast<int>(keyset.size())) ||
        !translation::ValidateConnectorId(after.id(), "page_token").ok()) {
      return NotIssuedHere();
    }
    position.after = KeysetOf(query.order, after);
  }
  return position;
}

}  // namespace

ndes::v1::NdesConnector KeysetOf(const query::OrderBy& order,
                                 const ndes::v1::NdesConnector& connector) {
  ndes::v1::NdesConnector keyset;
  keyset.set_id(connector.id());
  const google::protobuf::Reflection* reflection = connector.GetReflection();
  for (const query::OrderKey& key : order.keys) {
    const google::protobuf::FieldDescriptor* field = key.property.field();
    if (field->is_repeated() || !reflection->HasField(connector, field)) {
      continue;
    }
    // Ordered properties are single strings, enums and messages.
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        reflection->SetString(&keyset, field,
                              reflection->GetString(connector, field));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
        reflection->SetEnumValue(&keyset, field,
                                 reflection->GetEnumValue(connector, field));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE:
        reflection->MutableMessage(&keyset, field)
            ->CopyFrom(reflection->GetMessage(connector, field));
        break;
      default:
        break;
    }
  }
  return keyset;
}

std::string EncodePageToken(absl::string_view store_tag, const ListQuery& query,
                            const ListPosition& position) {
  if (IsPlainQuery(query) && position.offset == 0 &&
      position.after.has_value()) {
    return absl::WebSafeBase64Escape(
        absl::StrCat(store_tag, ".v1:", position.after->id()));
  }
  return absl::WebSafeBase64Escape(absl::StrCat(
      store_tag, ".v2:", Fingerprint(query), ":", position.offset, ":",
      position.after.has_value() ? position.after->SerializeAsString() : ""));
}

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view store_tag,
                                             const ListQuery& query) {
  const std::string& token = query.page_token;
  if (token.empty()) return ListPosition();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return NotIssuedHere();
  absl::string_view rest = raw;
  if (!absl::ConsumePrefix(&rest, store_tag)) return NotIssuedHere();
  absl::StatusOr<ListPosition> position = NotIssuedHere();
  if (absl::ConsumePrefix(&rest, ".v1:")) {
    if (!translation::ValidateConnectorId(rest, "page_token").ok()) {
      return NotIssuedHere();
    }
    if (!IsPlainQuery(query)) return OfAnotherQuery();
    ListPosition v1;
    v1.after.emplace().set_id(std::string(rest));
    position = v1;
  } else if (absl::ConsumePrefix(&rest, ".v2:")) {
    position = ParseV2(query, rest);
  }
  if (!position.ok()) return position.status();
  // Only the canonical text of a position is a token.
  if (EncodePageToken(store_tag, query, *position) != token) {
    return NotIssuedHere();
  }
  return position;
}

}  // namespace ndes::store
