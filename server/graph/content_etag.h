// Etags the gateway derives from a connector's content, for a Graph that
// sends no @odata.etag (Intune's ndesConnector pages show none).
//
// A derived etag is strong and a function of what a caller sees of the
// connector, nothing else: the same content always gives the same etag, and
// any change of a field (or of the id) gives another one. It is
//
//   "<32 lowercase hex digits>"
//
// (with the quotes, as HTTP writes a strong entity tag): the first 128 bits
// of SHA-256 over the connector's deterministic protobuf encoding with its
// etag left out. That encoding writes the fields in field-number order, so
// it is canonical for this message (no maps, no unknown fields).
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_GRAPH_CONTENT_ETAG_H_
#define NDES_SERVER_GRAPH_CONTENT_ETAG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::graph {

// The derived etag of `connector` (its `etag` field is ignored).
std::string DerivedEtag(const ndes::v1::NdesConnector& connector);

// Whether `etag` has the form of a derived etag.
bool IsDerivedEtag(absl::string_view etag);

// Whether the caller's `expected` etag names the version `current` (as read
// from Graph, with its etag: Graph's own or derived): it is that etag, or
// the derived etag of that content.
bool EtagMatches(absl::string_view expected,
                 const ndes::v1::NdesConnector& current);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_CONTENT_ETAG_H_
