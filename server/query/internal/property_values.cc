#include "query/internal/property_values.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace ndes::query::internal {

const std::string& StringValue(const ndes::v1::NdesConnector& connector,
                               const Property& property, std::string* scratch) {
  return connector.GetReflection()->GetStringReference(
      connector, property.field(), scratch);
}

int StateValue(const ndes::v1::NdesConnector& connector,
               const Property& property) {
  return connector.GetReflection()->GetEnumValue(connector, property.field());
}

std::optional<DateTimeLiteral> DateTimeValue(
    const ndes::v1::NdesConnector& connector, const Property& property) {
  const google::protobuf::Reflection* reflection = connector.GetReflection();
  if (!reflection->HasField(connector, property.field())) return std::nullopt;
  const auto* ts =
      google::protobuf::DynamicCastToGenerated<google::protobuf::Timestamp>(
          &reflection->GetMessage(connector, property.field()));
  if (ts == nullptr) return std::nullopt;
  return DateTimeLiteral::From(*ts);
}

int CompareFoldingCase(absl::string_view a, absl::string_view b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    const unsigned char x =
        absl::ascii_tolower(static_cast<unsigned char>(a[i]));
    const unsigned char y =
        absl::ascii_tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool ContainsFoldingCase(absl::string_view text, absl::string_view infix) {
  if (infix.size() > text.size()) return false;
  for (std::size_t at = 0; at + infix.size() <= text.size(); ++at) {
    if (CompareFoldingCase(text.substr(at, infix.size()), infix) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace ndes::query::internal
