// A short digest of what a List query asks for (its filter, order and
// selection), for page tokens: a token carries the digest of the query that
// issued it, and a store refuses it for a query with another digest.
//
//   std::string digest = QueryFingerprint(filter, order, selection);
//   // "3f2a9c0b7d1e4f60": 16 lowercase hexadecimal digits
//
// The digest is a hash of the query's canonical OData text (what
// ToODataFilter, ToODataOrderBy and ToODataSelect write), not seeded per
// process: equal queries have equal digests in every process and on every
// replica, so a token stays valid across a restart. It is not a secret and
// does not resist forgery; it only tells queries apart.
//
// Thread-safe: a pure function.
#ifndef NDES_SERVER_QUERY_QUERY_FINGERPRINT_H_
#define NDES_SERVER_QUERY_QUERY_FINGERPRINT_H_

#include <cstddef>
#include <string>

#include "query/filter.h"
#include "query/order_by.h"
#include "query/selection.h"

namespace ndes::query {

// The number of characters of a fingerprint.
inline constexpr std::size_t kFingerprintLength = 16;

std::string QueryFingerprint(const Filter& filter, const OrderBy& order,
                             const Selection& selection);

}  // namespace ndes::query

#endif  // NDES_SERVER_QUERY_QUERY_FINGERPRINT_H_
