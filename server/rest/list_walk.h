// Reads a List query page after page, for what the REST face computes over
// many pages ($count, $skip). A store may answer inline: the walk then
// loops instead of recursing, so its stack stays flat however many pages it
// reads.
//
//   WalkPages(store, context, query,
//             [](absl::StatusOr<store::ListPage> page,
//                store::ListQuery* query) {
//               if (!page.ok() || page->next_page_token.empty()) {
//                 ...finish...
//                 return false;
//               }
//               query->page_token = page->next_page_token;
//               return true;  // read the next page
//             });
#ifndef NDES_SERVER_REST_LIST_WALK_H_
#define NDES_SERVER_REST_LIST_WALK_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "store/connector_store.h"

namespace ndes::rest {

// Called with each page (or the error that ended it) and the query that
// asked for it; returns true to read the page `*query` now asks for.
using PageVisitor = absl::AnyInvocable<bool(
    absl::StatusOr<store::ListPage> page, store::ListQuery* query)>;

// Reads `query`, then every page `visit` asks for, until it returns false.
// `store` must outlive the walk.
void WalkPages(store::ConnectorStore& store, store::CallContext context,
               store::ListQuery query, PageVisitor visit);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_LIST_WALK_H_
