// GraphProbe: what a Graph tenant really does, checked before a gateway
// goes live against it (`ndesctl graph-probe`). It speaks to Graph directly,
// with the gateway's own HTTP client and authorization, and reports each
// finding where Intune and Graph's documentation may differ.
//
// Read-only (the default):
//   token      an Authorization can be had (client credentials: a token is
//              issued; passthrough: the given token is used)
//   list       GET {collection}?$top=N answers a page
//   page size  whether Graph honoured $top
//   paging     the nextLinks, followed (up to max_pages), their form
//              ($skiptoken), and whether one repeats
//   etag       whether connectors carry @odata.etag
//   unknown    properties and states the gateway's proto does not know
// With `write`, on a throw-away connector it creates and always deletes:
//   create     POST with an id: 201? does Graph keep the id or assign one?
//   update     PATCH: 200 with the connector, or 204 without a body?
//   if-match   PATCH with a matching If-Match, then with a stale one: does
//              Graph refuse the stale one (412), i.e. honour If-Match?
//   delete     DELETE: 204? (else the id to remove by hand)
//
// Every finding is OK (as the gateway's defaults expect), NOTE (Graph
// departs from its documentation; the gateway copes, and the note says
// how), or FAILED (the probe could not check it: an HTTP or auth error).
//
// Thread-compatible: RunGraphProbe blocks its calling thread until done.
#ifndef NDES_SERVER_GRAPH_GRAPH_PROBE_H_
#define NDES_SERVER_GRAPH_GRAPH_PROBE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "graph/graph_authorization.h"
#include "http/http_client.h"

namespace ndes::graph {

struct GraphProbeOptions {
  // As --graph_base_url.
  std::string base_url = "https://graph.microsoft.com/beta";
  // With passthrough authorization: "Bearer <token>".
  std::string caller_authorization;
  // Create, update and delete a throw-away connector.
  bool write = false;
  // $top of the first page, and how many pages to follow at most.
  int page_size = 2;
  int max_pages = 5;
  // Bounds each request.
  absl::Duration timeout = absl::Seconds(30);
};

struct GraphProbeFinding {
  enum class Outcome { kOk, kNote, kFailed };
  Outcome outcome = Outcome::kOk;
  std::string check;   // "page size"
  std::string detail;  // what was seen, and what it means
};

struct GraphProbeReport {
  std::string base_url;
  std::vector<GraphProbeFinding> findings;
  bool failed() const;
};

GraphProbeReport RunGraphProbe(const GraphProbeOptions& options,
                               http::HttpClient& http,
                               GraphAuthorization& authorization);

// The report as lines of text:
//   graph-probe of https://graph.microsoft.com/beta
//   ok      token       a token was issued
//   NOTE    page size   $top=2 answered 5 connectors: ...
std::string FormatGraphProbeReport(const GraphProbeReport& report);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_PROBE_H_
