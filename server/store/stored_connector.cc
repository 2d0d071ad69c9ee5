#include "store/stored_connector.h"

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "translation/graph_json.h"

namespace ndes::store {

absl::Status ConnectorNotFound(absl::string_view id) {
  return absl::NotFoundError(
      absl::StrCat("NDES connector \"", id, "\" not found"));
}

absl::Status ConnectorAlreadyExists(absl::string_view id) {
  return absl::AlreadyExistsError(
      absl::StrCat("NDES connector \"", id, "\" already exists"));
}

std::string EtagForRevision(std::uint64_t revision) {
  return absl::StrCat("W/\"", revision, "\"");
}

ndes::v1::NdesConnector AnsweredConnector(const StoredConnector& stored) {
  ndes::v1::NdesConnector answered = stored.connector;
  answered.set_etag(stored.etag);
  return answered;
}

std::string StoredBodyOf(const ndes::v1::NdesConnector& connector) {
  // The etag lives next to the body, never inside it.
  if (connector.etag().empty()) {
    return translation::ConnectorToGraphJson(connector).serialize();
  }
  ndes::v1::NdesConnector without_etag = connector;
  without_etag.clear_etag();
  return translation::ConnectorToGraphJson(without_etag).serialize();
}

absl::StatusOr<ndes::v1::NdesConnector> ConnectorOfBody(
    absl::string_view id, absl::string_view body) {
  std::error_code parse_error;
  const web::json::value json =
      web::json::value::parse(std::string(body), parse_error);
  if (parse_error) {
    return absl::InternalError(absl::StrCat(
        "stored NDES connector \"", id, "\" is damaged: its body is not JSON (",
        parse_error.message(), ")"));
  }
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      translation::ConnectorFromGraphJson(json);
  if (!connector.ok()) {
    return absl::InternalError(absl::StrCat(
        "stored NDES connector \"", id,
        "\" is damaged and cannot be read: ", connector.status().message()));
  }
  if (connector->id() != id) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged: its body names another id"));
  }
  connector->clear_etag();
  return connector;
}

absl::StatusOr<ndes::v1::NdesConnector> NextConnectorForUpdate(
    const std::optional<StoredConnector>& current,
    const UpdateCommand& command) {
  const bool exists = current.has_value();
  if (absl::Status allowed =
          CheckUpdate(exists, exists ? current->etag : "", command);
      !allowed.ok()) {
    return allowed;
  }
  ndes::v1::NdesConnector next;
  if (exists) next = current->connector;
  ApplyUpdate(command, exists, &next);
  return next;
}

absl::Status CheckUpdate(bool exists, absl::string_view current_etag,
                         const UpdateCommand& command) {
  if (!exists && !command.create_if_missing) {
    return ConnectorNotFound(command.id);
  }
  // A missing connector has no etag, so an expected etag cannot match it:
  // the caller read a version that no longer exists.
  if (!command.expected_etag.empty() &&
      (!exists || current_etag != command.expected_etag)) {
    return absl::AbortedError(absl::StrCat(
        "NDES connector \"", command.id,
        "\" was changed or deleted since etag ", command.expected_etag,
        " was read; read it again and retry"));
  }
  return absl::OkStatus();
}

void ApplyUpdate(const UpdateCommand& command, bool exists,
                 ndes::v1::NdesConnector* connector) {
  ndes::v1::CopyFields(
      command.values,
      exists ? command.fields : ndes::v1::ConnectorFieldSet::All(), connector);
  connector->set_id(command.id);
}

absl::Status CheckDelete(absl::string_view id,
                         std::optional<absl::string_view> current_etag,
                         absl::string_view expected_etag) {
  if (!current_etag.has_value()) return ConnectorNotFound(id);
  if (!expected_etag.empty() && *current_etag != expected_etag) {
    return absl::AbortedError(
        absl::StrCat("NDES connector \"", id, "\" was changed since etag ",
                     expected_etag, " was read; read it again and retry"));
  }
  return absl::OkStatus();
}

}  // namespace ndes::store
