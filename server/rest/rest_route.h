// Which resource a REST path names. The face serves Graph's beta surface
// for NDES connectors:
//
//   /beta/deviceManagement/ndesConnectors          the collection
//   /beta/deviceManagement/ndesConnectors/$count   its size (text/plain)
//   /beta/deviceManagement/ndesConnectors/{id}     one connector
//   /beta/$batch                                   JSON batching
//
// Segments are percent-decoded one by one after splitting, so an id may
// hold an encoded "/". The requests inside a batch name their URL relative
// to the version ("/deviceManagement/ndesConnectors"); Microsoft's
// JavaScript client keeps the version in them, so RestPathOptions allows
// both there.
//
// Errors, worded as Graph words them:
//   NOT_FOUND         "Invalid version: x" for a first segment other than
//                     beta or v1.0
//   INVALID_ARGUMENT  "Resource not found for the segment 'x'." (v1.0 has no
//                     ndesConnectors; any other path), or a malformed
//                     percent escape
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_REST_REST_ROUTE_H_
#define NDES_SERVER_REST_REST_ROUTE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::rest {

inline constexpr absl::string_view kVersion = "beta";
inline constexpr absl::string_view kCollectionPath =
    "/deviceManagement/ndesConnectors";

enum class RestResource { kCollection, kCount, kItem, kBatch };

struct RestRoute {
  RestResource resource = RestResource::kCollection;
  // kItem: the decoded id (not yet checked against the id rule).
  std::string id;
};

enum class VersionSegment {
  kRequired,  // a request of its own: "/beta/..."
  kOptional,  // a request inside a batch: "/deviceManagement/..." too
};

absl::StatusOr<RestRoute> ParseRestPath(absl::string_view path,
                                        VersionSegment version);

// `id` percent-encoded as one path segment (unreserved characters kept).
std::string EncodePathSegment(absl::string_view id);

// A query parameter's name or value percent-encoded for a link: besides the
// unreserved characters, the ones OData writes as they are ($ , ' ( ) : * /)
// are kept; space, &, =, +, #, % and the rest are encoded.
std::string EncodeQueryComponent(absl::string_view text);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_REST_ROUTE_H_
