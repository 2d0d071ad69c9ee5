#include "gateway_config.h"

#include <cstdlib>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, rest_listen);
ABSL_DECLARE_FLAG(std::string, store);
ABSL_DECLARE_FLAG(std::string, auth);
ABSL_DECLARE_FLAG(std::string, jwt_jwks_file);
ABSL_DECLARE_FLAG(std::string, log_format);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, tls_key_file);
ABSL_DECLARE_FLAG(std::string, tls_client_ca_file);
ABSL_DECLARE_FLAG(int32_t, max_message_bytes);
ABSL_DECLARE_FLAG(int32_t, max_concurrent_streams);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(int32_t, graph_write_budget);
ABSL_DECLARE_FLAG(int32_t, graph_request_budget);
ABSL_DECLARE_FLAG(absl::Duration, graph_budget_window);

namespace ndes {
namespace {

using ::testing::HasSubstr;

class GatewayConfigTest : public ::testing::Test {
 private:
  // Every test starts from the defaults and leaves them behind.
  absl::FlagSaver saver_;
};

absl::Status ConfigError() { return ConfigFromFlags().status(); }

TEST_F(GatewayConfigTest, DefaultsServeTheEmbeddedStoreOnLoopback) {
  absl::StatusOr<GatewayConfig> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.listen_address, "127.0.0.1:50051");
  EXPECT_EQ(config->store_spec, kDefaultStoreSpec);
  EXPECT_FALSE(config->jwt.has_value());
  EXPECT_FALSE(config->server.tls.enabled());
  EXPECT_EQ(config->server.authorizer, nullptr);
  EXPECT_EQ(config->shutdown_grace, absl::Seconds(25));
  EXPECT_EQ(config->log_format, logging::LogFormat::kText);
  EXPECT_EQ(config->log_level, logging::LogSeverity::kInfo);
  EXPECT_TRUE(config->metrics_listen.empty());
}

TEST_F(GatewayConfigTest, CarriesTheFlagsIntoTheConfig) {
  absl::SetFlag(&FLAGS_listen, "unix:/run/ndes.sock");
  absl::SetFlag(&FLAGS_store, "memory");
  absl::SetFlag(&FLAGS_auth, "jwt");
  absl::SetFlag(&FLAGS_jwt_jwks_file, "/jwks/jwks.json");
  absl::SetFlag(&FLAGS_log_format, "json");
  absl::SetFlag(&FLAGS_shutdown_grace, absl::Seconds(3));
  absl::StatusOr<GatewayConfig> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.listen_address, "unix:/run/ndes.sock");
  EXPECT_EQ(config->store_spec, "memory");
  ASSERT_TRUE(config->jwt.has_value());
  EXPECT_EQ(config->jwt->jwks_file, "/jwks/jwks.json");
  EXPECT_EQ(config->log_format, logging::LogFormat::kJson);
  EXPECT_EQ(config->shutdown_grace, absl::Seconds(3));
}

TEST_F(GatewayConfigTest, TheRestFaceIsOffUnlessRestListenNamesAnAddress) {
  absl::StatusOr<GatewayConfig> off = ConfigFromFlags();
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->rest_listen, "");
  absl::SetFlag(&FLAGS_rest_listen, "127.0.0.1:8080");
  absl::StatusOr<GatewayConfig> on = ConfigFromFlags();
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(on->rest_listen, "127.0.0.1:8080");
}

TEST_F(GatewayConfigTest, TheGraphBudgetIsIntunesUnlessTheFlagsSayOtherwise) {
  absl::StatusOr<GatewayConfig> defaults = ConfigFromFlags();
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->store.graph.budget.writes, 100);
  EXPECT_EQ(defaults->store.graph.budget.requests, 1000);
  EXPECT_EQ(defaults->store.graph.budget.window, absl::Seconds(20));

  absl::SetFlag(&FLAGS_graph_write_budget, 0);
  absl::SetFlag(&FLAGS_graph_request_budget, 2000);
  absl::SetFlag(&FLAGS_graph_budget_window, absl::Seconds(10));
  absl::StatusOr<GatewayConfig> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store.graph.budget.writes, 0);
  EXPECT_EQ(config->store.graph.budget.requests, 2000);
  EXPECT_EQ(config->store.graph.budget.window, absl::Seconds(10));
}

TEST_F(GatewayConfigTest, RefusesEachInvalidFlagNamingIt) {
  const struct {
    void (*set)();
    const char* named;
  } cases[] = {
      {[] { absl::SetFlag(&FLAGS_auth, "basic"); }, "--auth"},
      {[] { absl::SetFlag(&FLAGS_auth, "jwt"); }, "--jwt_jwks_file"},
      {[] { absl::SetFlag(&FLAGS_log_format, "xml"); }, "--log_format"},
      {[] { absl::SetFlag(&FLAGS_log_level, "debug"); }, "--log_level"},
      {[] { absl::SetFlag(&FLAGS_tls_key_file, "k.pem"); }, "--tls_cert_file"},
      {[] { absl::SetFlag(&FLAGS_tls_client_ca_file, "ca.pem"); },
       "--tls_cert_file"},
      {[] { absl::SetFlag(&FLAGS_max_message_bytes, 0); },
       "--max_message_bytes"},
      {[] { absl::SetFlag(&FLAGS_max_message_bytes, 256 * 1024 - 1); },
       "--max_message_bytes must be at least 262144"},
      {[] { absl::SetFlag(&FLAGS_max_concurrent_streams, -1); },
       "--max_concurrent_streams"},
      {[] { absl::SetFlag(&FLAGS_graph_write_budget, -1); },
       "--graph_write_budget"},
      {[] { absl::SetFlag(&FLAGS_graph_request_budget, -5); },
       "--graph_request_budget"},
      {[] { absl::SetFlag(&FLAGS_graph_budget_window, absl::ZeroDuration()); },
       "--graph_budget_window"},
      {[] { absl::SetFlag(&FLAGS_rest_listen, "unix:/run/rest.sock"); },
       "--rest_listen"},
      // Plaintext off loopback needs TLS or --allow_plaintext, as --listen.
      {[] { absl::SetFlag(&FLAGS_rest_listen, "0.0.0.0:8080"); },
       "REST face in plaintext"},
  };
  for (const auto& c : cases) {
    absl::FlagSaver saver;
    c.set();
    const absl::Status status = ConfigError();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.named;
    EXPECT_THAT(status.message(), HasSubstr(c.named));
    EXPECT_THAT(status.message(), HasSubstr("--help"));
  }
}

TEST_F(GatewayConfigTest, EnvironmentSetsTheGatewaysFlags) {
  ASSERT_EQ(setenv("NDES_GATEWAY_STORE", "memory", 1), 0);
  ASSERT_EQ(setenv("NDES_GATEWAY_SHUTDOWN_GRACE", "7s", 1), 0);
  const absl::Status applied = ApplyEnvironment();
  unsetenv("NDES_GATEWAY_STORE");
  unsetenv("NDES_GATEWAY_SHUTDOWN_GRACE");
  ASSERT_TRUE(applied.ok()) << applied;
  absl::StatusOr<GatewayConfig> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store_spec, "memory");
  EXPECT_EQ(config->shutdown_grace, absl::Seconds(7));
}

TEST_F(GatewayConfigTest, AnEnvironmentValueThatDoesNotParseNamesTheVariable) {
  ASSERT_EQ(setenv("NDES_GATEWAY_SHUTDOWN_GRACE", "soon", 1), 0);
  const absl::Status applied = ApplyEnvironment();
  unsetenv("NDES_GATEWAY_SHUTDOWN_GRACE");
  EXPECT_EQ(applied.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(applied.message(), HasSubstr("NDES_GATEWAY_SHUTDOWN_GRACE"));
}

}  // namespace
}  // namespace ndes
