// List page tokens of the stores that page by id (memory, SQLite,
// PostgreSQL): the web-safe base64 of "<store_tag>.v1:<last id of the
// previous page>". The tag keeps one store's tokens out of another; the
// version lets a later format refuse older tokens cleanly.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_STORE_PAGE_TOKEN_H_
#define NDES_SERVER_STORE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::store {

// The token of the page after the one that ended with `last_id`.
std::string EncodePageToken(absl::string_view store_tag,
                            absl::string_view last_id);

// Where the page of `token` starts: after the id it returns ("" for an empty
// token, the first page). Only tokens that EncodePageToken produces for
// `store_tag` are accepted (re-encoding must give the same text), so callers
// cannot smuggle variants in; anything else is INVALID_ARGUMENT with a
// google.rpc.BadRequest violation of the field page_token.
absl::StatusOr<std::string> DecodePageToken(absl::string_view store_tag,
                                            absl::string_view token);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_PAGE_TOKEN_H_
