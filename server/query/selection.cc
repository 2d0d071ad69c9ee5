#include "query/selection.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_list.h"

namespace ndes::query {
namespace {

using internal::QuoteForMessage;

constexpr absl::string_view kIdField = "id";
constexpr absl::string_view kEtagField = "etag";

}  // namespace

Selection Selection::Of(std::vector<Property> properties) {
  std::sort(properties.begin(), properties.end(),
            [](const Property& a, const Property& b) {
              return a.field()->number() < b.field()->number();
            });
  properties.erase(std::unique(properties.begin(), properties.end()),
                   properties.end());
  // Only id and etag: written as $select=id, so hold it as that.
  if (properties.empty()) properties.push_back(*PropertyByProtoName(kIdField));
  Selection selection;
  selection.all_ = false;
  selection.properties_ = std::move(properties);
  return selection;
}

bool Selection::Includes(const Property& property) const {
  if (all_ || property.proto_name() == kIdField) return true;
  return std::find(properties_.begin(), properties_.end(), property) !=
         properties_.end();
}

absl::StatusOr<Selection> ParseODataSelect(absl::string_view text) {
  constexpr absl::string_view kParameter = "$select";
  absl::StatusOr<std::vector<internal::ListItem>> items =
      internal::SplitQueryList(kParameter, text);
  if (!items.ok()) return items.status();
  if (items->empty()) return Selection::All();
  std::vector<Property> properties;
  bool star = false;
  for (const internal::ListItem& item : *items) {
    if (item.words.size() > 1) {
      return internal::InvalidQuery(
          kParameter, item.words[1].offset,
          absl::StrCat("expected a comma or the end, found ",
                       QuoteForMessage(item.words[1].text)));
    }
    const internal::ListWord& name = item.words[0];
    if (name.text == "*") {
      star = true;
      continue;
    }
    std::optional<Property> property = PropertyByGraphName(name.text);
    if (!property.has_value()) {
      return internal::InvalidQuery(
          kParameter, name.offset,
          absl::StrCat("Could not find a property named ",
                       QuoteForMessage(name.text),
                       " on type 'microsoft.graph.ndesConnector'."));
    }
    properties.push_back(*property);
  }
  if (star) return Selection::All();
  return Selection::Of(std::move(properties));
}

absl::StatusOr<Selection> SelectionFromReadMask(
    const google::protobuf::FieldMask& read_mask) {
  if (read_mask.paths().empty()) return Selection::All();
  std::vector<Property> properties;
  bool star = false;
  for (int i = 0; i < read_mask.paths_size(); ++i) {
    const std::string& path = read_mask.paths(i);
    if (path == "*") {
      star = true;
      continue;
    }
    if (path == kEtagField) continue;  // always kept
    std::optional<Property> property = PropertyByProtoName(path);
    if (!property.has_value()) {
      return internal::InvalidQuery(
          absl::StrCat("read_mask.paths[", i, "]"), internal::kNoPosition,
          absl::StrCat(QuoteForMessage(path),
                       " is not a field of NdesConnector"));
    }
    properties.push_back(*property);
  }
  if (star) return Selection::All();
  return Selection::Of(std::move(properties));
}

void Apply(const Selection& selection, ndes::v1::NdesConnector* connector) {
  if (selection.all()) return;
  const google::protobuf::Descriptor* message = connector->GetDescriptor();
  const google::protobuf::Reflection* reflection = connector->GetReflection();
  for (int i = 0; i < message->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = message->field(i);
    if (field->name() == kIdField || field->name() == kEtagField) continue;
    std::optional<Property> property = PropertyByProtoName(field->name());
    if (property.has_value() && selection.Includes(*property)) continue;
    reflection->ClearField(connector, field);
  }
}

std::string ToODataSelect(const Selection& selection) {
  std::string out;
  for (const Property& property : selection.properties()) {
    if (!out.empty()) out.push_back(',');
    out.append(property.graph_name());
  }
  return out;
}

}  // namespace ndes::query
