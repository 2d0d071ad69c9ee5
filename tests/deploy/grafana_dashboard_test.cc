// deploy/monitoring/grafana-dashboard.json: valid dashboard JSON, a panel
// for each signal operators watch, and queries over the gateway's metric
// contract only (so that a renamed metric cannot leave a panel blank).
#include <cpprest/json.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "deploy/deploy_files.h"
#include "support/temp_dir.h"

namespace ndes::deploy_test {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

web::json::value LoadDashboard() {
  return web::json::value::parse(ReadFile(
      SourceDir() / "deploy" / "monitoring" / "grafana-dashboard.json"));
}

struct Panel {
  std::string title;
  std::vector<std::string> expressions;
};

// Every non-row panel, including those nested in collapsed rows.
std::vector<Panel> PanelsOf(const web::json::value& dashboard) {
  std::vector<Panel> panels;
  std::function<void(const web::json::value&)> visit =
      [&](const web::json::value& list) {
        if (!list.is_array()) return;
        for (const web::json::value& panel : list.as_array()) {
          if (panel.has_field("panels")) visit(panel.at("panels"));
          if (panel.has_field("type") &&
              panel.at("type").as_string() == "row") {
            continue;
          }
          Panel entry;
          if (panel.has_string_field("title")) {
            entry.title = panel.at("title").as_string();
          }
          if (panel.has_array_field("targets")) {
            for (const web::json::value& target :
                 panel.at("targets").as_array()) {
              if (target.has_string_field("expr")) {
                entry.expressions.push_back(target.at("expr").as_string());
              }
            }
          }
          panels.push_back(entry);
        }
      };
  visit(dashboard.at("panels"));
  return panels;
}

TEST(MetricNamesInTest, FindsSeriesAndSkipsFunctionsLabelsAndVariables) {
  EXPECT_THAT(MetricNamesIn("histogram_quantile(0.99, sum by (le, grpc_method) "
                            "(rate(grpc_server_handling_seconds_bucket"
                            "{namespace=~\"$namespace\", grpc_code!=\"OK\"}"
                            "[$__rate_interval])))"),
              ElementsAre("grpc_server_handling_seconds_bucket"));
  EXPECT_THAT(
      MetricNamesIn("process_resident_memory_bytes{pod=~\"$pod\"} and "
                    "on (namespace, pod) ndes_gateway_build_info"),
      ElementsAre("process_resident_memory_bytes", "ndes_gateway_build_info"));
  EXPECT_THAT(MetricNamesIn("sum(rate(a_total[5m] offset 1h)) / 1e3 > bool 2"),
              ElementsAre("a_total"));
}

TEST(MetricNamesInTest, ContractAcceptsHistogramSeriesOnly) {
  EXPECT_TRUE(IsContractSeries("grpc_server_handled_total"));
  EXPECT_TRUE(IsContractSeries("grpc_server_handling_seconds_bucket"));
  EXPECT_FALSE(IsContractSeries("grpc_server_handling_seconds"));
  EXPECT_FALSE(IsContractSeries("grpc_server_handled_total_bucket"));
  EXPECT_FALSE(IsContractSeries("ndes_gateway_calls_total"));
  EXPECT_FALSE(IsContractSeries("ndes_gateway_request_count"));
}

TEST(GrafanaDashboardTest, IsAnImportableDashboard) {
  web::json::value dashboard;
  ASSERT_NO_THROW(dashboard = LoadDashboard());
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_FALSE(dashboard.at("title").as_string().empty());
  EXPECT_FALSE(dashboard.at("uid").as_string().empty());
  EXPECT_GE(dashboard.at("schemaVersion").as_integer(), 30);
  ASSERT_TRUE(dashboard.has_array_field("panels"));
  // Imported as is: it must not be wrapped ({"dashboard": ...}) nor carry a
  // numeric id of another Grafana.
  EXPECT_FALSE(dashboard.has_field("dashboard"));
  EXPECT_FALSE(dashboard.has_field("id") && !dashboard.at("id").is_null());

  std::set<int> ids;
  for (const web::json::value& panel : dashboard.at("panels").as_array()) {
    const int id = panel.at("id").as_integer();
    EXPECT_TRUE(ids.insert(id).second) << "duplicate panel id " << id;
    const web::json::value& grid = panel.at("gridPos");
    EXPECT_LE(grid.at("x").as_integer() + grid.at("w").as_integer(), 24)
        << panel.at("title").as_string();
  }
  // A data source variable, so that the dashboard works with any
  // Prometheus data source name.
  bool datasource_variable = false;
  for (const web::json::value& variable :
       dashboard.at("templating").at("list").as_array()) {
    if (variable.at("type").as_string() == "datasource" &&
        variable.at("query").as_string() == "prometheus") {
      datasource_variable = true;
    }
  }
  EXPECT_TRUE(datasource_variable);
}

// grpc_server_* is every gRPC server's convention: the application beside
// the gateway may expose the same names, so each query selects the
// gateway's service.
TEST(GrafanaDashboardTest, CallMetricsSelectTheGatewaysService) {
  const std::regex series(R"re(grpc_server_\w+(\{[^}]*\})?)re");
  int selections = 0;
  for (const Panel& panel : PanelsOf(LoadDashboard())) {
    for (const std::string& expression : panel.expressions) {
      for (auto it = std::sregex_iterator(expression.begin(), expression.end(),
                                          series);
           it != std::sregex_iterator(); ++it) {
        ++selections;
        EXPECT_TRUE(absl::StrContains(
            it->str(), "grpc_service=\"ndes.v1.NdesConnectorService\""))
            << it->str() << " in " << panel.title;
      }
    }
  }
  EXPECT_GE(selections, 6);
}

TEST(GrafanaDashboardTest, EveryQueryUsesContractMetricsOnly) {
  int queries = 0;
  std::vector<std::string> unknown;
  for (const Panel& panel : PanelsOf(LoadDashboard())) {
    SCOPED_TRACE(panel.title);
    EXPECT_FALSE(panel.expressions.empty()) << "a panel without a query";
    for (const std::string& expression : panel.expressions) {
      ++queries;
      const std::vector<std::string> names = MetricNamesIn(expression);
      EXPECT_FALSE(names.empty()) << expression;
      for (const std::string& name : names) {
        if (!IsContractSeries(name))
          unknown.push_back(name + " in " + panel.title);
      }
    }
  }
  EXPECT_GE(queries, 10);
  EXPECT_THAT(unknown, IsEmpty());
}

TEST(GrafanaDashboardTest, HasAPanelForEachSignal) {
  const std::vector<Panel> panels = PanelsOf(LoadDashboard());
  // A panel whose queries together contain every fragment.
  auto has_panel = [&](const std::vector<std::string>& fragments) {
    for (const Panel& panel : panels) {
      const std::string all = absl::StrJoin(panel.expressions, "\n");
      bool every = true;
      for (const std::string& fragment : fragments) {
        every = every && absl::StrContains(all, fragment);
      }
      if (every) return true;
    }
    return false;
  };
  const std::vector<std::pair<std::string, std::vector<std::string>>> kSignals =
      {{"traffic by method",
        {"sum by (grpc_method) (rate(grpc_server_handled_total"}},
       {"errors by code",
        {"sum by (grpc_code) (rate(grpc_server_handled_total",
         "grpc_code!=\"OK\""}},
       {"latency p50/p90/p99",
        {"histogram_quantile(0.5,", "histogram_quantile(0.9,",
         "histogram_quantile(0.99,", "grpc_server_handling_seconds_bucket"}},
       {"Graph throttling",
        {"ndes_gateway_graph_throttled_total",
         "ndes_gateway_graph_throttle_wait_seconds_total"}},
       {"Graph upstream status",
        {"sum by (status) (rate(ndes_gateway_graph_requests_total"}},
       {"store latency by backend and operation",
        {"histogram_quantile(", "by (le, backend, operation)",
         "ndes_gateway_store_operation_duration_seconds_bucket"}},
       {"calls in flight", {"ndes_gateway_calls_in_flight"}},
       {"memory", {"process_resident_memory_bytes"}}};
  for (const auto& [signal, fragments] : kSignals) {
    EXPECT_TRUE(has_panel(fragments)) << "no panel for " << signal;
  }
}

// promtool parses each query (Grafana's variables replaced by values), so a
// typo that Grafana would only show as an error in a panel fails here.
TEST(GrafanaDashboardTest, EveryQueryIsValidPromql) {
  const std::string promtool = NDES_PROMTOOL;
  if (promtool.empty()) GTEST_SKIP() << "promtool (Debian: prometheus) missing";
  ndes::testing::TempDir dir;
  const std::string rules_file = dir.Path("dashboard-queries.yaml");
  {
    std::ofstream rules(rules_file);
    rules << "groups:\n  - name: dashboard\n    rules:\n";
    int n = 0;
    for (const Panel& panel : PanelsOf(LoadDashboard())) {
      for (const std::string& expression : panel.expressions) {
        const std::string concrete =
            absl::StrReplaceAll(expression, {{"$__rate_interval", "5m"},
                                             {"$__interval", "1m"},
                                             {"$namespace", ".*"},
                                             {"$pod", ".*"}});
        // A JSON string is a valid YAML scalar.
        rules << "      - record: dashboard:query" << n++ << "\n"
              << "        expr: "
              << web::json::value::string(concrete).serialize() << "\n";
      }
    }
  }
  const CommandResult check = RunCommand(
      ShellQuote(promtool) + " check rules " + ShellQuote(rules_file));
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
}  // namespace ndes::deploy_test
