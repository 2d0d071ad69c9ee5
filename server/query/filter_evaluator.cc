#include "query/filter_evaluator.h"

#include <optional>
#include <string>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "query/internal/property_values.h"

namespace ndes::query {
namespace {

using internal::CompareFoldingCase;

bool StringEquals(absl::string_view value, const Literal& literal) {
  if (std::holds_alternative<NullLiteral>(literal)) return value.empty();
  const std::string* text = std::get_if<std::string>(&literal);
  return text != nullptr && CompareFoldingCase(value, *text) == 0;
}

bool Equals(const ndes::v1::NdesConnector& connector, const Property& property,
            const Literal& literal) {
  switch (property.type()) {
    case PropertyType::kString: {
      std::string scratch;
      return StringEquals(internal::StringValue(connector, property, &scratch),
                          literal);
    }
    case PropertyType::kState: {
      const StateLiteral* state = std::get_if<StateLiteral>(&literal);
      return state != nullptr &&
             internal::StateValue(connector, property) == state->number;
    }
    case PropertyType::kDateTime: {
      std::optional<DateTimeLiteral> value =
          internal::DateTimeValue(connector, property);
      if (std::holds_alternative<NullLiteral>(literal)) {
        return !value.has_value();
      }
      const DateTimeLiteral* instant = std::get_if<DateTimeLiteral>(&literal);
      return instant != nullptr && value.has_value() && *value == *instant;
    }
    case PropertyType::kStringCollection:
      // Collections are compared element-wise only (kAnyEqual).
      return false;
  }
  return false;
}

bool StringFunction(const ndes::v1::NdesConnector& connector,
                    const Filter& filter) {
  if (filter.property().type() != PropertyType::kString) return false;
  const std::string* argument = std::get_if<std::string>(&filter.values()[0]);
  if (argument == nullptr) return false;
  std::string scratch;
  const std::string& value =
      internal::StringValue(connector, filter.property(), &scratch);
  if (filter.op() == FilterOp::kStartsWith) {
    return absl::StartsWithIgnoreCase(value, *argument);
  }
  return internal::ContainsFoldingCase(value, *argument);
}

bool AnyEqual(const ndes::v1::NdesConnector& connector, const Filter& filter) {
  if (filter.property().type() != PropertyType::kStringCollection) {
    return false;
  }
  const std::string* element = std::get_if<std::string>(&filter.values()[0]);
  if (element == nullptr) return false;
  const google::protobuf::Reflection* reflection = connector.GetReflection();
  const int size = reflection->FieldSize(connector, filter.property().field());
  std::string scratch;
  for (int i = 0; i < size; ++i) {
    const std::string& item = reflection->GetRepeatedStringReference(
        connector, filter.property().field(), i, &scratch);
    if (CompareFoldingCase(item, *element) == 0) return true;
  }
  return false;
}

}  // namespace

bool Matches(const Filter& filter, const ndes::v1::NdesConnector& connector) {
  switch (filter.op()) {
    case FilterOp::kMatchAll:
      return true;
    case FilterOp::kEqual:
      return Equals(connector, filter.property(), filter.values()[0]);
    case FilterOp::kNotEqual:
      return !Equals(connector, filter.property(), filter.values()[0]);
    case FilterOp::kIn:
      for (const Literal& value : filter.values()) {
        if (Equals(connector, filter.property(), value)) return true;
      }
      return false;
    case FilterOp::kStartsWith:
    case FilterOp::kContains:
      return StringFunction(connector, filter);
    case FilterOp::kAnyEqual:
      return AnyEqual(connector, filter);
    case FilterOp::kAnd:
      for (const Filter& operand : filter.operands()) {
        if (!Matches(operand, connector)) return false;
      }
      return true;
    case FilterOp::kOr:
      for (const Filter& operand : filter.operands()) {
        if (Matches(operand, connector)) return true;
      }
      return false;
    case FilterOp::kNot:
      return !Matches(filter.operands()[0], connector);
  }
  return false;
}

}  // namespace ndes::query
