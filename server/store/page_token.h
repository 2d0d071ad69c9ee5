// List page tokens of the stores that keep connectors themselves (memory,
// SQLite, PostgreSQL): where the next page of a ListQuery starts, as opaque
// web-safe base64 text of at most about 1.5 KiB.
//
// A position is a keyset: the last connector of the previous page, reduced to
// its id and the properties the query orders by, so that a page boundary
// never moves when connectors are written or deleted between pages. When
// those properties are too long for a token (kMaxKeysetBytes), the token
// keeps the previous position and counts the connectors returned since
// (an offset).
//
// Two formats, both "<store_tag>.vN:..." before base64, the tag keeping one
// store's tokens out of another:
//   v1:<last id>               id order, no filter, every property (the
//                              format of earlier releases, still issued
//                              for such a query)
//   v2:<fingerprint>:<offset>:<keyset>
//                              any other query; the fingerprint
//                              (query/query_fingerprint.h) digests the
//                              query's filter, order and selection, so a
//                              token is refused for another query
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_STORE_PAGE_TOKEN_H_
#define NDES_SERVER_STORE_PAGE_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::store {

// The largest keyset a token holds, in serialized bytes.
inline constexpr std::size_t kMaxKeysetBytes = 1024;

// Where a List page starts: after `after` in the query's order (nullopt: at
// the start), skipping `offset` matching connectors.
struct ListPosition {
  // An id and the values of the ordered properties; nothing else is set.
  std::optional<ndes::v1::NdesConnector> after;
  std::int64_t offset = 0;
};

// `connector` reduced to what a position after it needs under `order`.
ndes::v1::NdesConnector KeysetOf(const query::OrderBy& order,
                                 const ndes::v1::NdesConnector& connector);

// The token of `position` for `query` (whose filter, order and selection it
// keeps the fingerprint of).
std::string EncodePageToken(absl::string_view store_tag, const ListQuery& query,
                            const ListPosition& position);

// The position of query.page_token (the start for an empty one). Only tokens
// that EncodePageToken produces for `store_tag` and a query with the same
// filter, order and selection are accepted (re-encoding must give the same
// text), so callers cannot smuggle variants in; anything else is
// INVALID_ARGUMENT with a google.rpc.BadRequest violation of the field
// page_token.
absl::StatusOr<ListPosition> DecodePageToken(absl::string_view store_tag,
                                             const ListQuery& query);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_PAGE_TOKEN_H_
