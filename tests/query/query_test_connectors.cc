#include "query/query_test_connectors.h"

#include <cstdint>
#include <string>
#include <vector>

#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter_evaluator.h"

namespace ndes::query {
namespace {

using ::ndes::v1::NdesConnector;

constexpr std::int64_t k2026 = 1767225600;      // 2026-01-01T00:00:00Z
constexpr std::int64_t kJune2025 = 1748779200;  // 2025-06-01T12:00:00Z

NdesConnector Make(std::string id, std::string display_name,
                   ndes::v1::NdesConnectorState state, std::string machine_name,
                   std::vector<std::string> tags, std::string version) {
  NdesConnector connector;
  connector.set_id(std::move(id));
  connector.set_display_name(std::move(display_name));
  connector.set_state(state);
  connector.set_machine_name(std::move(machine_name));
  for (std::string& tag : tags) connector.add_role_scope_tag_ids(tag);
  connector.set_connector_version(std::move(version));
  connector.set_etag("W/\"1\"");
  return connector;
}

std::vector<NdesConnector> Build() {
  std::vector<NdesConnector> set;
  set.push_back(Make("c1", "NDES-01", ndes::v1::NDES_CONNECTOR_STATE_ACTIVE,
                     "ndes01.contoso.local", {"0"}, "6.2301.1.0"));
  set.back().mutable_last_connection_date_time()->set_seconds(k2026);
  set.back().mutable_enrolled_date_time()->set_seconds(kJune2025);

  set.push_back(Make("c2", "NDES-02", ndes::v1::NDES_CONNECTOR_STATE_INACTIVE,
                     "NDES02.contoso.local", {"0", "1"}, "6.2301.1.0"));
  set.back().mutable_last_connection_date_time()->set_seconds(k2026);
  set.back().mutable_last_connection_date_time()->set_nanos(500000000);

  set.push_back(Make("c3", "ndes-03", ndes::v1::NDES_CONNECTOR_STATE_NONE,
                     "ca01.fabrikam.com", {}, ""));

  // The same instant as 2026-01-01T00:00:00+01:00.
  set.push_back(Make("c4", "O'Brien's connector",
                     ndes::v1::NDES_CONNECTOR_STATE_ACTIVE, "", {"Tag-A"},
                     "7.0"));
  set.back().mutable_last_connection_date_time()->set_seconds(k2026 - 3600);
  set.back().mutable_enrolled_date_time()->set_seconds(kJune2025);

  set.push_back(Make("c5", "", ndes::v1::NDES_CONNECTOR_STATE_INACTIVE,
                     "ndes05", {"1"}, "7.0"));
  set.back().mutable_enrolled_date_time()->set_seconds(kJune2025 + 1);

  set.push_back(Make("c6",
                     "\xC3\x9C"
                     "ndes",
                     ndes::v1::NDES_CONNECTOR_STATE_NONE,
                     "ndes06.contoso.local", {"2"}, "8.0"));

  set.push_back(Make("c7", "star*name", ndes::v1::NDES_CONNECTOR_STATE_ACTIVE,
                     "a*b", {"0", "Tag-A"}, ""));
  set.back().mutable_last_connection_date_time()->set_seconds(k2026 + 60);
  return set;
}

}  // namespace

const std::vector<NdesConnector>& TestConnectors() {
  static const std::vector<NdesConnector>* const set =
      new std::vector<NdesConnector>(Build());
  return *set;
}

std::vector<std::string> MatchingIds(const Filter& filter) {
  std::vector<std::string> ids;
  for (const NdesConnector& connector : TestConnectors()) {
    if (Matches(filter, connector)) ids.push_back(connector.id());
  }
  return ids;
}

std::vector<std::string> AllTestIds() {
  std::vector<std::string> ids;
  for (const NdesConnector& connector : TestConnectors()) {
    ids.push_back(connector.id());
  }
  return ids;
}

}  // namespace ndes::query
