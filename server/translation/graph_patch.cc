#include "translation/graph_patch.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ndes/v1/connector_fields.h"
#include "text/untrusted_text.h"
#include "translation/graph_json.h"

namespace ndes::translation {
namespace {

using web::json::value;

bool IsODataAnnotation(const std::string& key) {
  return absl::StartsWith(key, "@odata.");
}

absl::StatusOr<GraphPatch> ReadPatch(const value& patch, absl::string_view id) {
  if (!patch.is_object()) {
    return absl::InvalidArgumentError(
        "the PATCH document is not a JSON object");
  }
  GraphPatch read;
  for (const auto& [key, property] : patch.as_object()) {
    if (IsODataAnnotation(key)) continue;
    if (key == "id") {
      if (!property.is_string() || property.as_string() != id) {
        return absl::InvalidArgumentError(
            "the PATCH document may not change \"id\"");
      }
      continue;
    }
    const std::optional<v1::ConnectorField> field = v1::FieldByGraphName(key);
    if (!field.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the property ", text::QuoteUntrusted(key),
          " does not exist on type microsoft.graph.ndesConnector"));
    }
    absl::Status status = ReadGraphProperty(*field, property, &read.values,
                                            UnknownGraphState::kRefuse);
    if (!status.ok()) return status;
    read.fields.Add(*field);
  }
  return read;
}

}  // namespace

value BuildGraphPatchDocument(const ndes::v1::NdesConnector& values,
                              const v1::ConnectorFieldSet& fields) {
  value patch = value::object(/*keep_order=*/true);
  patch["@odata.type"] = value::string(std::string(kGraphODataType));
  for (v1::ConnectorField field : fields.Fields()) {
    value property = GraphPropertyValue(values, field);
    // Proto3 cannot tell an empty string from an unset one; both clear.
    if (property.is_string() && property.as_string().empty() &&
        field != v1::ConnectorField::kState) {
      property = value::null();
    }
    patch[std::string(v1::GraphName(field))] = std::move(property);
  }
  return patch;
}

absl::StatusOr<GraphPatch> ParseGraphPatchDocument(const value& patch,
                                                   absl::string_view id) {
  try {
    return ReadPatch(patch, id);
  } catch (const web::json::json_exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed Graph document: ", e.what()));
  }
}

}  // namespace ndes::translation
