// Page tokens of ListNdesConnectors in graph mode: the caller-visible form
// of a GraphListCursor (proto/ndes/internal/graph_list_cursor.proto).
//
//   "graph.v2:"  + cursor                   no connectors buffered
//   "graph.v2s:" + cursor + HMAC-SHA256     connectors buffered
//
// web-safe base64 encoded. A token that carries connectors is signed with a
// key this process drew at random when the store was made, over the
// cursor and the caller's authorization metadata when the store forwards
// callers' credentials (passthrough): a caller can neither forge the
// connectors it will be answered nor replay another caller's token to read
// what that caller's credentials fetched. Such a token is valid only in the
// gateway process that issued it; a token without connectors is valid in
// any gateway with the same --graph_base_url.
//
// A token carries only the *query* of a Graph page (`?` and what follows in
// Graph's @odata.nextLink), which the store always sends to its own
// collection URL: no token can make the gateway call another host or path.
// Decode refuses, as INVALID_ARGUMENT with a BadRequest violation of
// page_token, anything Encode did not produce: bad base64 or prefix, a
// cursor that does not parse or does not re-encode to the same text, a
// query with control characters, spaces, '#' or '\', a bad signature, or
// connectors without one.
//
// Thread-safe: immutable after construction.
#ifndef NDES_SERVER_GRAPH_GRAPH_PAGE_TOKEN_H_
#define NDES_SERVER_GRAPH_GRAPH_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ndes/internal/graph_list_cursor.pb.h"

namespace ndes::graph {

class GraphPageTokens {
 public:
  // Draws a random signing key.
  GraphPageTokens();
  // With a given key (tests: two stores that share tokens).
  explicit GraphPageTokens(std::string signing_key);

  // `binding`: the caller's authorization metadata in passthrough mode, or
  // empty.
  std::string Encode(const ndes::internal::GraphListCursor& cursor,
                     absl::string_view binding) const;
  absl::StatusOr<ndes::internal::GraphListCursor> Decode(
      absl::string_view token, absl::string_view binding) const;

 private:
  std::string Sign(absl::string_view cursor, absl::string_view binding) const;

  const std::string key_;
};

// Whether `query` may be sent as the query of a Graph collection URL: not
// empty, printable ASCII without spaces, '#' or '\'.
bool IsSafeGraphQuery(absl::string_view query);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_PAGE_TOKEN_H_
