// The binary's observability as an operator meets it: /metrics after known
// calls (exact counter changes, accepted by promtool), JSON log lines with
// the named fields and no secrets, and request ids end to end.

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cpprest/http_client.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/jwt_minter.h"
#include "support/raw_http_connection.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::testing::HasSubstr;
using ::testing::Not;

// The text of GET `url`.
std::string Fetch(const std::string& url) {
  web::http::client::http_client client(url);
  web::http::http_response response =
      client.request(web::http::methods::GET).get();
  EXPECT_EQ(response.status_code(), 200);
  return response.extract_string().get();
}

// "name{labels} value" lines -> value, keyed by "name{labels}".
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    samples[std::string(line.substr(0, space))] = value;
  }
  return samples;
}

double Delta(const std::map<std::string, double>& before,
             const std::map<std::string, double>& after,
             const std::string& series) {
  auto find = [&](const std::map<std::string, double>& samples) {
    auto it = samples.find(series);
    return it == samples.end() ? 0.0 : it->second;
  };
  return find(after) - find(before);
}

class ObservabilityProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    minter_.AddEcKey("ec-1");
    minter_.WriteJwks(dir_.Path("jwks.json"));
    gateway_ = std::make_unique<GatewayProcess>(std::vector<std::string>{
        "--store=sqlite:" + dir_.Path("connectors.db"),
        "--metrics_listen=127.0.0.1:0", "--log_format=json", "--auth=jwt",
        "--jwt_jwks_file=" + dir_.Path("jwks.json")});
    ASSERT_TRUE(gateway_->Start().ok()) << gateway_->Log();
    metrics_url_ = gateway_->LoggedWord("metrics on ");
    ASSERT_THAT(metrics_url_, HasSubstr("/metrics"));
    stub_ = v1::NdesConnectorService::NewStub(gateway_->Channel());
  }

  void TearDown() override {
    stub_.reset();
    if (gateway_ != nullptr) {
      EXPECT_EQ(gateway_->Terminate(), 0);
    }
  }

  grpc::Status Create(const std::string& token, const std::string& id) {
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(id);
    grpc::ClientContext context;
    if (!token.empty()) {
      context.AddMetadata("authorization", "Bearer " + token);
    }
    NdesConnector response;
    return stub_->CreateNdesConnector(&context, request, &response);
  }

  grpc::Status Get(const std::string& token, const std::string& id,
                   const std::string& request_id = "") {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    NdesConnector response;
    return stub_->GetNdesConnector(&context, request, &response);
  }

  TempDir dir_;
  JwtMinter minter_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::string metrics_url_;
  std::unique_ptr<v1::NdesConnectorService::Stub> stub_;
};

TEST_F(ObservabilityProcessTest, KnownCallsMoveTheCountersByExactlyThatMuch) {
  const std::string writer = minter_.Mint("ec-1", JwtClaims::Standard());
  const std::string reader = minter_.Mint(
      "ec-1", JwtClaims::Standard().Set(
                  "roles", std::vector<std::string>{
                               "DeviceManagementConfiguration.Read.All"}));
  const auto before = Samples(Fetch(metrics_url_));

  ASSERT_TRUE(Create(writer, "m-1").ok());
  ASSERT_TRUE(Create(writer, "m-2").ok());
  ASSERT_TRUE(Get(reader, "m-1").ok());
  ASSERT_EQ(Get(reader, "missing").error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(Create("", "m-3").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(Create(reader, "m-4").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string text = Fetch(metrics_url_);
  const auto after = Samples(text);
  EXPECT_EQ(Delta(before, after,
                  "grpc_server_handled_total{grpc_service=\"ndes.v1."
                  "NdesConnectorService\",grpc_method=\"CreateNdesConnector\","
                  "grpc_type=\"unary\",grpc_code=\"OK\"}"),
            2);
  EXPECT_EQ(Delta(before, after,
                  "grpc_server_handled_total{grpc_service=\"ndes.v1."
                  "NdesConnectorService\",grpc_method=\"GetNdesConnector\","
                  "grpc_type=\"unary\",grpc_code=\"NotFound\"}"),
            1);
  EXPECT_EQ(Delta(before, after,
                  "grpc_server_handled_total{grpc_service=\"ndes.v1."
                  "NdesConnectorService\",grpc_method=\"CreateNdesConnector\","
                  "grpc_type=\"unary\",grpc_code=\"Unauthenticated\"}"),
            1);
  // Refused calls started too: two creates, one unauthenticated, one
  // denied.
  EXPECT_EQ(Delta(before, after,
                  "grpc_server_started_total{grpc_service=\"ndes.v1."
                  "NdesConnectorService\",grpc_method=\"CreateNdesConnector\","
                  "grpc_type=\"unary\"}"),
            4);
  EXPECT_EQ(Delta(before, after,
                  "ndes_gateway_auth_refusals_total{reason="
                  "\"unauthenticated\"}"),
            1);
  EXPECT_EQ(Delta(before, after,
                  "ndes_gateway_auth_refusals_total{reason="
                  "\"permission_denied\"}"),
            1);
  EXPECT_EQ(Delta(before, after,
                  "grpc_server_handling_seconds_count{grpc_service=\"ndes.v1."
                  "NdesConnectorService\",grpc_method=\"GetNdesConnector\","
                  "grpc_type=\"unary\"}"),
            2);
  // Refused calls never reach the store: 2 creates, 2 gets.
  EXPECT_EQ(Delta(before, after,
                  "ndes_gateway_store_operations_total{backend=\"sqlite\","
                  "operation=\"create\",code=\"OK\"}"),
            2);
  EXPECT_EQ(Delta(before, after,
                  "ndes_gateway_store_operations_total{backend=\"sqlite\","
                  "operation=\"get\",code=\"NOT_FOUND\"}"),
            1);
  EXPECT_GE(Delta(before, after, "ndes_gateway_sqlite_commit_batch_size_count"),
            1);
  EXPECT_THAT(text, HasSubstr("ndes_gateway_build_info{version=\""));
  // No id and no token ever becomes a label.
  EXPECT_THAT(text, Not(HasSubstr("m-1")));
  EXPECT_THAT(text, Not(HasSubstr(writer.substr(0, 20))));

  // promtool accepts the real scrape.
  const std::string path = dir_.Path("scrape.txt");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  const std::string command =
      std::string(NDES_PROMTOOL) + " check metrics < " + path + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_EQ(output, "");
}

TEST_F(ObservabilityProcessTest, JsonLogLinesHaveTheFieldsAndNoSecrets) {
  const std::string token = minter_.Mint("ec-1", JwtClaims::Standard());
  ASSERT_EQ(Get(token, "missing", "trace-me-7").error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Create(token, "logged").ok());
  stub_.reset();
  ASSERT_EQ(gateway_->Terminate(), 0);
  const std::string log = gateway_->Log();
  gateway_.reset();

  int calls = 0;
  bool saw_not_found = false;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    std::error_code error;
    web::json::value entry = web::json::value::parse(std::string(line), error);
    ASSERT_FALSE(error) << "not JSON: " << line;
    ASSERT_TRUE(entry.is_object()) << line;
    EXPECT_TRUE(entry.has_string_field("time")) << line;
    EXPECT_TRUE(entry.has_string_field("level")) << line;
    EXPECT_TRUE(entry.has_string_field("msg")) << line;
    if (entry.at("msg").as_string() != "call") continue;
    ++calls;
    EXPECT_TRUE(entry.has_string_field("method")) << line;
    EXPECT_TRUE(entry.has_string_field("code")) << line;
    EXPECT_TRUE(entry.has_number_field("latency_ms")) << line;
    EXPECT_TRUE(entry.has_string_field("request_id")) << line;
    EXPECT_EQ(entry.at("caller").as_string(), kTestAppId) << line;
    if (entry.at("code").as_string() == "NOT_FOUND") {
      saw_not_found = true;
      EXPECT_EQ(entry.at("request_id").as_string(), "trace-me-7");
      EXPECT_THAT(entry.at("error").as_string(),
                  HasSubstr("(request id trace-me-7)"));
    }
  }
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(saw_not_found);
  EXPECT_THAT(log, Not(HasSubstr(token)));
  EXPECT_THAT(log, Not(HasSubstr("Bearer")));
}

// The process's resident memory (VmRSS), in bytes; -1 if unknown.
int64_t ResidentBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string text;
  while (std::getline(status, text)) {
    absl::string_view line = text;
    int64_t kilobytes = 0;
    if (absl::ConsumePrefix(&line, "VmRSS:") &&
        absl::SimpleAtoi(
            absl::StripSuffix(absl::StripAsciiWhitespace(line), " kB"),
            &kilobytes)) {
      return kilobytes * 1024;
    }
  }
  return -1;
}

TEST(MetricsEndpointFloodTest, EndlessHeadersAndLargeBodiesLeaveMemoryBounded) {
  constexpr int64_t kMiB = 1024 * 1024;
  GatewayProcess gateway({"--store=memory", "--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  std::string address = gateway.LoggedWord("metrics on http://");
  address = address.substr(0, address.find('/'));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port))
      << address;
  const std::string scrape = "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n";
  {
    absl::StatusOr<RawHttpConnection> warm = RawHttpConnection::Connect(port);
    ASSERT_TRUE(warm.ok());
    warm->Send(scrape);
    ASSERT_TRUE(warm->ReadResponse().ok());
  }
  const int64_t before = ResidentBytes(gateway.pid());
  ASSERT_GT(before, 0);

  // 64 MiB of each flood in all, over as many connections as the server
  // cuts short: a header that never ends, a GET announcing a 64 MiB body
  // and sending it anyway, and a chunked body that never ends.
  const std::vector<std::pair<std::string, std::string>> floods = {
      {"GET /metrics HTTP/1.1\r\nHost: test\r\nX-Flood: ",
       std::string(64 * 1024, 'h')},
      {"GET /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 67108864"
       "\r\n\r\n",
       std::string(64 * 1024, 'b')},
      {"POST /metrics HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked"
       "\r\n\r\n",
       absl::StrCat("10000\r\n", std::string(0x10000, 'c'), "\r\n")},
  };
  for (const auto& [head, filler] : floods) {
    int64_t total = 0;
    int connections = 0;
    while (total < 64 * kMiB && connections < 1000) {
      absl::StatusOr<RawHttpConnection> connection =
          RawHttpConnection::Connect(port);
      ASSERT_TRUE(connection.ok()) << connection.status();
      ++connections;
      connection->Send(head);
      const FloodResult flood = connection->Flood(
          filler, static_cast<std::size_t>(64 * kMiB - total));
      total += static_cast<int64_t>(flood.sent);
      // Each connection is cut short: closed, not left hanging.
      EXPECT_TRUE(flood.closed || total >= 64 * kMiB) << head;
    }
    EXPECT_GE(total, 64 * kMiB) << head;
    EXPECT_GT(connections, 1) << head;
  }

  const int64_t after = ResidentBytes(gateway.pid());
  EXPECT_LT(after - before, 32 * kMiB)
      << "VmRSS " << before / 1024 << " kB before, " << after / 1024
      << " kB after";
  std::fprintf(stderr, "VmRSS %lld kB before the floods, %lld kB after\n",
               static_cast<long long>(before / 1024),
               static_cast<long long>(after / 1024));
  absl::StatusOr<RawHttpConnection> connection =
      RawHttpConnection::Connect(port);
  ASSERT_TRUE(connection.ok());
  connection->Send(scrape);
  absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(ObservabilityFlagsTest, LogLevelWarningDropsInfoCallsButNotStartUp) {
  GatewayProcess gateway({"--store=memory", "--log_level=warning"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  {
    auto stub = v1::NdesConnectorService::NewStub(gateway.Channel());
    v1::GetNdesConnectorRequest request;
    request.set_id("missing");
    grpc::ClientContext context;
    NdesConnector response;
    EXPECT_EQ(stub->GetNdesConnector(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(gateway.Terminate(), 0);
  EXPECT_THAT(gateway.Log(), HasSubstr("serving on"));
  EXPECT_THAT(gateway.Log(), HasSubstr("stopped"));
  EXPECT_THAT(gateway.Log(), Not(HasSubstr(" call ")));
}

TEST(ObservabilityFlagsTest, BadLogFormatIsAUsageError) {
  GatewayProcess gateway({"--store=memory", "--log_format=xml"});
  EXPECT_EQ(gateway.RunToExit(), 2);
  EXPECT_THAT(gateway.Log(), HasSubstr("--log_format must be text or json"));
}

TEST(ObservabilityFlagsTest, MetricsAddressInUseIsRefused) {
  GatewayProcess first({"--store=memory", "--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  std::string taken = first.LoggedWord("metrics on http://");
  taken = taken.substr(0, taken.find('/'));
  GatewayProcess second({"--store=memory", "--metrics_listen=" + taken});
  EXPECT_EQ(second.RunToExit(), 1);
  EXPECT_THAT(second.Log(), HasSubstr("--metrics_listen"));
  EXPECT_EQ(first.Terminate(), 0);
}

}  // namespace
}  // namespace ndes::testing
