#include "query/query_properties.h"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::query {
namespace {

using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldDescriptor;

// The output-only entity tag is Graph's "@odata.etag" annotation, not a
// property one can filter, order or select by.
constexpr absl::string_view kEtagField = "etag";

std::optional<PropertyType> TypeOf(const FieldDescriptor& field) {
  if (field.is_repeated()) {
    if (field.type() == FieldDescriptor::TYPE_STRING) {
      return PropertyType::kStringCollection;
    }
    return std::nullopt;
  }
  switch (field.type()) {
    case FieldDescriptor::TYPE_STRING:
      return PropertyType::kString;
    case FieldDescriptor::TYPE_ENUM:
      return PropertyType::kState;
    case FieldDescriptor::TYPE_MESSAGE:
      if (field.message_type() == google::protobuf::Timestamp::descriptor()) {
        return PropertyType::kDateTime;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::vector<Property> BuildProperties() {
  const google::protobuf::Descriptor* message =
      ndes::v1::NdesConnector::descriptor();
  std::vector<Property> properties;
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (field->name() == kEtagField) continue;
    std::optional<PropertyType> type = TypeOf(*field);
    if (!type.has_value()) continue;
    properties.emplace_back(field, *type);
  }
  return properties;
}

const EnumDescriptor& StateEnum() {
  return *ndes::v1::NdesConnectorState_descriptor();
}

// "NdesConnectorState" -> "NDES_CONNECTOR_STATE_": the prefix AIP-126 gives
// every value of the enum.
std::string ValuePrefix(const EnumDescriptor& type) {
  std::string prefix;
  const std::string& name = type.name();
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (i > 0 && absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isupper(static_cast<unsigned char>(name[i - 1]))) {
      prefix.push_back('_');
    }
    prefix.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  prefix.push_back('_');
  return prefix;
}

// "UNKNOWN_FUTURE_VALUE" -> "unknownFutureValue".
std::string LowerCamel(absl::string_view upper_snake) {
  std::string out;
  bool word_start = false;
  for (char c : upper_snake) {
    if (c == '_') {
      word_start = !out.empty();
      continue;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(word_start ? absl::ascii_toupper(u) : absl::ascii_tolower(u));
    word_start = false;
  }
  return out;
}

struct StateNames {
  std::vector<int> numbers;
  std::vector<std::string> full;   // NDES_CONNECTOR_STATE_ACTIVE
  std::vector<std::string> aip;    // ACTIVE
  std::vector<std::string> graph;  // active
};

StateNames BuildStateNames() {
  const EnumDescriptor& type = StateEnum();
  const std::string prefix = ValuePrefix(type);
  StateNames names;
  for (int i = 0; i < type.value_count(); ++i) {
    const std::string& full = type.value(i)->name();
    absl::string_view short_name = full;
    absl::ConsumePrefix(&short_name, prefix);
    names.numbers.push_back(type.value(i)->number());
    names.full.push_back(full);
    names.aip.emplace_back(short_name);
    names.graph.push_back(LowerCamel(short_name));
  }
  return names;
}

const StateNames& States() {
  static const StateNames* const names = new StateNames(BuildStateNames());
  return *names;
}

std::optional<int> FindState(const std::vector<std::string>& names,
                             absl::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return States().numbers[i];
  }
  return std::nullopt;
}

std::string StateName(const std::vector<std::string>& names, int state) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (States().numbers[i] == state) return names[i];
  }
  return absl::StrCat(state);
}

}  // namespace

const std::vector<Property>& QueryableProperties() {
  static const std::vector<Property>* const properties =
      new std::vector<Property>(BuildProperties());
  return *properties;
}

std::optional<Property> PropertyByGraphName(absl::string_view name) {
  for (const Property& property : QueryableProperties()) {
    if (property.graph_name() == name) return property;
  }
  return std::nullopt;
}

std::optional<Property> PropertyByProtoName(absl::string_view name) {
  for (const Property& property : QueryableProperties()) {
    if (property.proto_name() == name) return property;
  }
  return std::nullopt;
}

std::optional<int> StateByGraphName(absl::string_view name) {
  return FindState(States().graph, name);
}

std::optional<int> StateByAipName(absl::string_view name) {
  std::optional<int> state = FindState(States().aip, name);
  if (state.has_value()) return state;
  return FindState(States().full, name);
}

std::string GraphStateName(int state) {
  return StateName(States().graph, state);
}

std::string AipStateName(int state) { return StateName(States().aip, state); }

const std::vector<std::string>& GraphStateNames() { return States().graph; }

const std::vector<std::string>& AipStateNames() { return States().aip; }

}  // namespace ndes::query
