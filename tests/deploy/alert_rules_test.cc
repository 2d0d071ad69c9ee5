// deploy/monitoring/alert-rules.yaml: promtool accepts it and its unit tests
// pass, every rule is actionable (for, severity, summary, description), the
// expected alerts exist, and they only use the gateway's metric contract.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "deploy/deploy_files.h"

namespace ndes::deploy_test {
namespace {

namespace fs = std::filesystem;
using ::testing::IsEmpty;

fs::path MonitoringDir() { return SourceDir() / "deploy" / "monitoring"; }

std::vector<YAML::Node> AllRules() {
  std::vector<YAML::Node> rules;
  const YAML::Node file =
      YAML::LoadFile((MonitoringDir() / "alert-rules.yaml").string());
  for (const YAML::Node& group : file["groups"]) {
    for (const YAML::Node& rule : group["rules"]) rules.push_back(rule);
  }
  return rules;
}

std::string Str(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : "";
}

std::string Promtool() { return NDES_PROMTOOL; }

TEST(AlertRulesTest, PromtoolChecksTheRules) {
  if (Promtool().empty())
    GTEST_SKIP() << "promtool (Debian: prometheus) missing";
  const CommandResult check =
      RunCommand(ShellQuote(Promtool()) + " check rules " +
                 ShellQuote((MonitoringDir() / "alert-rules.yaml").string()));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "SUCCESS")) << check.output;
}

// alert-rules.test.yaml feeds series through the rules: server errors fire
// the error-ratio alert, client errors and a trickle of traffic do not.
TEST(AlertRulesTest, PromtoolUnitTestsPass) {
  if (Promtool().empty())
    GTEST_SKIP() << "promtool (Debian: prometheus) missing";
  // promtool resolves rule_files relative to the test file's directory.
  const CommandResult test = RunCommand(
      ShellQuote(Promtool()) + " test rules " +
      ShellQuote((MonitoringDir() / "alert-rules.test.yaml").string()));
  EXPECT_EQ(test.exit_code, 0) << test.output;
  EXPECT_TRUE(absl::StrContains(test.output, "SUCCESS")) << test.output;
}

TEST(AlertRulesTest, EveryAlertIsActionable) {
  const std::vector<YAML::Node> rules = AllRules();
  ASSERT_GE(rules.size(), 5u);
  for (const YAML::Node& rule : rules) {
    const std::string name = Str(rule["alert"]);
    SCOPED_TRACE(name);
    ASSERT_FALSE(name.empty()) << "a recording rule or an unnamed alert";
    EXPECT_FALSE(Str(rule["expr"]).empty());
    EXPECT_TRUE(std::regex_match(Str(rule["for"]), std::regex("[0-9]+[smh]")))
        << "for: \"" << Str(rule["for"]) << "\"";
    const std::set<std::string> kSeverities = {"critical", "warning", "info"};
    EXPECT_EQ(kSeverities.count(Str(rule["labels"]["severity"])), 1u)
        << "severity \"" << Str(rule["labels"]["severity"]) << "\"";
    EXPECT_FALSE(Str(rule["annotations"]["summary"]).empty());
    EXPECT_FALSE(Str(rule["annotations"]["description"]).empty());
  }
}

TEST(AlertRulesTest, EveryExpressionUsesContractMetrics) {
  std::vector<std::string> unknown;
  for (const YAML::Node& rule : AllRules()) {
    for (const std::string& name : MetricNamesIn(Str(rule["expr"]))) {
      // `up` is Prometheus' own series of a scrape.
      if (name != "up" && !IsContractSeries(name)) {
        unknown.push_back(name + " in " + Str(rule["alert"]));
      }
    }
  }
  EXPECT_THAT(unknown, IsEmpty());
}

const YAML::Node* RuleUsing(const std::vector<YAML::Node>& rules,
                            const std::vector<std::string>& fragments) {
  for (const YAML::Node& rule : rules) {
    const std::string expr = Str(rule["expr"]);
    bool every = true;
    for (const std::string& fragment : fragments) {
      every = every && absl::StrContains(expr, fragment);
    }
    if (every) return &rule;
  }
  return nullptr;
}

TEST(AlertRulesTest, CoversErrorsThrottlingLatencyAvailabilityAndTokens) {
  const std::vector<YAML::Node> rules = AllRules();
  EXPECT_NE(RuleUsing(rules, {"grpc_server_handled_total", "grpc_code=~"}),
            nullptr)
      << "error ratio";
  EXPECT_NE(RuleUsing(rules, {"ndes_gateway_graph_throttled_total"}), nullptr)
      << "Graph throttling";
  EXPECT_NE(RuleUsing(rules, {"histogram_quantile(0.99",
                              "grpc_server_handling_seconds_bucket"}),
            nullptr)
      << "p99 latency";
  EXPECT_NE(RuleUsing(rules, {"up{"}), nullptr) << "gateway down";
  EXPECT_NE(RuleUsing(rules, {"absent("}), nullptr) << "gateway absent";
  EXPECT_NE(RuleUsing(rules, {"ndes_gateway_graph_token_requests_total"}),
            nullptr)
      << "token refresh failures";
}

// Callers' mistakes and expected outcomes must not page anyone.
TEST(AlertRulesTest, ErrorRatioCountsOnlyServerFaultCodes) {
  const std::vector<YAML::Node> rules = AllRules();
  const YAML::Node* rule =
      RuleUsing(rules, {"grpc_server_handled_total", "grpc_code=~"});
  ASSERT_NE(rule, nullptr);
  std::smatch match;
  const std::string expr = Str((*rule)["expr"]);
  ASSERT_TRUE(std::regex_search(expr, match,
                                std::regex(R"re(grpc_code=~"([^"]*)")re")));
  const std::vector<std::string> codes = absl::StrSplit(match[1].str(), '|');
  const std::set<std::string> counted(codes.begin(), codes.end());
  // grpc_code as go-grpc-prometheus writes it.
  for (const char* server :
       {"Internal", "Unavailable", "Unknown", "DataLoss"}) {
    EXPECT_EQ(counted.count(server), 1u) << server << " is not counted";
  }
  for (const char* client :
       {"OK", "InvalidArgument", "NotFound", "AlreadyExists", "Aborted",
        "FailedPrecondition", "OutOfRange", "Unauthenticated",
        "PermissionDenied", "Canceled", "Unimplemented"}) {
    EXPECT_EQ(counted.count(client), 0u) << client << " is the caller's";
  }
}

// grpc_server_* is every gRPC server's convention: an application beside
// the gateway may expose the same names, so each selects the gateway's
// service.
TEST(AlertRulesTest, CallMetricsSelectTheGatewaysService) {
  for (const YAML::Node& rule : AllRules()) {
    const std::string expr = Str(rule["expr"]);
    const std::regex series(R"re(grpc_server_\w+(\{[^}]*\})?)re");
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), series);
         it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(absl::StrContains(
          it->str(), "grpc_service=\"ndes.v1.NdesConnectorService\""))
          << it->str() << " in " << Str(rule["alert"]);
    }
  }
}

}  // namespace
}  // namespace ndes::deploy_test
