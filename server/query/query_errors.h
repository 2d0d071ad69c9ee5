// How the query parsers refuse input, and the limits they enforce.
//
// Every refusal is INVALID_ARGUMENT with a google.rpc.BadRequest field
// violation (translation/status_details.h) whose field is the query
// parameter as the caller named it ("$filter", "filter", "$orderby",
// "order_by", "$select", "read_mask.paths[2]"). The message starts with one
// of two words, so that the REST face can answer as Graph does:
//
//   "invalid <parameter> ..."      the text is malformed or names something
//                                  that does not exist (syntax error, unknown
//                                  property, a literal of the wrong type):
//                                  Graph's 400 Bad Request.
//   "unsupported <parameter> ..."  well-formed OData / AIP-160, but outside
//                                  the subset this service evaluates (lt/gt,
//                                  endswith, all(), wildcards, ...): Graph's
//                                  501 Not Implemented.
//
// followed, where it applies, by "at position N" (N counts bytes of the
// text from 1) and then ": " and what was expected or is not supported:
//
//   invalid $filter at position 13: expected eq, ne or in after
//   'displayName', found 'foo'
//   unsupported filter at position 14: comparator '<' is not supported;
//   use =, != or :
//
// Use IsUnsupportedQuery to tell the two apart; never parse the message.
//
// Thread-safe: constants and pure functions.
#ifndef NDES_SERVER_QUERY_QUERY_ERRORS_H_
#define NDES_SERVER_QUERY_QUERY_ERRORS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ndes::query {

// The longest query text (each of filter, order by, select) the parsers
// read, in bytes; longer text is refused as invalid before it is parsed.
inline constexpr std::size_t kMaxQueryLength = 4096;

// The deepest nesting a filter may have: parentheses, `not`/`NOT`/`-` and
// function or lambda calls each add a level. Deeper is refused as invalid.
inline constexpr int kMaxFilterNesting = 32;

inline constexpr absl::string_view kInvalidQueryPrefix = "invalid ";
inline constexpr absl::string_view kUnsupportedQueryPrefix = "unsupported ";

// True for a refusal of well-formed text outside the supported subset (the
// REST face answers 501); false for every other status, including the
// "invalid ..." refusals (400).
bool IsUnsupportedQuery(const absl::Status& status);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_QUERY_ERRORS_H_
