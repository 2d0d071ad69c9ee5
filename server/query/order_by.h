// The order of a List call: OData $orderby (`displayName desc,id`) and
// AIP-132 order_by (`display_name desc, id`) parse into one OrderBy, which
// orders connectors for the embedded stores and is written back as $orderby
// for Graph.
//
// Rules (docs/queries.md):
//   - Keys are single-valued properties (not role_scope_tag_ids), each at
//     most once. OData takes Graph names with an optional `asc` or `desc`;
//     AIP-132 takes proto field names with an optional ` desc` suffix
//     (ascending is the default and has no keyword). Keys are separated by
//     commas; spaces and tabs around names and keywords do not matter.
//   - Strings order by bytes with ASCII case folded (as filters compare
//     them); states by enum number (none, active, inactive); date-times by
//     instant. Null (an unset date-time, an empty string) sorts first when
//     ascending, last when descending.
//   - After the keys, connectors always order by id ascending, comparing
//     exact bytes: ids are unique, so the order is total and paging over it
//     is stable. An empty OrderBy is id order.
//
// Errors (query_errors.h): INVALID_ARGUMENT "invalid $orderby ..." /
// "invalid order_by ..." for unknown or repeated properties, collections,
// empty keys, other words after a name, control characters, text over
// kMaxQueryLength bytes; "unsupported $orderby ..." for a path into a
// property (`a/b`).
//
// Example:
//   absl::StatusOr<OrderBy> order = ParseAipOrderBy("display_name desc, id");
//   std::sort(connectors.begin(), connectors.end(), ConnectorOrder(*order));
//   ToODataOrderBy(*order) == "displayName desc,id"
//
// Thread-safe: pure functions; a ConnectorOrder is immutable.
#ifndef NDES_SERVER_QUERY_ORDER_BY_H_
#define NDES_SERVER_QUERY_ORDER_BY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/query_properties.h"

namespace ndes::query {

struct OrderKey {
  Property property;
  bool descending = false;

  friend bool operator==(const OrderKey& a, const OrderKey& b) {
    return a.property == b.property && a.descending == b.descending;
  }
};

struct OrderBy {
  // As given, without the final id tie-breaker (which is always implied).
  std::vector<OrderKey> keys;

  friend bool operator==(const OrderBy& a, const OrderBy& b) {
    return a.keys == b.keys;
  }
};

// Parses $orderby; empty or blank text is an empty OrderBy.
absl::StatusOr<OrderBy> ParseODataOrderBy(absl::string_view text);

// Parses AIP-132 order_by; empty or blank text is an empty OrderBy.
absl::StatusOr<OrderBy> ParseAipOrderBy(absl::string_view text);

// "displayName desc,id": what ParseODataOrderBy reads back as an equal
// OrderBy; "" for an empty one (send no $orderby). Ascending keys carry no
// keyword.
std::string ToODataOrderBy(const OrderBy& order);

// Negative, zero or positive as `a` sorts before, with or after `b`; zero
// only when their ids are equal.
int CompareConnectors(const OrderBy& order, const ndes::v1::NdesConnector& a,
                      const ndes::v1::NdesConnector& b);

// A strict weak ordering for std::sort and friends.
class ConnectorOrder {
 public:
  explicit ConnectorOrder(OrderBy order) : order_(std::move(order)) {}
  bool operator()(const ndes::v1::NdesConnector& a,
                  const ndes::v1::NdesConnector& b) const {
    return CompareConnectors(order_, a, b) < 0;
  }

 private:
  OrderBy order_;
};

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_ORDER_BY_H_
