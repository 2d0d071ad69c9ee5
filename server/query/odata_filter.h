// Graph's $filter (OData) for ndesConnector: parsing into a Filter
// (filter.h) and writing a Filter back as $filter text.
//
// The supported subset (docs/queries.md has the full grammar):
//   displayName eq 'NDES-01'              eq / ne on every property
//   state in ('active','inactive')        in: equal to one of a list
//   startswith(machineName,'ndes')        startswith, contains on strings
//   roleScopeTagIds/any(t:t eq '0')       collection membership
//   enrolledDateTime eq null              null: unset date-time / empty string
//   lastConnectionDateTime eq 2026-01-01T00:00:00Z   unquoted DateTimeOffset,
//                                         any offset, normalised to UTC
//   a and b or not (c)                    and, or, not, parentheses
// Keywords, function and property names are case-sensitive as Graph writes
// them; strings use '' for a quote; states are Graph's names ('active').
// `not` applies to a parenthesised expression, a function call, an any()
// lambda or another `not`. The text is the decoded query option (after
// percent-decoding; a `+` in a date-time offset must have been sent as %2B).
//
// Errors (query_errors.h): INVALID_ARGUMENT "invalid $filter ..." for
// malformed text, unknown properties ("Could not find a property named 'x'
// on type 'microsoft.graph.ndesConnector'."), literals of the wrong type,
// text over kMaxQueryLength bytes or nesting over kMaxFilterNesting;
// "unsupported $filter ..." for OData outside the subset (lt, gt, le, ge,
// has, arithmetic, other functions, all(), other lambda bodies, a literal
// before the property).
//
// Example:
//   absl::StatusOr<Filter> filter = ParseODataFilter(
//       "displayName eq 'NDES-01' and startswith(machineName,'ndes')");
//   std::string text = ToODataFilter(*filter);
//   // ParseODataFilter(text) gives a Filter equal to *filter.
//
// Thread-safe: pure functions. Parsing is linear in the text; recursion is
// bounded by kMaxFilterNesting.
#ifndef NDES_SERVER_QUERY_ODATA_FILTER_H_
#define NDES_SERVER_QUERY_ODATA_FILTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/filter.h"

namespace ndes::query {

// Parses $filter text. Empty or blank text is Filter::MatchAll().
absl::StatusOr<Filter> ParseODataFilter(absl::string_view text);

// Writes `filter` as $filter text that ParseODataFilter reads back as an
// equal Filter: and/or operands that are themselves and/or are
// parenthesised, `not` always is (`not (x)`), strings are quoted with ''
// escaping, date-times are written as translation/date_time.h formats them.
// kMatchAll gives "" (send no $filter); it may only be the root, as the
// parsers produce it. States must be declared values. The text is not
// percent-encoded.
std::string ToODataFilter(const Filter& filter);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_ODATA_FILTER_H_
