#include "store/sqlite_body.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "ndes/v1/connector_fields.h"
#include "store/stored_connector.h"
#include "translation/date_time.h"
#include "translation/field_mask_plan.h"

namespace ndes::store::sqlite_internal {

std::string EncodeBody(const ndes::v1::NdesConnector& connector) {
  return connector.SerializeAsString();
}

absl::StatusOr<ndes::v1::NdesConnector> DecodeBody(absl::string_view id,
                                                   absl::string_view body,
                                                   BodyForm form) {
  if (form == BodyForm::kGraphJson) return ConnectorOfBody(id, body);
  ndes::v1::NdesConnector connector;
  if (!connector.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged: its body is not a connector"));
  }
  if (connector.id() != id) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged: its body names another id"));
  }
  // Checked inline, as every read does it; the translation's check, with
  // its message, only for a value that fails.
  const bool valid =
      ndes::v1::NdesConnectorState_IsValid(connector.state()) &&
      (!connector.has_last_connection_date_time() ||
       translation::IsValidTimestamp(connector.last_connection_date_time())) &&
      (!connector.has_enrolled_date_time() ||
       translation::IsValidTimestamp(connector.enrolled_date_time()));
  if (!valid) {
    const absl::Status values = translation::ValidateConnectorValues(
        connector, ndes::v1::ConnectorFieldSet::All(), "body");
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged and cannot be read: ", values.message()));
  }
  if (!connector.etag().empty() ||
      !connector.GetReflection()->GetUnknownFields(connector).empty()) {
    return absl::InternalError(
        absl::StrCat("stored NDES connector \"", id,
                     "\" is damaged: its body holds fields no connector has"));
  }
  return connector;
}

}  // namespace ndes::store::sqlite_internal
