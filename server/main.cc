// ndes-gateway: the gRPC gateway to Intune NDES connectors.
//
// Wiring only: flags (also from NDES_GATEWAY_<FLAG> environment variables),
// the store, the server, and SIGTERM/SIGINT handling.

#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway_server.h"
#include "service/call_log.h"
#include "store_factory.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Where to serve gRPC: host:port (port 0 picks a free port) or "
          "unix:/path/to/socket. The API is plaintext: keep it on loopback "
          "or a Unix socket.");
ABSL_FLAG(std::string, store, ndes::kDefaultStoreSpec,
          "The backing store: sqlite:PATH (the embedded default; a SQLite "
          "file, created if missing, refused if it is not a gateway "
          "database), memory (nothing survives a restart) or graph "
          "(Microsoft Graph itself; see the --graph_* flags).");
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

using ndes::service::LogEvent;
using ndes::service::LogSeverity;

constexpr char kUsage[] =
    "gRPC gateway to Intune NDES connectors (Microsoft Graph beta "
    "/deviceManagement/ndesConnectors).\n\n"
    "Usage: ndes-gateway [--listen=HOST:PORT|unix:PATH] "
    "[--store=sqlite:PATH|memory|graph] [--graph_...] "
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

  // Block the shutdown signals before any thread starts, so that every
  // thread inherits the mask and only sigwait below receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  const std::string store_spec = absl::GetFlag(FLAGS_store);
  ndes::StoreOptions store_options;
  store_options.graph.base_url = absl::GetFlag(FLAGS_graph_base_url);
  store_options.graph.auth = absl::GetFlag(FLAGS_graph_auth);
  store_options.graph.tenant_id = absl::GetFlag(FLAGS_graph_tenant_id);
  store_options.graph.client_id = absl::GetFlag(FLAGS_graph_client_id);
  store_options.graph.client_secret_file =
      absl::GetFlag(FLAGS_graph_client_secret_file);
  store_options.graph.token_url = absl::GetFlag(FLAGS_graph_token_url);
  absl::StatusOr<std::unique_ptr<ndes::store::ConnectorStore>> store =
      ndes::OpenConnectorStore(store_spec, store_options);
  if (!store.ok()) {
    LogEvent(LogSeverity::kError,
             absl::StrCat("cannot open --store=", store_spec, ": ",
                          store.status().message()));
    return 1;
  }

  ndes::GatewayServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<std::unique_ptr<ndes::GatewayServer>> server =
      ndes::GatewayServer::Start(options, **store);
  if (!server.ok()) {
    LogEvent(LogSeverity::kError, server.status().message());
    return 1;
  }
  LogEvent(LogSeverity::kInfo,
           absl::StrCat("ndes-gateway serving on ", (*server)->address(),
                        " (store: ", store_spec, ")"));

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  LogEvent(
      LogSeverity::kInfo,
      absl::StrCat("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                   "; health NOT_SERVING, draining for up to ",
                   absl::FormatDuration(grace)));
  (*server)->Shutdown(grace);
  server->reset();
  store->reset();
  LogEvent(LogSeverity::kInfo, "stopped");
  return 0;
}
