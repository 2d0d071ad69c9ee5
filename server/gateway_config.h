// The gateway's configuration from its command-line flags (each also from an
// environment variable NDES_GATEWAY_<FLAG>), checked before anything is
// opened, so that main() only wires.
//
//   ConfigureGatewayUsage();
//   if (absl::Status env = ApplyEnvironment(); !env.ok()) { ...exit 2 }
//   absl::ParseCommandLine(argc, argv);
//   absl::StatusOr<GatewayConfig> config = ConfigFromFlags();
//   if (!config.ok()) { ...log config.status().message(), exit 2 }
//
// The flags are defined in gateway_config.cc; `ndes-gateway --help` lists
// them (under the program's name) and docs/operations.md explains each.
//
// Not thread-safe: call from main() before serving (absl flags).
#ifndef NDES_SERVER_GATEWAY_CONFIG_H_
#define NDES_SERVER_GATEWAY_CONFIG_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/jwt_authorizer.h"
#include "gateway_server.h"
#include "logging/log.h"
#include "store_factory.h"

namespace ndes {

struct GatewayConfig {
  // The listeners, TLS and limits; `authorizer` is left null for main() to
  // set from `jwt`.
  GatewayServerOptions server;
  // --auth=jwt: how to verify tokens; nullopt with --auth=none.
  std::optional<auth::JwtAuthorizerOptions> jwt;
  // --store and the options of the backends it may name.
  std::string store_spec;
  StoreOptions store;
  // Empty: no /metrics endpoint.
  std::string metrics_listen;
  // --rest_listen: where the Graph REST face serves; empty: off.
  std::string rest_listen;
  logging::LogFormat log_format = logging::LogFormat::kText;
  logging::LogSeverity log_level = logging::LogSeverity::kInfo;
  absl::Duration shutdown_grace;
};

// Reads the gateway's flags into a config, checking what can be checked
// without opening anything: INVALID_ARGUMENT whose message names the flag
// (an unknown --auth, --log_format or --log_level, TLS key or client CA
// without a certificate, --auth=jwt without --jwt_jwks_file, non-positive
// limits, a negative --graph_write_budget or --graph_request_budget, a
// --graph_budget_window that is not positive).
absl::StatusOr<GatewayConfig> ConfigFromFlags();

// Sets each of the gateway's flags from NDES_GATEWAY_<FLAG> when that
// variable exists. Run it before the command line is parsed, so that the
// command line wins. INVALID_ARGUMENT naming the variable when a value does
// not parse.
absl::Status ApplyEnvironment();

// Sets absl's usage for --help: the program's description, and the
// gateway's own flags listed under "ndes-gateway" (not under the path of
// the file that defines them, nor mixed with libraries' flags).
void ConfigureGatewayUsage();

}  // namespace ndes

#endif  // NDES_SERVER_GATEWAY_CONFIG_H_
