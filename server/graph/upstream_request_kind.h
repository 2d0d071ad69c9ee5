// The two kinds of Graph request that Intune's throttling budgets apart.
//
// Intune (device configuration, which lists ndesConnector) allows per app
// and tenant 100 POST/PATCH/DELETE and 1,000 requests of any kind per 20 s:
// a write counts against both budgets, a read only against the second.
#ifndef NDES_SERVER_GRAPH_UPSTREAM_REQUEST_KIND_H_
#define NDES_SERVER_GRAPH_UPSTREAM_REQUEST_KIND_H_

#include "absl/strings/string_view.h"

namespace ndes::graph {

enum class UpstreamRequestKind {
  kRead,   // GET
  kWrite,  // POST, PATCH, DELETE
};

// The kind of an HTTP method: GET and HEAD read, every other method writes.
inline UpstreamRequestKind KindOfMethod(absl::string_view method) {
  return method == "GET" || method == "HEAD" ? UpstreamRequestKind::kRead
                                             : UpstreamRequestKind::kWrite;
}

// "read" or "write", the label value of the queue metrics.
inline absl::string_view KindName(UpstreamRequestKind kind) {
  return kind == UpstreamRequestKind::kRead ? "read" : "write";
}

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_UPSTREAM_REQUEST_KIND_H_
