// Evaluates a Filter (filter.h) against one connector: what the embedded
// stores run for a List call with a filter, whichever face it came from.
//
// Rules (docs/queries.md):
//   - Strings compare without regard to ASCII case: eq, ne, in, startswith,
//     contains and collection membership fold A-Z to a-z; other bytes
//     (UTF-8 included) must match exactly. The same rule for every string
//     property, id included.
//   - null equals an unset date-time and an empty string.
//   - A state equals its enum number; a date-time equals the same instant
//     (seconds and nanoseconds, UTC).
//   - ne is the negation of eq (so `x ne null` matches every set value).
//   - An empty prefix or infix matches every value.
//
// Example:
//   absl::StatusOr<Filter> filter = ParseODataFilter("state eq 'active'");
//   if (filter.ok() && Matches(*filter, connector)) { ... }
//
// Cost: linear in the size of the filter per connector (contains: in the
// product of the property and literal lengths at worst).
//
// Thread-safe: pure function.
#ifndef NDES_SERVER_QUERY_FILTER_EVALUATOR_H_
#define NDES_SERVER_QUERY_FILTER_EVALUATOR_H_

#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter.h"

namespace ndes::query {

// True if `connector` satisfies `filter`. A literal of the wrong type for
// its property (only possible in a hand-built Filter) never matches.
bool Matches(const Filter& filter, const ndes::v1::NdesConnector& connector);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_FILTER_EVALUATOR_H_
