#include "store/embedded_update.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cpprest/json.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"

namespace ndes::store {

absl::Status ConnectorNotFound(absl::string_view id) {
  return absl::NotFoundError(
      absl::StrCat("NDES connector \"", id, "\" not found"));
}

std::string EncodePageToken(absl::string_view store_tag,
                            absl::string_view last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(store_tag, ".v1:", last_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view store_tag,
                                            absl::string_view token) {
  std::string raw;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    absl::string_view last_id = raw;
    if (absl::ConsumePrefix(&last_id, store_tag) &&
        absl::ConsumePrefix(&last_id, ".v1:") &&
        translation::ValidateConnectorId(last_id, "page_token").ok() &&
        EncodePageToken(store_tag, last_id) == token) {
      return std::string(last_id);
    }
  }
  return absl::InvalidArgumentError(
      "page_token is not a page token issued by this store; start again "
      "with an empty page_token");
}

std::string EtagForRevision(std::uint64_t revision) {
  return absl::StrCat("W/\"", revision, "\"");
}

web::json::value StoredBodyOf(const ndes::v1::NdesConnector& connector) {
  // The etag lives next to the body, never inside it: clearing it keeps
  // "@odata.etag" out of the representation.
  ndes::v1::NdesConnector without_etag = connector;
  without_etag.clear_etag();
  return translation::ConnectorToGraphJson(without_etag);
}

absl::StatusOr<ndes::v1::NdesConnector> ConnectorOf(
    const StoredConnector& stored) {
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      translation::ConnectorFromGraphJson(stored.body);
  if (!connector.ok()) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector is damaged and cannot be read: ",
                     connector.status().message()));
  }
  connector->set_etag(stored.etag);
  return connector;
}

absl::StatusOr<ndes::v1::NdesConnector> ConnectorOfRow(
    absl::string_view id, const StoredConnector& stored) {
  absl::StatusOr<ndes::v1::NdesConnector> connector = ConnectorOf(stored);
  if (!connector.ok()) {
    return absl::InternalError(absl::StrCat(
        "NDES connector \"", id, "\": ", connector.status().message()));
  }
  if (connector->id() != id) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged: its body names another id"));
  }
  return connector;
}

absl::StatusOr<web::json::value> NextBodyForUpdate(
    const std::optional<StoredConnector>& current,
    const UpdateCommand& command) {
  if (!current.has_value() && !command.create_if_missing.has_value()) {
    return ConnectorNotFound(command.id);
  }
  // A missing connector has no etag, so an expected etag cannot match it:
  // the caller read a version that no longer exists.
  if (!command.expected_etag.empty() &&
      (!current.has_value() || current->etag != command.expected_etag)) {
    return absl::AbortedError(absl::StrCat(
        "NDES connector \"", command.id,
        "\" was changed or deleted since etag ", command.expected_etag,
        " was read; read it again and retry"));
  }
  if (!current.has_value()) {
    ndes::v1::NdesConnector created = *command.create_if_missing;
    created.set_id(command.id);
    return StoredBodyOf(created);
  }
  // A body that is no connector is stored damage (INTERNAL), which
  // ApplyGraphPatch could not tell apart from a bad patch (INVALID_ARGUMENT).
  absl::StatusOr<ndes::v1::NdesConnector> stored = ConnectorOf(*current);
  if (!stored.ok()) return stored.status();
  if (stored->id() != command.id) {
    return absl::InternalError(absl::StrCat(
        "stored NDES connector \"", command.id,
        "\" is damaged: its body names id \"", stored->id(), "\""));
  }
  return translation::ApplyGraphPatch(current->body, command.patch);
}

}  // namespace ndes::store
