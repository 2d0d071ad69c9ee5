#include "ndesctl/graph_probe_command.h"

#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "graph/graph_authorization.h"
#include "graph/graph_probe.h"
#include "graph/graph_stats.h"
#include "http/cpprest_http_client.h"
#include "ndesctl/commands.h"

namespace ndes::ndesctl {
namespace {

// The value of --NAME, or of the gateway's NDES_GATEWAY_<NAME>.
std::optional<std::string> Setting(const GraphProbeArgs& args,
                                   const std::string& name,
                                   const Environment& environment) {
  auto given = args.graph_flags.find(name);
  if (given != args.graph_flags.end()) return given->second;
  return environment(
      absl::StrCat("NDES_GATEWAY_", absl::AsciiStrToUpper(name)));
}

}  // namespace

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

int RunGraphProbeCommand(const Invocation& invocation, std::ostream& out,
                         std::ostream& err, const Environment& environment) {
  const GraphProbeArgs& args = invocation.graph_probe;
  auto setting = [&](const std::string& name) {
    return Setting(args, name, environment).value_or("");
  };
  graph::GraphAuthOptions auth;
  if (std::optional<std::string> mode =
          Setting(args, "graph_auth", environment)) {
    auth.auth = *mode;
  }
  auth.tenant_id = setting("graph_tenant_id");
  auth.client_id = setting("graph_client_id");
  auth.client_secret_file = setting("graph_client_secret_file");
  auth.token_url = setting("graph_token_url");

  graph::GraphProbeOptions options;
  if (std::optional<std::string> base =
          Setting(args, "graph_base_url", environment)) {
    options.base_url = *base;
  }
  options.write = args.write;
  if (args.page_size > 0) options.page_size = args.page_size;
  options.timeout = invocation.connection.timeout;
  if (auth.auth == "passthrough") {
    const std::string token_file = setting("graph_token_file");
    if (token_file.empty()) {
      err << "ndesctl: graph-probe with --graph_auth=passthrough needs "
             "--graph_token_file (the bearer token to send to Graph), or "
             "--graph_auth=client_credentials with the gateway's app "
             "registration\n";
      return kExitUsage;
    }
    absl::StatusOr<std::string> token = graph::ReadSecretFile(token_file);
    if (!token.ok()) {
      err << "ndesctl: --graph_token_file: " << token.status().message()
          << "\n";
      return kExitUsage;
    }
    options.caller_authorization = absl::StrCat("Bearer ", *token);
  }

  auto http = std::make_shared<http::CpprestHttpClient>();
  absl::StatusOr<std::unique_ptr<graph::GraphAuthorization>> authorization =
      graph::OpenGraphAuthorization(auth, http, graph::GraphStats::Unexposed());
  if (!authorization.ok()) {
    err << "ndesctl: " << authorization.status().message() << "\n";
    return kExitUsage;
  }
  const graph::GraphProbeReport report =
      graph::RunGraphProbe(options, *http, **authorization);
  out << graph::FormatGraphProbeReport(report);
  return report.failed() ? kExitCallFailed : kExitOk;
}

}  // namespace ndes::ndesctl
