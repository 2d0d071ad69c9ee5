// One page of a ListQuery over connectors read in id order: the List of
// every store that keeps connectors itself (memory, SQLite, PostgreSQL), so
// that they filter, order, select and page alike, with the evaluator of
// query/.
//
//   absl::StatusOr<ListPosition> position = DecodePageToken("memory", query);
//   if (!position.ok()) return position.status();
//   absl::StatusOr<ListPage> page = ReadQueryPage(
//       "memory", query, *position,
//       [&](absl::string_view after_id, int limit) { return RowsAfter(...); });
//
// Cost: id order reads rows from the position on, in chunks, until the page
// is full (unfiltered: one read of page_size + 1 rows). Any other order
// reads every row once, holding at most page_size + 1 connectors (plus the
// offset of a token whose ordered values were too long to carry,
// page_token.h). Chunks are separate reads: a page is not
// a snapshot of one instant, but no connector is answered twice or lost
// across a page boundary.
//
// Thread-safe: a pure function of its arguments and what `rows` answers.
#ifndef NDES_SERVER_STORE_QUERY_PAGE_READER_H_
#define NDES_SERVER_STORE_QUERY_PAGE_READER_H_

#include <cstddef>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/page_token.h"

namespace ndes::store {

// Up to `limit` stored connectors (with their etags) whose ids follow
// `after_id` by bytes ("": from the first), in id order. Fewer than `limit`
// means there are no more. Errors are answered as the List's.
using ConnectorRows =
    absl::FunctionRef<absl::StatusOr<std::vector<ndes::v1::NdesConnector>>(
        absl::string_view after_id, int limit)>;

// The page of `query` that starts at `position` (DecodePageToken), with the
// next page's token (tagged `store_tag`) when more connectors match. The
// page's connectors, as answered (selected), take at most `max_page_bytes`
// (page_budget.h; the first always goes in); a page cut short by its bytes
// has a next page token like a full one.
absl::StatusOr<ListPage> ReadQueryPage(absl::string_view store_tag,
                                       const ListQuery& query,
                                       const ListPosition& position,
                                       std::size_t max_page_bytes,
                                       ConnectorRows rows);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_QUERY_PAGE_READER_H_
