// ndes-gateway: the gRPC gateway to Intune NDES connectors.
//
// Wiring only: flags (also from NDES_GATEWAY_<FLAG> environment variables),
// the store, the server, and SIGTERM/SIGINT handling.

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/jwt_authorizer.h"
#include "gateway_server.h"
#include "observability/metrics_http_server.h"
#include "pplx/threadpool.h"
#include "logging/log.h"
#include "store_factory.h"

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
          "Largest request or response message in bytes; a larger request "
          "is refused with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int32_t, max_concurrent_streams, 256,
          "Calls in flight on one client connection; more wait for a free "
          "slot.");
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
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(25),
          "On SIGTERM or SIGINT, how long calls in flight may take to finish "
          "before they are cancelled (Kubernetes allows 30s by default).");

namespace {

using ndes::logging::LogEvent;
using ndes::logging::LogSeverity;

constexpr absl::Duration kStoreCloseTimeout = absl::Seconds(3);

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

// The file that defines the gateway's own flags, to tell them apart from
// the flags of libraries.
std::string OwnFlagsFile() {
  return std::string(absl::FindCommandLineFlag("listen")->Filename());
}

// Sets each of the gateway's flags from NDES_GATEWAY_<FLAG> when that
// variable exists. Runs before the command line is parsed, so the command
// line wins. Exits on a value that does not parse, naming the variable.
void ApplyEnvironment() {
  const std::string own_file = OwnFlagsFile();
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag->Filename() != own_file) continue;
    const std::string variable =
        absl::StrCat("NDES_GATEWAY_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      LogEvent(LogSeverity::kError,
               absl::StrCat("invalid ", variable, ": ", error));
      std::exit(2);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that goes away mid-write must not kill the process; a file that
  // grows past RLIMIT_FSIZE must fail the write (EFBIG), not the process.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);

  // Block the shutdown signals before any thread starts (cpprestsdk's pool
  // below is the first), so that every thread inherits the mask and only
  // sigwait at the end receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  // Debian's Abseil checks every mutex acquisition for lock-order cycles,
  // a few percent of a call's CPU; the gateway's lock order is fixed by
  // design and covered by the sanitizer build.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // cpprestsdk (Graph requests, /metrics) runs every step of a request as a
  // task on its pool, 40 threads by default: on a small machine their
  // wake-ups cost more than the work. None of those tasks blocks.
  crossplat::threadpool::initialize_with_threads(
      std::max(4u, std::thread::hardware_concurrency()));
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return file == OwnFlagsFile();
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  usage_config.version_string = [] {
    return std::string("ndes-gateway 0.1.0\n");
  };
  absl::SetFlagsUsageConfig(usage_config);

  ApplyEnvironment();
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    LogEvent(LogSeverity::kError,
             absl::StrCat("unexpected argument \"", positional[1],
                          "\"; see ndes-gateway --help"));
    return 2;
  }
  ndes::logging::LogFormat log_format;
  if (!ndes::logging::ParseLogFormat(absl::GetFlag(FLAGS_log_format),
                                     &log_format)) {
    LogEvent(LogSeverity::kError,
             "--log_format must be text or json; see ndes-gateway --help");
    return 2;
  }
  ndes::logging::SetLogFormat(log_format);
  LogSeverity log_level;
  if (!ndes::logging::ParseLogSeverity(absl::GetFlag(FLAGS_log_level),
                                       &log_level)) {
    LogEvent(LogSeverity::kError,
             "--log_level must be info, warning or error; see ndes-gateway "
             "--help");
    return 2;
  }
  ndes::logging::SetLogLevel(log_level);
  ndes::logging::StartBackgroundLogWriter();
  ndes::GatewayServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (!options.tls.enabled() &&
      (!options.tls.key_file.empty() || !options.tls.client_ca_file.empty())) {
    LogEvent(LogSeverity::kError,
             "--tls_key_file and --tls_client_ca_file need --tls_cert_file");
    return 2;
  }
  options.allow_plaintext = absl::GetFlag(FLAGS_allow_plaintext);

  std::unique_ptr<ndes::auth::JwtAuthorizer> authorizer;
  const std::string auth_mode = absl::GetFlag(FLAGS_auth);
  if (auth_mode == "jwt") {
    ndes::auth::JwtAuthorizerOptions auth_options;
    auth_options.jwks_file = absl::GetFlag(FLAGS_jwt_jwks_file);
    auth_options.issuer = absl::GetFlag(FLAGS_jwt_issuer);
    auth_options.audience = absl::GetFlag(FLAGS_jwt_audience);
    if (auth_options.jwks_file.empty()) {
      LogEvent(LogSeverity::kError,
               "--auth=jwt needs --jwt_jwks_file (the keys that sign "
               "accepted tokens)");
      return 2;
    }
    absl::StatusOr<std::unique_ptr<ndes::auth::JwtAuthorizer>> created =
        ndes::auth::JwtAuthorizer::Create(auth_options);
    if (!created.ok()) {
      LogEvent(LogSeverity::kError, absl::StrCat("cannot use --jwt_jwks_file: ",
                                                 created.status().message()));
      return 1;
    }
    authorizer = *std::move(created);
    for (const std::string& skipped : authorizer->SkippedKeys()) {
      LogEvent(LogSeverity::kWarning, absl::StrCat("JWKS: ", skipped));
    }
    options.authorizer = authorizer.get();
  } else if (auth_mode != "none") {
    LogEvent(LogSeverity::kError,
             "--auth must be none or jwt; see ndes-gateway --help");
    return 2;
  }
  options.reflection = absl::GetFlag(FLAGS_reflection);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.keepalive_min_ping_interval =
      absl::GetFlag(FLAGS_keepalive_min_ping_interval);
  if (options.max_message_bytes <= 0 || options.max_concurrent_streams <= 0) {
    LogEvent(LogSeverity::kError,
             "--max_message_bytes and --max_concurrent_streams must be "
             "positive");
    return 2;
  }
  const std::string store_spec = absl::GetFlag(FLAGS_store);
  ndes::StoreOptions store_options;
  store_options.graph.base_url = absl::GetFlag(FLAGS_graph_base_url);
  store_options.graph.auth = absl::GetFlag(FLAGS_graph_auth);
  store_options.graph.tenant_id = absl::GetFlag(FLAGS_graph_tenant_id);
  store_options.graph.client_id = absl::GetFlag(FLAGS_graph_client_id);
  store_options.graph.client_secret_file =
      absl::GetFlag(FLAGS_graph_client_secret_file);
  store_options.graph.token_url = absl::GetFlag(FLAGS_graph_token_url);
  store_options.postgres.password_file =
      absl::GetFlag(FLAGS_store_password_file);
  store_options.postgres.pool_size = absl::GetFlag(FLAGS_store_pool_size);
  absl::StatusOr<std::unique_ptr<ndes::store::ConnectorStore>> store =
      ndes::OpenConnectorStore(store_spec, store_options);
  if (!store.ok()) {
    LogEvent(LogSeverity::kError,
             absl::StrCat(
                 "cannot open --store=", ndes::RedactedStoreSpec(store_spec),
                 ": ", store.status().message()));
    return 1;
  }

  absl::StatusOr<std::unique_ptr<ndes::GatewayServer>> server =
      ndes::GatewayServer::Start(options, **store);
  if (!server.ok()) {
    LogEvent(LogSeverity::kError, server.status().message());
    return 1;
  }
  std::unique_ptr<ndes::observability::MetricsHttpServer> metrics;
  if (const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
      !metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<ndes::observability::MetricsHttpServer>>
        started = ndes::observability::MetricsHttpServer::Start(metrics_listen);
    if (!started.ok()) {
      LogEvent(LogSeverity::kError,
               absl::StrCat("--metrics_listen: ", started.status().message()));
      (*server)->Shutdown(absl::ZeroDuration());
      return 1;
    }
    metrics = *std::move(started);
  }
  ndes::logging::LogLifecycle(absl::StrCat(
      "ndes-gateway serving on ", (*server)->address(),
      " (store: ", ndes::RedactedStoreSpec(store_spec), ") over ",
      options.tls.enabled()
          ? (options.tls.client_ca_file.empty() ? "TLS" : "mutual TLS")
          : "plaintext",
      authorizer != nullptr ? " with JWT auth" : ""));
  if (!(*server)->health_address().empty()) {
    ndes::logging::LogLifecycle(
        absl::StrCat("health probes on ", (*server)->health_address()));
  }
  if (metrics != nullptr) {
    ndes::logging::LogLifecycle(absl::StrCat("metrics on ", metrics->url()));
  }

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  ndes::logging::LogLifecycle(
      absl::StrCat("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                   "; health NOT_SERVING, draining for up to ",
                   absl::FormatDuration(grace)));
  (*server)->Shutdown(grace);
  server->reset();
  if (metrics != nullptr) metrics->Stop();
  // A call abandoned when the drain time ran out may still have a request
  // out to Graph; closing the store waits for it, but not past Kubernetes'
  // patience: every call has been answered by now, so exiting is safe.
  absl::Notification closed;
  std::thread closer([&store, &closed] {
    store->reset();
    closed.Notify();
  });
  if (!closed.WaitForNotificationWithTimeout(kStoreCloseTimeout)) {
    LogEvent(LogSeverity::kWarning,
             "the store did not close in time; exiting without waiting");
    ndes::logging::LogLifecycle("stopped");
    std::fflush(stderr);
    std::_Exit(0);
  }
  closer.join();
  ndes::logging::LogLifecycle("stopped");
  ndes::logging::StopBackgroundLogWriter();
  return 0;
}
