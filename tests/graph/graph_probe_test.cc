#include "graph/graph_probe.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphBehaviour;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::ndes::store::testing::SampleConnector;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using Outcome = GraphProbeFinding::Outcome;

// The finding of `check` whose detail has `text`.
auto Finding(Outcome outcome, const std::string& check,
             const std::string& text) {
  return AllOf(Field(&GraphProbeFinding::outcome, outcome),
               Field(&GraphProbeFinding::check, check),
               Field(&GraphProbeFinding::detail, HasSubstr(text)));
}

class GraphProbeTest : public ::testing::Test {
 protected:
  GraphProbeReport Probe(FakeGraphBehaviour behaviour, bool write,
                         int connectors = 5) {
    FakeGraphServerOptions fake_options;
    fake_options.behaviour = behaviour;
    fake_ = std::make_unique<FakeGraphServer>(fake_options);
    fake_->RequireIssuedToken();
    for (int i = 0; i < connectors; ++i) {
      fake_->PutConnector(translation::ConnectorToGraphJson(
          SampleConnector(absl::StrCat("ndes-", i))));
    }
    ClientCredentialsOptions credentials;
    credentials.token_url = fake_->token_url();
    credentials.client_id = fake_->options().client_id;
    credentials.client_secret = fake_->options().client_secret;
    ClientCredentialsAuthorization authorization(credentials, http_,
                                                 GraphStats::Unexposed());
    GraphProbeOptions options;
    options.base_url = fake_->base_url();
    options.write = write;
    return RunGraphProbe(options, *http_, authorization);
  }

  std::shared_ptr<http::CpprestHttpClient> http_ =
      std::make_shared<http::CpprestHttpClient>();
  std::unique_ptr<FakeGraphServer> fake_;
};

TEST_F(GraphProbeTest, ReadOnlyAgainstTheDocumentedGraphFindsNothingToNote) {
  const GraphProbeReport report = Probe(FakeGraphBehaviour(), false);
  EXPECT_FALSE(report.failed());
  EXPECT_THAT(report.findings,
              ::testing::IsSupersetOf(
                  {Finding(Outcome::kOk, "token", "a token was issued"),
                   Finding(Outcome::kOk, "page size", "$top=2 honoured"),
                   Finding(Outcome::kOk, "paging", "followed 2 nextLinks"),
                   Finding(Outcome::kOk, "etag", "carry @odata.etag")}));
  for (const auto& request : fake_->requests(FakeEndpoint::kGraph)) {
    EXPECT_EQ(request.method, "GET") << "read-only by default";
  }
}

TEST_F(GraphProbeTest, WriteAgainstTheDocumentedGraph) {
  const GraphProbeReport report = Probe(FakeGraphBehaviour(), true);
  EXPECT_FALSE(report.failed()) << FormatGraphProbeReport(report);
  EXPECT_THAT(report.findings,
              ::testing::IsSupersetOf(
                  {Finding(Outcome::kOk, "create", "kept the id"),
                   Finding(Outcome::kOk, "update", "200 with the connector"),
                   Finding(Outcome::kOk, "if-match", "refused with 412"),
                   Finding(Outcome::kOk, "delete", "204")}));
  EXPECT_EQ(fake_->connector_count(), 5u) << "the throw-away one is gone";
}

TEST_F(GraphProbeTest, WriteAgainstIntuneNotesEachHabit) {
  const GraphProbeReport report = Probe(FakeGraphBehaviour::IntuneLike(), true);
  EXPECT_FALSE(report.failed()) << FormatGraphProbeReport(report);
  EXPECT_THAT(report.findings,
              ::testing::IsSupersetOf(
                  {Finding(Outcome::kNote, "page size", "Graph ignores $top"),
                   Finding(Outcome::kNote, "create", "assigned its own id"),
                   Finding(Outcome::kNote, "update", "204 without a body"),
                   Finding(Outcome::kNote, "if-match", "IGNORED"),
                   Finding(Outcome::kNote, "etag", "no @odata.etag"),
                   Finding(Outcome::kNote, "unknown", "connectorHealth"),
                   Finding(Outcome::kOk, "delete", "204")}));
  EXPECT_EQ(fake_->connector_count(), 5u);
}

TEST_F(GraphProbeTest, NotesANextLinkThatRepeats) {
  FakeGraphBehaviour behaviour;
  behaviour.page_size = 2;
  behaviour.repeats_next_link = true;
  const GraphProbeReport report = Probe(behaviour, false);
  EXPECT_THAT(report.findings, ::testing::Contains(Finding(
                                   Outcome::kNote, "paging", "already given")));
}

TEST_F(GraphProbeTest, RefusedCredentialsFailAndStop) {
  fake_ = std::make_unique<FakeGraphServer>();
  ClientCredentialsOptions credentials;
  credentials.token_url = fake_->token_url();
  credentials.client_id = fake_->options().client_id;
  credentials.client_secret = "wrong";
  ClientCredentialsAuthorization authorization(credentials, http_,
                                               GraphStats::Unexposed());
  GraphProbeOptions options;
  options.base_url = fake_->base_url();
  const GraphProbeReport report = RunGraphProbe(options, *http_, authorization);
  EXPECT_TRUE(report.failed());
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_THAT(report.findings[0],
              Finding(Outcome::kFailed, "token", "AADSTS7000215"));
  EXPECT_TRUE(fake_->requests(FakeEndpoint::kGraph).empty());
  EXPECT_THAT(FormatGraphProbeReport(report), HasSubstr("FAILED  token      "));
}

}  // namespace
}  // namespace ndes::graph
