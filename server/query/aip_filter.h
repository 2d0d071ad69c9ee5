// The AIP-160 `filter` of ListNdesConnectors: parsing into a Filter
// (filter.h), the same tree the OData $filter gives.
//
// The supported subset (docs/queries.md has the grammar and the mapping to
// OData):
//   display_name = "NDES-01"               = and != on every field
//   state = ACTIVE                         states by enum value name, short
//   state = NDES_CONNECTOR_STATE_ACTIVE    or full
//   state = (ACTIVE OR INACTIVE)           in: equal to one of a list
//   starts_with(machine_name, "ndes")      this service's functions, in
//   contains(display_name, "01")           AIP-160's function syntax
//   role_scope_tag_ids:"0"                 has: collection membership
//   enrolled_date_time:*                   has *: set (OData `ne null`)
//   last_connection_date_time = "2026-01-01T00:00:00+01:00"
//                                          RFC 3339 strings, normalised to UTC
//   a AND b OR NOT c, -c, (a), a b         AND, OR, NOT / -, parentheses;
//                                          juxtaposition is AND
// As AIP-160 says, OR binds tighter than AND: `a AND b OR c` is
// `a AND (b OR c)` (in OData it is `(a and b) or c`). Fields are proto field
// names; keywords are uppercase; strings are "..." or '...' with \\ \" \'
// \* escapes; an unescaped `*` in a compared value is a wildcard, which this
// service does not evaluate.
//
// Errors (query_errors.h): INVALID_ARGUMENT "invalid filter at position N:
// ..." naming what was expected, for malformed text, unknown fields or
// functions, values of the wrong type, text over kMaxQueryLength bytes or
// nesting over kMaxFilterNesting; "unsupported filter ..." for AIP-160
// outside the subset (<, <=, >, >=, wildcards, bare values, `:` other than
// membership and presence, a function compared to a value).
//
// Example:
//   absl::StatusOr<Filter> filter = ParseAipFilter(
//       "state = ACTIVE AND starts_with(machine_name, \"ndes\")");
//   // ToODataFilter(*filter) ==
//   //     "state eq 'active' and startswith(machineName,'ndes')"
//
// Thread-safe: pure function. Parsing is linear in the text; recursion is
// bounded by kMaxFilterNesting.
#ifndef NDES_SERVER_QUERY_AIP_FILTER_H_
#define NDES_SERVER_QUERY_AIP_FILTER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/filter.h"

namespace ndes::query {

// Parses an AIP-160 filter. Empty or blank text is Filter::MatchAll().
absl::StatusOr<Filter> ParseAipFilter(absl::string_view text);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_AIP_FILTER_H_
