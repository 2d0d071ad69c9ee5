// The OData query options of a REST request, read into the store's terms.
//
// On the collection: $top (the page size: 1 to store::kMaxPageSize, larger
// values are cut to it; $top=0 answers an empty page), $skip (connectors
// to pass over before the page), $skiptoken (the position a nextLink
// carries), $count=true|false, $select, $orderby and $filter (query/ parses
// them: the same rules as the gRPC face). On one connector: $select.
// As in Graph's beta, the "$" may be left out (top=5); names are
// case-sensitive. Other parameters without "$" are ignored.
//
// Errors:
//   INVALID_ARGUMENT  a value that does not parse (the query/ refusals for
//                     $filter, $orderby, $select), an option given twice, an
//                     unknown system option ("$foo"), an option the
//                     resource does not take
//   UNIMPLEMENTED     OData options this face does not evaluate: $expand,
//                     $search, $apply, $compute, $format, $levels,
//                     $deltatoken (Graph's 501)
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_REST_ODATA_OPTIONS_H_
#define NDES_SERVER_REST_ODATA_OPTIONS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "query/selection.h"
#include "store/connector_store.h"

namespace ndes::rest {

// The page size without $top, Graph's usual page.
inline constexpr int kDefaultRestPageSize = 100;

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

struct CollectionOptions {
  // page_size from $top, page_token from $skiptoken, filter, order and
  // selection.
  store::ListQuery list;
  // $top=0: the page is empty.
  bool empty_page = false;
  int64_t skip = 0;
  bool count = false;
  // The text of $select as sent ("" when absent), for @odata.context.
  std::string select_text;
  // The parameters a nextLink repeats: all but $skip and $skiptoken, as sent.
  QueryParameters carried;
};

absl::StatusOr<CollectionOptions> ParseCollectionOptions(
    const QueryParameters& parameters);

struct ItemOptions {
  query::Selection selection;
  std::string select_text;
};

absl::StatusOr<ItemOptions> ParseItemOptions(const QueryParameters& parameters);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_ODATA_OPTIONS_H_
