#include "ndesctl/connector_json.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ndes/client/connector_update.h"

namespace ndes::ndesctl {
namespace {

// The object, each line after the first indented by `indent`.
std::string ConnectorObject(const ndes::v1::NdesConnector& connector,
                            absl::string_view indent) {
  auto date_time = [](bool has, const google::protobuf::Timestamp& t) {
    return has ? JsonString(FormatDateTime(t)) : std::string("null");
  };
  std::vector<std::string> tags;
  for (const std::string& tag : connector.role_scope_tag_ids()) {
    tags.push_back(JsonString(tag));
  }
  const std::string tag_list =
      tags.empty() ? "[]" : absl::StrCat("[", absl::StrJoin(tags, ", "), "]");
  const std::pair<absl::string_view, std::string> properties[] = {
      {"id", JsonString(connector.id())},
      {"displayName", JsonString(connector.display_name())},
      {"state", JsonString(StateName(connector.state()))},
      {"lastConnectionDateTime",
       date_time(connector.has_last_connection_date_time(),
                 connector.last_connection_date_time())},
      {"machineName", JsonString(connector.machine_name())},
      {"enrolledDateTime", date_time(connector.has_enrolled_date_time(),
                                     connector.enrolled_date_time())},
      {"roleScopeTagIds", tag_list},
      {"connectorVersion", JsonString(connector.connector_version())},
      {"@odata.etag", JsonString(connector.etag())},
  };
  std::string out = "{\n";
  bool first = true;
  for (const auto& [name, value] : properties) {
    if (!first) out += ",\n";
    first = false;
    absl::StrAppend(&out, indent, "  ", JsonString(name), ": ", value);
  }
  absl::StrAppend(&out, "\n", indent, "}");
  return out;
}

}  // namespace

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string FormatDateTime(const google::protobuf::Timestamp& timestamp) {
  const absl::Time time = ndes::client::FromProtoTimestamp(timestamp);
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  // Four-digit years (0001, not 1); absl's %Y does not pad.
  std::string out = absl::StrFormat(
      "%04d-%02d-%02dT%02d:%02d:%02d", civil.year(), civil.month(), civil.day(),
      civil.hour(), civil.minute(), civil.second());
  const std::int64_t nanos = absl::ToInt64Nanoseconds(
      time - absl::FromCivil(civil, absl::UTCTimeZone()));
  if (nanos != 0) {
    std::string fraction = absl::StrFormat("%09d", nanos);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    absl::StrAppend(&out, ".", fraction);
  }
  out += 'Z';
  return out;
}

std::string StateName(int state) {
  switch (state) {
    case ndes::v1::NDES_CONNECTOR_STATE_NONE:
      return "none";
    case ndes::v1::NDES_CONNECTOR_STATE_ACTIVE:
      return "active";
    case ndes::v1::NDES_CONNECTOR_STATE_INACTIVE:
      return "inactive";
    case ndes::v1::NDES_CONNECTOR_STATE_UNKNOWN_FUTURE_VALUE:
      return "unknownFutureValue";
  }
  return absl::StrCat(state);
}

std::string ConnectorToJson(const ndes::v1::NdesConnector& connector) {
  return ConnectorObject(connector, "");
}

std::string ConnectorsToJson(
    const std::vector<ndes::v1::NdesConnector>& connectors) {
  if (connectors.empty()) return "[]";
  std::string out = "[\n";
  for (std::size_t i = 0; i < connectors.size(); ++i) {
    absl::StrAppend(&out, "  ", ConnectorObject(connectors[i], "  "),
                    i + 1 < connectors.size() ? ",\n" : "\n");
  }
  out += "]";
  return out;
}

}  // namespace ndes::ndesctl
