// ListNdesConnectors over Graph's pages, whatever Graph does with them:
//
//   - The first request carries the List's $top, $filter, $orderby and
//     $select (graph_list_query.h); every connector answered is reduced to
//     the selection here too, whatever Graph answers. A token serves only a
//     List with the same filter, order and selection (INVALID_ARGUMENT).
//   - A page has at most page_size connectors and fits the call's
//     max_page_bytes (page_budget.h), even when Graph ignores $top and
//     answers more: the rest is buffered in the page token (signed,
//     graph_page_token.h) and answered by the next calls without asking
//     Graph again. A rest too large to buffer (over 1,000 connectors or
//     256 KiB) is buffered in part and Graph's page fetched again for the
//     remainder, skipping what was answered.
//   - Graph's @odata.nextLink is followed as given (its query, on the
//     store's own collection URL: an opaque $skiptoken is never
//     interpreted), each once.
//   - A nextLink Graph already handed out in this listing stops the listing
//     with INTERNAL instead of going round in a loop. The token remembers
//     the last few nextLinks and a checkpoint that moves at doubling
//     distances (Brent's cycle detection), so a loop of any length is found
//     with a token of constant size.
//   - Connectors with properties or states the proto does not know are
//     listed (graph_answer.h); an item that is not a connector at all is
//     INTERNAL.
//
// Thread-safe: pure functions apart from GraphBehaviour's record.
#ifndef NDES_SERVER_GRAPH_GRAPH_LIST_PAGES_H_
#define NDES_SERVER_GRAPH_GRAPH_LIST_PAGES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph_behaviour.h"
#include "graph/graph_page_token.h"
#include "ndes/internal/graph_list_cursor.pb.h"
#include "store/connector_store.h"

namespace ndes::graph {

inline constexpr int kMaxBufferedConnectors = 1000;
inline constexpr std::size_t kMaxBufferedBytes = 256 * 1024;

// Where a listing stands, and how its next page token is made.
class GraphListing {
 public:
  // `tokens` must outlive this; `binding` as in GraphPageTokens.
  GraphListing(const GraphPageTokens& tokens, std::string binding);

  // The cursor of query.page_token (the first page for an empty one).
  // INVALID_ARGUMENT for a token this gateway did not issue, or issued for
  // another filter, order or selection.
  absl::StatusOr<ndes::internal::GraphListCursor> Start(
      const store::ListQuery& query) const;

  // Whether the page can be answered from the buffered connectors alone.
  static bool FromBuffer(const ndes::internal::GraphListCursor& cursor) {
    return cursor.buffered_size() > 0;
  }

  // The page of buffered connectors (already reduced to the selection).
  store::ListPage BufferedPage(ndes::internal::GraphListCursor cursor,
                               int page_size, std::size_t max_bytes) const;

  // The page of Graph's answer `body` to the query of `cursor`. INTERNAL
  // for a body that is not a page, an item that is not a connector, a
  // nextLink without a query or with unsafe characters, or a nextLink
  // already handed out.
  absl::StatusOr<store::ListPage> GraphPage(
      ndes::internal::GraphListCursor cursor, const store::ListQuery& query,
      std::size_t max_bytes, const std::string& body,
      GraphBehaviour& behaviour) const;

 private:
  std::string TokenOf(const ndes::internal::GraphListCursor& cursor) const;

  const GraphPageTokens& tokens_;
  const std::string binding_;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_LIST_PAGES_H_
