// The real /metrics endpoint, after activity of every kind, passes
// `promtool check metrics` (Prometheus' own parser and linter) without a
// single complaint.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "observability/gateway_metrics.h"
#include "observability/instrumented_connector_store.h"
#include "observability/metrics_http_server.h"
#include "observability/process_metrics.h"
#include "service/service_stats.h"
#include "store/memory_connector_store.h"
#include "store/sqlite_connector_store.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

#ifndef NDES_PROMTOOL
#define NDES_PROMTOOL "promtool"
#endif

namespace ndes::observability {
namespace {

using ::ndes::store::testing::IsOk;
using ::ndes::store::testing::MakeScratchDir;
using ::ndes::store::testing::RemoveScratchDir;
using ::ndes::store::testing::RenameCommand;
using ::ndes::store::testing::SampleConnector;
using ::ndes::store::testing::SyncStore;
using ::testing::HasSubstr;

absl::StatusOr<http::HttpResponse> Scrape(const std::string& url) {
  http::CpprestHttpClient client;
  http::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.deadline = absl::Now() + absl::Seconds(10);
  std::promise<absl::StatusOr<http::HttpResponse>> answer;
  client.Send(std::move(request),
              [&answer](absl::StatusOr<http::HttpResponse> response) {
                answer.set_value(std::move(response));
              });
  return answer.get_future().get();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Drives every kind of metric: calls, auth refusals, store operations of
// two backends, SQLite commits, Graph requests with throttling and tokens.
// Everything records into `registry`, as the gateway's components do into
// the one main() hands them.
void MakeActivity(const std::string& dir, MetricsRegistry& registry) {
  AddBuildInfo(registry);
  AddProcessMetrics(registry);
  service::ServiceStats stats(registry);
  for (absl::StatusCode code :
       {absl::StatusCode::kOk, absl::StatusCode::kNotFound,
        absl::StatusCode::kInvalidArgument}) {
    service::CallToken call = stats.CallStarted("UpdateNdesConnectors");
    stats.CallFinished(call, code, absl::Milliseconds(2));
  }
  stats.AuthRefused(service::AuthRefusal::kUnauthenticated);

  InstrumentedConnectorStore memory(
      "memory", std::make_unique<store::MemoryConnectorStore>(), registry);
  SyncStore memory_sync(memory);
  EXPECT_THAT(memory_sync.Create(SampleConnector("ndes-\"quoted\"")), IsOk());
  EXPECT_FALSE(memory_sync.Get("missing").ok());

  auto sqlite =
      store::SqliteConnectorStore::Open(dir + "/promtool.db", &registry);
  ASSERT_THAT(sqlite, IsOk());
  InstrumentedConnectorStore instrumented_sqlite("sqlite", *std::move(sqlite),
                                                 registry);
  SyncStore sqlite_sync(instrumented_sqlite);
  EXPECT_THAT(sqlite_sync.Create(SampleConnector("ndes-1")), IsOk());
  EXPECT_THAT(sqlite_sync.Update(RenameCommand("ndes-1", "renamed")), IsOk());

  graph::testing::FakeGraphServer fake;
  fake.PutConnector(
      translation::ConnectorToGraphJson(SampleConnector("ndes-1")));
  graph::testing::ScriptedResponse throttled;
  throttled.status = 429;
  throttled.headers = {{"Retry-After", "0"}};
  fake.Enqueue(throttled);
  auto http = std::make_shared<http::CpprestHttpClient>();
  graph::ClientCredentialsOptions credentials;
  credentials.token_url = fake.token_url();
  credentials.client_id = fake.options().client_id;
  credentials.client_secret = fake.options().client_secret;
  graph::GraphStoreOptions options;
  options.base_url = fake.base_url();
  auto graph_store = graph::GraphConnectorStore::Create(
      options, http,
      std::make_unique<graph::ClientCredentialsAuthorization>(credentials,
                                                              http),
      std::make_unique<http::ThreadScheduler>());
  ASSERT_THAT(graph_store, IsOk());
  InstrumentedConnectorStore graph("graph", *std::move(graph_store), registry);
  SyncStore graph_sync(graph);
  EXPECT_THAT(graph_sync.Get("ndes-1"), IsOk());
  EXPECT_FALSE(graph_sync.Get("missing").ok());
}

class MetricsPromtoolTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeScratchDir(); }
  void TearDown() override { RemoveScratchDir(dir_); }
  std::string dir_;
};

TEST_F(MetricsPromtoolTest, TheScrapePassesPromtoolCheckMetrics) {
  // The Graph backend still records into the process-wide registry.
  MetricsRegistry& registry = Metrics().registry();
  MakeActivity(dir_, registry);
  auto server = MetricsHttpServer::Start("127.0.0.1:0", registry);
  ASSERT_THAT(server, IsOk());
  absl::StatusOr<http::HttpResponse> scrape = Scrape((*server)->url());
  ASSERT_THAT(scrape, IsOk());
  ASSERT_EQ(scrape->status_code, 200);
  // The activity shows, so the check covers every kind of family.
  for (const char* expected :
       {"grpc_server_handled_total{grpc_service=\"ndes.v1."
        "NdesConnectorService\",grpc_method=\"UpdateNdesConnectors\",grpc_type="
        "\"unary\",grpc_code=\"NotFound\"}",
        "grpc_server_started_total{grpc_service=\"ndes.v1."
        "NdesConnectorService\",grpc_method=\"UpdateNdesConnectors\",grpc_type="
        "\"unary\"}",
        "grpc_server_handling_seconds_bucket{grpc_service=\"ndes.v1."
        "NdesConnectorService\",grpc_method=\"UpdateNdesConnectors\",grpc_type="
        "\"unary\",le=",
        "ndes_gateway_store_operations_total{backend=\"sqlite\",operation="
        "\"update\",code=\"OK\"}",
        "ndes_gateway_store_operation_duration_seconds_bucket{backend="
        "\"graph\"",
        "ndes_gateway_sqlite_commit_batch_size_bucket{le=\"1\"}",
        "ndes_gateway_graph_requests_total{method=\"GET\",status=\"429\"}",
        "ndes_gateway_graph_token_requests_total{result=\"success\"}",
        "ndes_gateway_auth_refusals_total{reason=\"unauthenticated\"}",
        "\nprocess_open_fds "}) {
    EXPECT_THAT(scrape->body, HasSubstr(expected));
  }

  const std::string path = dir_ + "/scrape.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << scrape->body;
  }
  const CommandResult check = RunCommand(
      absl::StrCat(NDES_PROMTOOL, " check metrics < '", path, "' 2>&1"));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  // promtool prints lint problems (and still exits 0 for some): any output
  // is a failure.
  EXPECT_EQ(check.output, "") << scrape->body;
}

TEST_F(MetricsPromtoolTest, PromtoolReportsLintProblems) {
  // Guards the check above: promtool is really run, and a lint problem (a
  // counter without _total) is reported in its output.
  const std::string path = dir_ + "/lint.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n";
  }
  const CommandResult check = RunCommand(
      absl::StrCat(NDES_PROMTOOL, " check metrics < '", path, "' 2>&1"));
  EXPECT_THAT(check.output, HasSubstr("_total"));
}

}  // namespace
}  // namespace ndes::observability
