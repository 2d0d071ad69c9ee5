#include "translation/graph_json.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ndes/v1/connector_fields.h"
#include "text/untrusted_text.h"
#include "translation/date_time.h"

namespace ndes::translation {
namespace {

using web::json::value;

constexpr absl::string_view kODataEtag = "@odata.etag";

absl::string_view JsonTypeName(const value& json) {
  switch (json.type()) {
    case value::Number:
      return "a number";
    case value::Boolean:
      return "a boolean";
    case value::String:
      return "a string";
    case value::Object:
      return "an object";
    case value::Array:
      return "an array";
    case value::Null:
      return "null";
  }
  return "an unknown JSON value";
}

absl::Status WrongType(absl::string_view property, absl::string_view expected,
                       const value& json) {
  return absl::InvalidArgumentError(absl::StrCat("Graph property \"", property,
                                                 "\" must be ", expected,
                                                 ", not ", JsonTypeName(json)));
}

// The value of `key` in `object`, if present. With duplicate keys this is the
// one cpprestsdk's own lookup and operator[] use, so reading and merging agree.
const value* FindProperty(const web::json::object& object,
                          absl::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end()) return nullptr;
  return &it->second;
}

absl::StatusOr<std::string> ReadString(absl::string_view property,
                                       const value& json) {
  if (json.is_null()) return std::string();
  if (!json.is_string()) return WrongType(property, "a string or null", json);
  return json.as_string();
}

absl::Status ReadDateTime(absl::string_view property, const value& json,
                          google::protobuf::Timestamp* out, bool* has) {
  *has = false;
  if (json.is_null()) return absl::OkStatus();
  if (!json.is_string()) {
    return WrongType(property, "a date-time string or null", json);
  }
  absl::StatusOr<google::protobuf::Timestamp> ts =
      ParseGraphDateTime(json.as_string());
  if (!ts.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Graph property \"", property, "\": ", ts.status().message()));
  }
  *out = *std::move(ts);
  *has = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadGraphProperty(v1::ConnectorField field, const value& json,
                               ndes::v1::NdesConnector* connector,
                               UnknownGraphState unknown_state) {
  const absl::string_view property = v1::GraphName(field);
  switch (field) {
    case v1::ConnectorField::kDisplayName:
    case v1::ConnectorField::kMachineName:
    case v1::ConnectorField::kConnectorVersion: {
      absl::StatusOr<std::string> text = ReadString(property, json);
      if (!text.ok()) return text.status();
      if (field == v1::ConnectorField::kDisplayName) {
        connector->set_display_name(*std::move(text));
      } else if (field == v1::ConnectorField::kMachineName) {
        connector->set_machine_name(*std::move(text));
      } else {
        connector->set_connector_version(*std::move(text));
      }
      return absl::OkStatus();
    }
    case v1::ConnectorField::kState: {
      if (json.is_null()) {
        connector->set_state(ndes::v1::NDES_CONNECTOR_STATE_NONE);
        return absl::OkStatus();
      }
      if (!json.is_string()) {
        return WrongType(property, "a state string or null", json);
      }
      if (unknown_state == UnknownGraphState::kReadAsUnknownFutureValue) {
        connector->set_state(ReadGraphState(json.as_string()));
        return absl::OkStatus();
      }
      absl::StatusOr<ndes::v1::NdesConnectorState> state =
          ParseGraphState(json.as_string());
      if (!state.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Graph property \"", property, "\": ", state.status().message()));
      }
      connector->set_state(*state);
      return absl::OkStatus();
    }
    case v1::ConnectorField::kLastConnectionDateTime:
    case v1::ConnectorField::kEnrolledDateTime: {
      google::protobuf::Timestamp ts;
      bool has = false;
      absl::Status status = ReadDateTime(property, json, &ts, &has);
      if (!status.ok()) return status;
      const bool last_connection =
          field == v1::ConnectorField::kLastConnectionDateTime;
      if (has) {
        *(last_connection ? connector->mutable_last_connection_date_time()
                          : connector->mutable_enrolled_date_time()) = ts;
      } else if (last_connection) {
        connector->clear_last_connection_date_time();
      } else {
        connector->clear_enrolled_date_time();
      }
      return absl::OkStatus();
    }
    case v1::ConnectorField::kRoleScopeTagIds: {
      connector->clear_role_scope_tag_ids();
      if (json.is_null()) return absl::OkStatus();
      if (!json.is_array()) {
        return WrongType(property, "an array of strings or null", json);
      }
      const web::json::array& items = json.as_array();
      for (std::size_t i = 0; i < items.size(); ++i) {
        const value& item = items.at(i);
        if (!item.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Graph property \"", property, "\" item ", i,
                           " must be a string, not ", JsonTypeName(item)));
        }
        connector->add_role_scope_tag_ids(item.as_string());
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<ndes::v1::NdesConnector> ReadConnector(const value& json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a Graph ndesConnector must be a JSON object, not ",
                     JsonTypeName(json)));
  }
  const web::json::object& object = json.as_object();
  ndes::v1::NdesConnector connector;

  if (const value* id = FindProperty(object, "id"); id != nullptr) {
    absl::StatusOr<std::string> text = ReadString("id", *id);
    if (!text.ok()) return text.status();
    connector.set_id(*std::move(text));
  }
  for (v1::ConnectorField field : v1::WritableConnectorFields()) {
    const value* property = FindProperty(object, v1::GraphName(field));
    if (property == nullptr) continue;
    absl::Status status =
        ReadGraphProperty(field, *property, &connector,
                          UnknownGraphState::kReadAsUnknownFutureValue);
    if (!status.ok()) return status;
  }
  if (const value* etag = FindProperty(object, kODataEtag); etag != nullptr) {
    absl::StatusOr<std::string> text = ReadString(kODataEtag, *etag);
    if (!text.ok()) return text.status();
    connector.set_etag(*std::move(text));
  }
  return connector;
}

}  // namespace

absl::string_view GraphStateName(ndes::v1::NdesConnectorState state) {
  switch (state) {
    case ndes::v1::NDES_CONNECTOR_STATE_NONE:
      return "none";
    case ndes::v1::NDES_CONNECTOR_STATE_ACTIVE:
      return "active";
    case ndes::v1::NDES_CONNECTOR_STATE_INACTIVE:
      return "inactive";
    case ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE:
      return "unknownFutureValue";
    default:
      break;
  }
  // An undeclared value breaks the precondition. It has no Graph name; an
  // empty one makes any document carrying it fail ParseGraphState instead of
  // silently turning into "none".
  return "";
}

absl::StatusOr<ndes::v1::NdesConnectorState> ParseGraphState(
    absl::string_view name) {
  if (name == "none") return ndes::v1::NDES_CONNECTOR_STATE_NONE;
  if (name == "active") return ndes::v1::NDES_CONNECTOR_STATE_ACTIVE;
  if (name == "inactive") return ndes::v1::NDES_CONNECTOR_STATE_INACTIVE;
  return absl::InvalidArgumentError(
      absl::StrCat("state ", text::QuoteUntrusted(name),
                   " is not one of \"none\", \"active\", \"inactive\""));
}

ndes::v1::NdesConnectorState ReadGraphState(absl::string_view name) {
  absl::StatusOr<ndes::v1::NdesConnectorState> known = ParseGraphState(name);
  return known.ok() ? *known
                    : ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE;
}

value GraphPropertyValue(const ndes::v1::NdesConnector& connector,
                         v1::ConnectorField field) {
  switch (field) {
    case v1::ConnectorField::kDisplayName:
      return value::string(connector.display_name());
    case v1::ConnectorField::kState:
      return value::string(std::string(GraphStateName(connector.state())));
    case v1::ConnectorField::kLastConnectionDateTime:
      if (!connector.has_last_connection_date_time()) return value::null();
      return value::string(
          FormatGraphDateTime(connector.last_connection_date_time()));
    case v1::ConnectorField::kMachineName:
      return value::string(connector.machine_name());
    case v1::ConnectorField::kEnrolledDateTime:
      if (!connector.has_enrolled_date_time()) return value::null();
      return value::string(FormatGraphDateTime(connector.enrolled_date_time()));
    case v1::ConnectorField::kRoleScopeTagIds: {
      std::vector<value> items;
      items.reserve(connector.role_scope_tag_ids_size());
      for (const std::string& tag : connector.role_scope_tag_ids()) {
        items.push_back(value::string(tag));
      }
      return value::array(std::move(items));
    }
    case v1::ConnectorField::kConnectorVersion:
      return value::string(connector.connector_version());
  }
  return value::null();
}

value ConnectorToGraphJson(const ndes::v1::NdesConnector& connector) {
  value json = value::object(/*keep_order=*/true);
  json["@odata.type"] = value::string(std::string(kGraphODataType));
  json["id"] = value::string(connector.id());
  for (v1::ConnectorField field : v1::WritableConnectorFields()) {
    json[std::string(v1::GraphName(field))] =
        GraphPropertyValue(connector, field);
  }
  if (!connector.etag().empty()) {
    json[std::string(kODataEtag)] = value::string(connector.etag());
  }
  return json;
}

absl::StatusOr<ndes::v1::NdesConnector> ConnectorFromGraphJson(
    const value& json) {
  // Every access above checks the JSON type first; this only keeps a missed
  // case from throwing across the module boundary.
  try {
    return ReadConnector(json);
  } catch (const web::json::json_exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed Graph ndesConnector: ", e.what()));
  }
}

}  // namespace ndes::translation
