// The filter of a List call, as one tree whatever syntax it was written in:
// OData $filter (odata_filter.h) and AIP-160 `filter` (aip_filter.h) both
// parse into a Filter, filter_evaluator.h evaluates it against a connector,
// and odata_filter.h writes it back as Graph $filter text.
//
// The tree holds exactly the supported subset:
//   kMatchAll                     the empty filter: every connector
//   kEqual / kNotEqual            property = / != literal (strings, states,
//                                 date-times; null for unset)
//   kIn                           property equals one of the literals
//   kStartsWith / kContains       string property, string literal
//   kAnyEqual                     a collection has an element = the string
//   kAnd / kOr                    two or more operands
//   kNot                          one operand
// Parsers check types: a Filter they return holds only literals of its
// property's type (see Literal) and declared state numbers.
//
// Example:
//   Filter f = Filter::And(
//       {Filter::Equal(*PropertyByProtoName("state"), StateLiteral{1}),
//        Filter::StartsWith(*PropertyByProtoName("machine_name"), "ndes")});
//
// Thread-safe: a Filter is an immutable value; copies are independent.
#ifndef NDES_SERVER_QUERY_FILTER_H_
#define NDES_SERVER_QUERY_FILTER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "google/protobuf/timestamp.pb.h"
#include "query/query_properties.h"

namespace ndes::query {

// `null`: an unset date-time, or an empty string (proto3 cannot tell an
// empty string from a missing one, so null and "" are the same value).
struct NullLiteral {
  friend bool operator==(NullLiteral, NullLiteral) { return true; }
};

// A state by its enum number (NdesConnectorState).
struct StateLiteral {
  int number = 0;
  friend bool operator==(StateLiteral a, StateLiteral b) {
    return a.number == b.number;
  }
};

// An instant, normalised to UTC. nanos is in [0, 999999999].
struct DateTimeLiteral {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  static DateTimeLiteral From(const google::protobuf::Timestamp& ts) {
    return {ts.seconds(), ts.nanos()};
  }
  friend bool operator==(DateTimeLiteral a, DateTimeLiteral b) {
    return a.seconds == b.seconds && a.nanos == b.nanos;
  }
};

// Literal types per property type: kString takes std::string or null,
// kState a StateLiteral, kDateTime a DateTimeLiteral or null,
// kStringCollection (kAnyEqual only) a std::string.
using Literal =
    std::variant<NullLiteral, std::string, StateLiteral, DateTimeLiteral>;

enum class FilterOp {
  kMatchAll,
  kEqual,
  kNotEqual,
  kIn,
  kStartsWith,
  kContains,
  kAnyEqual,
  kAnd,
  kOr,
  kNot,
};

// Factories take a Property from query_properties.h (never a default one).
// Parsers also guarantee that strings hold no control character; a
// hand-built Filter that breaks this is evaluated, but its OData text does
// not parse back.
class Filter {
 public:
  // Matches every connector (an empty filter).
  Filter() = default;

  static Filter MatchAll() { return Filter(); }
  static Filter Equal(Property property, Literal value);
  static Filter NotEqual(Property property, Literal value);
  // `values` is not empty.
  static Filter In(Property property, std::vector<Literal> values);
  static Filter StartsWith(Property property, std::string prefix);
  static Filter Contains(Property property, std::string infix);
  static Filter AnyEqual(Property collection, std::string element);
  // `operands` is not empty. One operand gives that operand; two or more
  // give the node, with the operands in the order given (nested nodes are
  // kept, not flattened).
  static Filter And(std::vector<Filter> operands);
  static Filter Or(std::vector<Filter> operands);
  static Filter Not(Filter operand);

  FilterOp op() const { return op_; }
  // The compared property; a default Property for kMatchAll and logical ops.
  const Property& property() const { return property_; }
  // kEqual, kNotEqual: one literal; kIn: one or more; kStartsWith,
  // kContains, kAnyEqual: one std::string. Empty for the others.
  const std::vector<Literal>& values() const { return values_; }
  // kAnd, kOr: two or more; kNot: one. Empty for the others.
  const std::vector<Filter>& operands() const { return operands_; }

  // Structural equality: same ops, properties, literals and operand order.
  friend bool operator==(const Filter& a, const Filter& b);
  friend bool operator!=(const Filter& a, const Filter& b) { return !(a == b); }

 private:
  Filter(FilterOp op, Property property, std::vector<Literal> values,
         std::vector<Filter> operands)
      : op_(op),
        property_(property),
        values_(std::move(values)),
        operands_(std::move(operands)) {}

  FilterOp op_ = FilterOp::kMatchAll;
  Property property_;
  std::vector<Literal> values_;
  std::vector<Filter> operands_;
};

// The nesting depth of `filter`: 1 for a leaf, 1 + the deepest operand for
// a logical node.
int FilterDepth(const Filter& filter);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_FILTER_H_
