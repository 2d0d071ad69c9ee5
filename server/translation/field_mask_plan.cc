#include "translation/field_mask_plan.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ndes/v1/connector_fields.h"
#include "text/untrusted_text.h"
#include "translation/date_time.h"
#include "translation/field_limits.h"
#include "translation/status_details.h"

namespace ndes::translation {
namespace {

constexpr absl::string_view kAtLeastOneProperty =
    "at least one property must be changed";

// A mask comes from the caller: quote a bounded, escaped part of a path, and
// report a bounded number of bad paths, so that the error (and the
// grpc-status-details-bin trailer that carries it) stays small.
constexpr std::size_t kMaxReportedPaths = 10;

// Fields of NdesConnector that a mask may name but that are never written.
bool IsIgnoredField(absl::string_view name) {
  return name == "id" || name == "etag";
}

bool IsConnectorField(absl::string_view name) {
  return IsIgnoredField(name) || v1::FieldByMaskPath(name).has_value();
}

// "displayName" -> "display_name", "DisplayName" -> "display_name".
std::string SnakeCaseOf(absl::string_view name) {
  std::string snake;
  for (char c : name) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      if (!snake.empty() && snake.back() != '_') snake.push_back('_');
      snake.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else {
      snake.push_back(c);
    }
  }
  return snake;
}

// What is wrong with a mask path that names no field of NdesConnector.
std::string DescribeUnknownPath(absl::string_view path) {
  if (path.empty()) return "an empty path names no field";
  const std::size_t dot = path.find('.');
  if (dot != absl::string_view::npos && IsConnectorField(path.substr(0, dot))) {
    return absl::StrCat(text::QuoteUntrusted(path),
                        " is a path into the field \"", path.substr(0, dot),
                        "\" (an update mask names whole fields only)");
  }
  std::string description = absl::StrCat(
      text::QuoteUntrusted(path), " is not a field of ndes.v1.NdesConnector");
  // Graph's and proto3 JSON's camelCase names are the usual mix-up, then
  // capitals.
  if (path.size() <= text::kMaxQuotedChars) {
    for (const std::string& candidate :
         {SnakeCaseOf(path), absl::AsciiStrToLower(path)}) {
      if (candidate != path && IsConnectorField(candidate)) {
        absl::StrAppend(&description, " (did you mean \"", candidate, "\"?)");
        break;
      }
    }
  }
  return description;
}

absl::StatusOr<v1::ConnectorFieldSet> FieldsOfMask(
    const google::protobuf::FieldMask& mask) {
  v1::ConnectorFieldSet selected;
  bool star = false;
  std::vector<FieldViolation> violations;
  std::size_t bad_paths = 0;
  auto add_violation = [&](int index, std::string description) {
    ++bad_paths;
    if (violations.size() < kMaxReportedPaths) {
      violations.push_back({absl::StrCat("update_mask.paths[", index, "]"),
                            std::move(description)});
    }
  };

  for (const std::string& path : mask.paths()) {
    if (path == "*") star = true;
  }

  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    if (path == "*") continue;
    if (star) {
      add_violation(i, absl::StrCat(text::QuoteUntrusted(path),
                                    " cannot be combined with \"*\" (\"*\" "
                                    "must be the only path of the mask)"));
      continue;
    }
    if (IsIgnoredField(path)) continue;
    const std::optional<v1::ConnectorField> field = v1::FieldByMaskPath(path);
    if (!field.has_value()) {
      add_violation(i, DescribeUnknownPath(path));
      continue;
    }
    selected.Add(*field);
  }

  if (!violations.empty()) {
    std::vector<absl::string_view> descriptions;
    for (const FieldViolation& violation : violations) {
      descriptions.push_back(violation.description);
    }
    std::string message = absl::StrCat("invalid update_mask: ",
                                       absl::StrJoin(descriptions, "; "));
    if (bad_paths > violations.size()) {
      absl::StrAppend(&message, "; and ", bad_paths - violations.size(),
                      " more invalid paths");
    }
    return InvalidArgumentWithViolations(message, std::move(violations));
  }

  const v1::ConnectorFieldSet fields =
      star ? v1::ConnectorFieldSet::All() : selected;
  if (fields.empty()) {
    return InvalidArgumentWithViolations(
        absl::StrCat(kAtLeastOneProperty,
                     ": update_mask names only id/etag, which are never "
                     "written"),
        {{"update_mask", "names no writable field (id and etag are ignored)"}});
  }
  return fields;
}

bool HoldsNonDefaultValue(const ndes::v1::NdesConnector& connector,
                          v1::ConnectorField field) {
  switch (field) {
    case v1::ConnectorField::kDisplayName:
      return !connector.display_name().empty();
    case v1::ConnectorField::kState:
      return connector.state() != ndes::v1::NDES_CONNECTOR_STATE_NONE;
    case v1::ConnectorField::kLastConnectionDateTime:
      return connector.has_last_connection_date_time();
    case v1::ConnectorField::kMachineName:
      return !connector.machine_name().empty();
    case v1::ConnectorField::kEnrolledDateTime:
      return connector.has_enrolled_date_time();
    case v1::ConnectorField::kRoleScopeTagIds:
      return connector.role_scope_tag_ids_size() > 0;
    case v1::ConnectorField::kConnectorVersion:
      return !connector.connector_version().empty();
  }
  return false;
}

absl::StatusOr<v1::ConnectorFieldSet> ImpliedFields(
    const ndes::v1::NdesConnector& connector) {
  v1::ConnectorFieldSet fields;
  for (v1::ConnectorField field : v1::WritableConnectorFields()) {
    if (HoldsNonDefaultValue(connector, field)) fields.Add(field);
  }
  if (fields.empty()) {
    return InvalidArgumentWithViolations(
        absl::StrCat(kAtLeastOneProperty,
                     ": update_mask is empty and ndes_connector sets no "
                     "writable field"),
        {{"ndes_connector",
          "sets no writable field, so the implied update mask is empty"}});
  }
  return fields;
}

std::string FieldPath(absl::string_view prefix, v1::ConnectorField field) {
  if (prefix.empty()) return std::string(v1::MaskPath(field));
  return absl::StrCat(prefix, ".", v1::MaskPath(field));
}

}  // namespace

bool IsWritableState(ndes::v1::NdesConnectorState state) {
  return state == ndes::v1::NDES_CONNECTOR_STATE_NONE ||
         state == ndes::v1::NDES_CONNECTOR_STATE_ACTIVE ||
         state == ndes::v1::NDES_CONNECTOR_STATE_INACTIVE;
}

absl::StatusOr<FieldMaskPlan> PlanFieldMask(
    const google::protobuf::FieldMask& mask,
    const ndes::v1::NdesConnector& connector) {
  absl::StatusOr<v1::ConnectorFieldSet> fields =
      mask.paths().empty() ? ImpliedFields(connector) : FieldsOfMask(mask);
  if (!fields.ok()) return fields.status();
  absl::Status values =
      ValidateConnectorValues(connector, *fields, "ndes_connector");
  if (!values.ok()) return values;
  return FieldMaskPlan{*std::move(fields)};
}

absl::Status ValidateConnectorValues(const ndes::v1::NdesConnector& connector,
                                     const v1::ConnectorFieldSet& fields,
                                     absl::string_view field_prefix) {
  std::vector<FieldViolation> violations;
  std::vector<std::string> problems;
  auto check_timestamp = [&](v1::ConnectorField field, bool has,
                             const google::protobuf::Timestamp& ts) {
    // The path is built only for an error: this runs for every write.
    if (!has || IsValidTimestamp(ts)) return;
    const std::string path = FieldPath(field_prefix, field);
    absl::Status status = ValidateTimestamp(ts, path);
    if (status.ok()) return;
    problems.emplace_back(status.message());
    for (FieldViolation& violation : FieldViolationsOf(status)) {
      violations.push_back(std::move(violation));
    }
  };

  // A string over its limit (field_limits.h); `index` is "[3]" for an entry
  // of a list.
  auto check_length = [&](v1::ConnectorField field, absl::string_view index,
                          absl::string_view value, std::size_t limit) {
    if (value.size() <= limit) return;  // at most one byte per character
    const std::size_t length = CharacterCount(value);
    if (length <= limit) return;
    const std::string path =
        absl::StrCat(FieldPath(field_prefix, field), index);
    std::string description = absl::StrCat(
        "is ", length, " characters long, more than the ", limit, " allowed");
    problems.push_back(absl::StrCat(path, " ", description));
    violations.push_back({path, std::move(description)});
  };

  for (v1::ConnectorField field : fields.Fields()) {
    switch (field) {
      case v1::ConnectorField::kState:
        if (!IsWritableState(connector.state())) {
          const std::string path = FieldPath(field_prefix, field);
          std::string description =
              connector.state() ==
                      ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE
                  ? std::string(
                        "state UNKNOWN_FUTURE_VALUE is output only: it stands "
                        "for a state Graph added later and cannot be written "
                        "(write NONE, ACTIVE or INACTIVE, or leave state out "
                        "of the update mask)")
                  : absl::StrCat(
                        "state ", connector.state(),
                        " is not a writable ndes.v1.NdesConnectorState "
                        "value (0 NONE, 1 ACTIVE, 2 INACTIVE)");
          problems.push_back(absl::StrCat(path, ": ", description));
          violations.push_back({path, std::move(description)});
        }
        break;
      case v1::ConnectorField::kLastConnectionDateTime:
        check_timestamp(field, connector.has_last_connection_date_time(),
                        connector.last_connection_date_time());
        break;
      case v1::ConnectorField::kEnrolledDateTime:
        check_timestamp(field, connector.has_enrolled_date_time(),
                        connector.enrolled_date_time());
        break;
      case v1::ConnectorField::kDisplayName:
        check_length(field, "", connector.display_name(), kMaxDisplayNameChars);
        break;
      case v1::ConnectorField::kMachineName:
        check_length(field, "", connector.machine_name(), kMaxMachineNameChars);
        break;
      case v1::ConnectorField::kConnectorVersion:
        check_length(field, "", connector.connector_version(),
                     kMaxConnectorVersionChars);
        break;
      case v1::ConnectorField::kRoleScopeTagIds: {
        const int tags = connector.role_scope_tag_ids_size();
        if (static_cast<std::size_t>(tags) > kMaxRoleScopeTagIds) {
          const std::string path = FieldPath(field_prefix, field);
          std::string description =
              absl::StrCat("has ", tags, " entries, more than the ",
                           kMaxRoleScopeTagIds, " allowed");
          problems.push_back(absl::StrCat(path, " ", description));
          violations.push_back({path, std::move(description)});
          break;
        }
        for (int i = 0; i < tags; ++i) {
          check_length(field, absl::StrCat("[", i, "]"),
                       connector.role_scope_tag_ids(i),
                       kMaxRoleScopeTagIdChars);
        }
        break;
      }
    }
  }
  if (violations.empty()) return absl::OkStatus();
  return InvalidArgumentWithViolations(absl::StrJoin(problems, "; "),
                                       std::move(violations));
}

}  // namespace ndes::translation
