// The URLs the Graph backend sends requests to.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_GRAPH_GRAPH_URLS_H_
#define NDES_SERVER_GRAPH_GRAPH_URLS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::graph {

// `base_url` without a trailing '/'. INVALID_ARGUMENT naming
// --graph_base_url unless it is an absolute http(s) URL with a host and no
// query, fragment or user info.
absl::StatusOr<std::string> CheckedBaseUrl(absl::string_view base_url);

// {base}/deviceManagement/ndesConnectors.
std::string CollectionUrl(absl::string_view base_url);

// The path segment for an id: every byte but [A-Za-z0-9_-] percent-encoded,
// so that no id can add a segment, a query or a fragment. INVALID_ARGUMENT
// for "", "." and "..".
absl::StatusOr<std::string> IdSegment(absl::string_view id);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_URLS_H_
