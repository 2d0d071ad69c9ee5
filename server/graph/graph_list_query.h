// The query string of the first Graph request of a List: a ListQuery
// (store/connector_store.h) written as Graph's OData query options, so that
// Graph filters, orders and selects (query/ writes the text):
//
//   $top=50&$filter=state%20eq%20'active'&$orderby=displayName%20desc
//   &$select=displayName,state
//
// An option is left out when the query does not need it (no filter, id
// order, every property). Values are percent-encoded, every byte
// but A-Z a-z 0-9 - . _ ~ ' ( ) , / : (so a "+" in a date-time offset is
// sent as %2B, and no value can add an option).
//
// Thread-safe: a pure function.
#ifndef NDES_SERVER_GRAPH_GRAPH_LIST_QUERY_H_
#define NDES_SERVER_GRAPH_GRAPH_LIST_QUERY_H_

#include <string>

#include "store/connector_store.h"

namespace ndes::graph {

// Without the leading "?".
std::string GraphListQueryString(const store::ListQuery& query);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_LIST_QUERY_H_
