#include "translation/graph_patch.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "translation/connector_fields.h"
#include "translation/graph_json.h"

namespace ndes::translation {
namespace {

using web::json::value;

bool IsODataAnnotation(const std::string& key) {
  return absl::StartsWith(key, "@odata.");
}

absl::StatusOr<value> MergePatch(const value& stored, const value& patch) {
  if (!stored.is_object()) {
    return absl::InvalidArgumentError(
        "the stored connector is not a JSON object");
  }
  if (!patch.is_object()) {
    return absl::InvalidArgumentError(
        "the PATCH document is not a JSON object");
  }
  const web::json::object& stored_object = stored.as_object();
  const web::json::object& patch_object = patch.as_object();

  auto stored_id = stored_object.find("id");
  for (const auto& [key, patch_value] : patch_object) {
    if (key != "id") continue;
    if (stored_id == stored_object.end() || stored_id->second != patch_value) {
      return absl::InvalidArgumentError(
          "the PATCH document may not change \"id\"");
    }
  }

  value merged = stored;
  for (const auto& [key, patch_value] : patch_object) {
    if (IsODataAnnotation(key)) continue;
    merged[key] = patch_value;
  }

  absl::StatusOr<ndes::v1::NdesConnector> connector =
      ConnectorFromGraphJson(merged);
  if (!connector.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the patched connector is not valid: ", connector.status().message()));
  }
  // Stored bodies stay in one canonical form whatever the patch spelled:
  // date-times in UTC, unknown properties dropped, no stale "@odata.etag".
  connector->clear_etag();
  return ConnectorToGraphJson(*connector);
}

}  // namespace

value BuildGraphPatchDocument(const ndes::v1::NdesConnector& connector,
                              const FieldMaskPlan& plan) {
  value patch = value::object(/*keep_order=*/true);
  patch["@odata.type"] = value::string(std::string(kGraphODataType));
  for (ConnectorField field : plan.fields) {
    value property = GraphPropertyValue(connector, field);
    // Proto3 cannot tell an empty string from an unset one; both clear.
    if (property.is_string() && property.as_string().empty() &&
        field != ConnectorField::kState) {
      property = value::null();
    }
    patch[std::string(GraphPropertyName(field))] = std::move(property);
  }
  return patch;
}

absl::StatusOr<value> ApplyGraphPatch(const value& stored, const value& patch) {
  try {
    return MergePatch(stored, patch);
  } catch (const web::json::json_exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed Graph document: ", e.what()));
  }
}

}  // namespace ndes::translation
