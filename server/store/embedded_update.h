// The write rules shared by the embedded stores (memory and SQLite), so both
// behave exactly alike: given what is stored under an id and a command, what
// to store next.
//
// Thread-safe: pure functions. The caller holds whatever lock or transaction
// makes read-then-write atomic.
#ifndef NDES_SERVER_STORE_EMBEDDED_UPDATE_H_
#define NDES_SERVER_STORE_EMBEDDED_UPDATE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpprest/json.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::store {

// A connector as an embedded store keeps it: its Graph representation
// (translation::ConnectorToGraphJson without "@odata.etag") and its etag.
struct StoredConnector {
  web::json::value body;
  std::string etag;
};

// The etag of the write with store-wide revision `revision` (W/"<revision>").
// Revisions only grow, so an etag is never reused, even across delete and
// re-create of an id.
std::string EtagForRevision(std::uint64_t revision);

// The body to store for `connector` (its etag ignored).
web::json::value StoredBodyOf(const ndes::v1::NdesConnector& connector);

// The connector a stored body and etag stand for. INTERNAL if the body is not
// a valid connector (stored data damaged outside the gateway).
absl::StatusOr<ndes::v1::NdesConnector> ConnectorOf(
    const StoredConnector& stored);

// ConnectorOf for the row stored under `id`: INTERNAL naming the id when
// the body is damaged or names another id.
absl::StatusOr<ndes::v1::NdesConnector> ConnectorOfRow(
    absl::string_view id, const StoredConnector& stored);

// The body to store for `command` given the current state of its id
// (`current`, nullopt when missing): NOT_FOUND / ABORTED / the merged or
// created body, per the rules of connector_store.h. The id of the result is
// always command.id.
absl::StatusOr<web::json::value> NextBodyForUpdate(
    const std::optional<StoredConnector>& current,
    const UpdateCommand& command);

// The NOT_FOUND status for a missing id, worded the same by every store.
absl::Status ConnectorNotFound(absl::string_view id);

// List page tokens of an embedded store: the web-safe base64 of
// "<store_tag>.v1:<last id of the previous page>". The tag keeps one store's
// tokens out of another; the version lets a later format refuse older tokens
// cleanly.
std::string EncodePageToken(absl::string_view store_tag,
                            absl::string_view last_id);

// The last id a token encodes. Only tokens that EncodePageToken produces for
// `store_tag` are accepted (re-encoding must give the same text), so callers
// cannot smuggle variants in; anything else is INVALID_ARGUMENT naming
// page_token.
absl::StatusOr<std::string> DecodePageToken(absl::string_view store_tag,
                                            absl::string_view token);

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_EMBEDDED_UPDATE_H_
