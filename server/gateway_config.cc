#include "gateway_config.h"

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "graph/request_pacer.h"
#include "listen_address.h"
#include "translation/field_limits.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Where to serve the API (and health and reflection): host:port "
          "(port 0 picks a free port) or unix:/path/to/socket (created with "
          "mode 0660, removed on exit). Plaintext is allowed only on "
          "loopback and Unix sockets; any other address needs "
          "--tls_cert_file/--tls_key_file (or --allow_plaintext).");
ABSL_FLAG(std::string, health_listen, "",
          "Also serve grpc.health.v1, and nothing else, on this host:port: "
          "plaintext, no auth, for Kubernetes gRPC probes that dial the Pod "
          "IP (e.g. 0.0.0.0:50052). Empty: health only on --listen.");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics at http://HOST:PORT/metrics (plain "
          "HTTP; e.g. 0.0.0.0:9464). Empty: no metrics endpoint.");
ABSL_FLAG(std::string, rest_listen, "",
          "Also serve Graph's REST surface for NDES connectors "
          "(/beta/deviceManagement/ndesConnectors, /beta/$batch) over the "
          "same store on this host:port, as a local Graph for Graph SDKs "
          "(docs/rest.md). Same TLS, --allow_plaintext rule and --auth as "
          "the API. Empty: off.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain: serve the API over TLS. Re-read when the "
          "file changes (checked every minute).");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of --tls_cert_file (unencrypted).");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA certificates: require mutual TLS; a client without a "
          "certificate signed by one of them is refused in the handshake.");
ABSL_FLAG(bool, allow_plaintext, false,
          "Serve the API without TLS on an address that is not loopback "
          "(only when something else, such as a service mesh, encrypts "
          "the traffic).");
ABSL_FLAG(bool, reflection, true,
          "Serve gRPC server reflection (grpcurl list/describe). With "
          "--auth=jwt, reflection needs a valid token.");
ABSL_FLAG(int32_t, max_message_bytes, 4 * 1024 * 1024,
          "Largest request or response message in bytes (at least 262144); "
          "a larger request is refused with RESOURCE_EXHAUSTED, and List "
          "pages are kept to half of it.");
ABSL_FLAG(int32_t, max_concurrent_streams, 256,
          "Calls in flight on one client connection; more wait for a free "
          "slot.");
ABSL_FLAG(int32_t, memory_soft_limit_mb, 96,
          "Resident memory (MiB) above which the gateway closes the client "
          "connections that sent data no call has taken yet (floods spread "
          "over many connections); 0 turns it off. Keep it below the "
          "container's memory limit.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(2),
          "Ping a client connection idle this long, to find dead peers.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "Close a connection whose keepalive ping is not answered within "
          "this time.");
ABSL_FLAG(absl::Duration, keepalive_min_ping_interval, absl::Seconds(10),
          "A client pinging more often than this is disconnected (GOAWAY "
          "too_many_pings) after two such pings.");
ABSL_FLAG(std::string, auth, "none",
          "Inbound authentication: none, or jwt (every call but health needs "
          "'authorization: Bearer <JWT>' signed by a key of --jwt_jwks_file; "
          "Get/List need DeviceManagementConfiguration.Read.All or "
          "ReadWrite.All, Create/Update/Delete ReadWrite.All, in the token's "
          "roles or scp claim).");
ABSL_FLAG(std::string, jwt_jwks_file, "",
          "With --auth=jwt: the JSON Web Key Set (RSA for RS256/384/512, EC "
          "P-256 for ES256) that signs accepted tokens; re-read when it "
          "changes or a token names an unknown key (at most every 10s).");
ABSL_FLAG(std::string, jwt_issuer, "",
          "With --auth=jwt: the exact 'iss' tokens must carry (e.g. "
          "https://login.microsoftonline.com/<tenant>/v2.0); empty: not "
          "checked.");
ABSL_FLAG(std::string, jwt_audience, "",
          "With --auth=jwt: a value tokens' 'aud' must hold (e.g. the "
          "gateway's application id URI); empty: not checked.");
ABSL_FLAG(std::string, log_format, "text",
          "text (one key=value line per event) or json (one JSON object "
          "per line).");
ABSL_FLAG(std::string, log_level, "info",
          "info (every call), warning (failures the gateway or its store "
          "caused, and warnings) or error (server faults only).");
ABSL_FLAG(std::string, store, ndes::kDefaultStoreSpec,
          "The backing store: sqlite:PATH (the embedded default; a SQLite "
          "file, created if missing, refused if it is not a gateway "
          "database), memory (nothing survives a restart), graph "
          "(Microsoft Graph itself; see the --graph_* flags) or "
          "postgresql://USER@HOST:PORT/DB?... (any libpq URI: a database "
          "shared by several gateway replicas; the password from "
          "--store_password_file or PGPASSFILE, never in the URI).");
ABSL_FLAG(std::string, store_password_file, "",
          "With --store=postgresql://...: a file holding the database "
          "password (its final newline ignored).");
ABSL_FLAG(int32_t, store_pool_size, 4,
          "With --store=postgresql://...: database connections (and worker "
          "threads) of this gateway; calls beyond them wait in a bounded "
          "queue.");
ABSL_FLAG(std::string, graph_base_url, "https://graph.microsoft.com/beta",
          "With --store=graph: the Graph endpoint, up to the API version.");
ABSL_FLAG(std::string, graph_auth, "passthrough",
          "With --store=graph: passthrough (forward each caller's own "
          "authorization metadata to Graph) or client_credentials (the "
          "gateway's app registration: --graph_tenant_id, --graph_client_id, "
          "--graph_client_secret_file).");
ABSL_FLAG(std::string, graph_tenant_id, "",
          "With --graph_auth=client_credentials: the Entra ID tenant (GUID or "
          "domain).");
ABSL_FLAG(std::string, graph_client_id, "",
          "With --graph_auth=client_credentials: the application (client) "
          "id.");
ABSL_FLAG(std::string, graph_client_secret_file, "",
          "With --graph_auth=client_credentials: a file holding the client "
          "secret (never pass the secret itself on the command line).");
ABSL_FLAG(std::string, graph_token_url, "",
          "With --graph_auth=client_credentials: the OAuth 2.0 token "
          "endpoint; empty means https://login.microsoftonline.com/"
          "<tenant>/oauth2/v2.0/token.");
ABSL_FLAG(int32_t, graph_write_budget, ndes::graph::kIntuneWriteBudget,
          "With --store=graph: POST, PATCH and DELETE requests the gateway "
          "sends to Graph per --graph_budget_window, spread evenly; calls "
          "wait for their turn, and queued updates of one connector are "
          "merged. Intune's documented per-app figure; 0 turns it off.");
ABSL_FLAG(int32_t, graph_request_budget, ndes::graph::kIntuneRequestBudget,
          "With --store=graph: requests of any kind (writes included, token "
          "requests not) per --graph_budget_window, spread evenly. Intune's "
          "documented per-app figure; 0 turns it off.");
ABSL_FLAG(absl::Duration, graph_budget_window, ndes::graph::kIntuneBudgetWindow,
          "With --store=graph: the window of --graph_write_budget and "
          "--graph_request_budget.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(25),
          "On SIGTERM or SIGINT, how long calls in flight may take to finish "
          "before they are cancelled (Kubernetes allows 30s by default).");

namespace ndes {
namespace {

constexpr char kUsage[] =
    "gRPC gateway to Intune NDES connectors (Microsoft Graph beta "
    "/deviceManagement/ndesConnectors).\n\n"
    "Usage: ndes-gateway [--listen=HOST:PORT|unix:PATH] "
    "[--health_listen=HOST:PORT] [--store=sqlite:PATH|memory|graph] "
    "[--graph_...] [--tls_...] [--auth=jwt --jwt_...] "
    "[--shutdown_grace=25s]\n\n"
    "Every flag can also be set with an environment variable "
    "NDES_GATEWAY_<FLAG> (upper case, e.g. NDES_GATEWAY_STORE=memory); a "
    "flag on the command line wins over the environment.";

// absl names a flag's file by the __FILE__ of its definition, passed
// through the usage config's normalize_filename; the gateway's own flags
// (this file's) are named after the program instead of the path this file
// had on the machine that built it.
constexpr char kProgramName[] = "ndes-gateway";

// Abseil's default filename normalizer drops leading slashes, so a flag's
// Filename() is this file's path with or without them, depending on whether
// ConfigureGatewayUsage() has run and on how the compiler was given the path.
absl::string_view WithoutLeadingSlashes(absl::string_view file) {
  while (!file.empty() && (file.front() == '/' || file.front() == '\\')) {
    file.remove_prefix(1);
  }
  return file;
}

bool IsThisFile(absl::string_view file) {
  return WithoutLeadingSlashes(file) == WithoutLeadingSlashes(__FILE__);
}

std::string NormalizeFlagsFile(absl::string_view file) {
  return IsThisFile(file) ? std::string(kProgramName) : std::string(file);
}

// Whether `file` (as a flag's Filename() gives it) defines the gateway's own
// flags, to tell them apart from the flags of libraries.
bool IsGatewayFlagsFile(absl::string_view file) {
  return file == kProgramName || IsThisFile(file);
}

absl::Status FlagError(absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(message, "; see ndes-gateway --help"));
}

}  // namespace

absl::Status ApplyEnvironment() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!IsGatewayFlagsFile(flag->Filename())) continue;
    const std::string variable =
        absl::StrCat("NDES_GATEWAY_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid ", variable, ": ", error));
    }
  }
  return absl::OkStatus();
}

void ConfigureGatewayUsage() {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return IsGatewayFlagsFile(file);
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  usage_config.normalize_filename = NormalizeFlagsFile;
  usage_config.version_string = [] {
    return std::string("ndes-gateway 0.1.0\n");
  };
  absl::SetFlagsUsageConfig(usage_config);
}

absl::StatusOr<GatewayConfig> ConfigFromFlags() {
  GatewayConfig config;
  if (!logging::ParseLogFormat(absl::GetFlag(FLAGS_log_format),
                               &config.log_format)) {
    return FlagError("--log_format must be text or json");
  }
  if (!logging::ParseLogSeverity(absl::GetFlag(FLAGS_log_level),
                                 &config.log_level)) {
    return FlagError("--log_level must be info, warning or error");
  }

  GatewayServerOptions& server = config.server;
  server.listen_address = absl::GetFlag(FLAGS_listen);
  server.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  server.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  server.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  server.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (!server.tls.enabled() &&
      (!server.tls.key_file.empty() || !server.tls.client_ca_file.empty())) {
    return FlagError(
        "--tls_key_file and --tls_client_ca_file need --tls_cert_file");
  }
  server.allow_plaintext = absl::GetFlag(FLAGS_allow_plaintext);
  server.reflection = absl::GetFlag(FLAGS_reflection);
  server.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  server.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  server.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  server.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  server.keepalive_min_ping_interval =
      absl::GetFlag(FLAGS_keepalive_min_ping_interval);
  if (server.max_message_bytes <= 0 || server.max_concurrent_streams <= 0) {
    return FlagError(
        "--max_message_bytes and --max_concurrent_streams must be positive");
  }
  if (static_cast<std::size_t>(server.max_message_bytes) <
      translation::kMinMessageBytes) {
    return FlagError(absl::StrCat(
        "--max_message_bytes must be at least ", translation::kMinMessageBytes,
        " (256 KiB), so that the largest valid connector (at most ",
        translation::kMaxConnectorBytes, " bytes) fits well in an answer"));
  }
  const int32_t memory_soft_limit_mb =
      absl::GetFlag(FLAGS_memory_soft_limit_mb);
  if (memory_soft_limit_mb < 0) {
    return FlagError("--memory_soft_limit_mb must be 0 (off) or positive");
  }
  server.memory_soft_limit_bytes =
      static_cast<std::uint64_t>(memory_soft_limit_mb) << 20;

  const std::string auth_mode = absl::GetFlag(FLAGS_auth);
  if (auth_mode == "jwt") {
    auth::JwtAuthorizerOptions jwt;
    jwt.jwks_file = absl::GetFlag(FLAGS_jwt_jwks_file);
    jwt.issuer = absl::GetFlag(FLAGS_jwt_issuer);
    jwt.audience = absl::GetFlag(FLAGS_jwt_audience);
    if (jwt.jwks_file.empty()) {
      return FlagError(
          "--auth=jwt needs --jwt_jwks_file (the keys that sign accepted "
          "tokens)");
    }
    config.jwt = std::move(jwt);
  } else if (auth_mode != "none") {
    return FlagError("--auth must be none or jwt");
  }

  config.store_spec = absl::GetFlag(FLAGS_store);
  GraphBackendOptions& graph = config.store.graph;
  graph.base_url = absl::GetFlag(FLAGS_graph_base_url);
  graph.auth.auth = absl::GetFlag(FLAGS_graph_auth);
  graph.auth.tenant_id = absl::GetFlag(FLAGS_graph_tenant_id);
  graph.auth.client_id = absl::GetFlag(FLAGS_graph_client_id);
  graph.auth.client_secret_file = absl::GetFlag(FLAGS_graph_client_secret_file);
  graph.auth.token_url = absl::GetFlag(FLAGS_graph_token_url);
  graph.budget = {absl::GetFlag(FLAGS_graph_write_budget),
                  absl::GetFlag(FLAGS_graph_request_budget),
                  absl::GetFlag(FLAGS_graph_budget_window)};
  if (absl::Status budget = graph::ValidateRequestBudget(graph.budget);
      !budget.ok()) {
    return FlagError(budget.message());
  }
  config.store.postgres.password_file =
      absl::GetFlag(FLAGS_store_password_file);
  config.store.postgres.pool_size = absl::GetFlag(FLAGS_store_pool_size);

  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.rest_listen = absl::GetFlag(FLAGS_rest_listen);
  if (!config.rest_listen.empty()) {
    if (IsUnixAddress(config.rest_listen)) {
      return FlagError("--rest_listen must be host:port");
    }
    if (!server.tls.enabled() && !server.allow_plaintext &&
        !IsLoopbackHost(HostOf(config.rest_listen))) {
      return FlagError(absl::StrCat(
          "refusing to serve the REST face in plaintext on \"",
          config.rest_listen,
          "\", which is not a loopback address: give --tls_cert_file and "
          "--tls_key_file, listen on 127.0.0.1, or set --allow_plaintext"));
    }
  }
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  return config;
}

}  // namespace ndes
