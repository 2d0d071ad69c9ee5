#include "query/filter.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace ndes::query {

Filter Filter::Equal(Property property, Literal value) {
  return Filter(FilterOp::kEqual, property, {std::move(value)}, {});
}

Filter Filter::NotEqual(Property property, Literal value) {
  return Filter(FilterOp::kNotEqual, property, {std::move(value)}, {});
}

Filter Filter::In(Property property, std::vector<Literal> values) {
  return Filter(FilterOp::kIn, property, std::move(values), {});
}

Filter Filter::StartsWith(Property property, std::string prefix) {
  return Filter(FilterOp::kStartsWith, property, {std::move(prefix)}, {});
}

Filter Filter::Contains(Property property, std::string infix) {
  return Filter(FilterOp::kContains, property, {std::move(infix)}, {});
}

Filter Filter::AnyEqual(Property collection, std::string element) {
  return Filter(FilterOp::kAnyEqual, collection, {std::move(element)}, {});
}

Filter Filter::And(std::vector<Filter> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  return Filter(FilterOp::kAnd, Property(), {}, std::move(operands));
}

Filter Filter::Or(std::vector<Filter> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  return Filter(FilterOp::kOr, Property(), {}, std::move(operands));
}

Filter Filter::Not(Filter operand) {
  std::vector<Filter> operands;
  operands.push_back(std::move(operand));
  return Filter(FilterOp::kNot, Property(), {}, std::move(operands));
}

bool operator==(const Filter& a, const Filter& b) {
  return a.op_ == b.op_ && a.property_ == b.property_ &&
         a.values_ == b.values_ && a.operands_ == b.operands_;
}

int FilterDepth(const Filter& filter) {
  int deepest = 0;
  for (const Filter& operand : filter.operands()) {
    deepest = std::max(deepest, FilterDepth(operand));
  }
  return deepest + 1;
}

}  // namespace ndes::query
