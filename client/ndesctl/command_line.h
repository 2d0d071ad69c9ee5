// The command line of ndesctl, parsed into an Invocation, and its help.
//
//   ndesctl [GLOBAL OPTIONS] COMMAND [ARGS] [COMMAND OPTIONS]
//
// Global options come before the command, command options after it. Every
// option is "--name=value" or "--name value"; a boolean option is "--name",
// "--name=true" or "--name=false". "--" ends the options (for an id that
// starts with "-"). An option given twice, an unknown option or command, a
// missing or extra argument, or a value that does not parse is a usage
// error: INVALID_ARGUMENT with a message for the user.
//
// Thread-safety: pure functions.
#ifndef NDES_CLIENT_NDESCTL_COMMAND_LINE_H_
#define NDES_CLIENT_NDESCTL_COMMAND_LINE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ndes/client/connector_update.h"
#include "ndes/v1/ndes_connector.pb.h"

namespace ndes::ndesctl {

// The commands; command_line.cc names them in this order.
enum class Command {
  kHelp,
  kGet,
  kList,
  kCreate,
  kUpdate,
  kDelete,
  kGraphProbe
};

// How to reach the gateway (the global options).
struct ConnectionOptions {
  std::string addr = "127.0.0.1:50051";  // --addr
  std::string token;                     // --token
  std::string token_file;                // --token_file
  bool tls = false;                      // --tls, or implied by --tls_ca_file
  std::string tls_ca_file;               // --tls_ca_file
  absl::Duration timeout = absl::Seconds(10);  // --timeout
};

// graph-probe's options, as given (ndesctl/graph_probe_command.h runs it).
struct GraphProbeArgs {
  // The gateway's --graph_* flags given, by name without "--"
  // ("graph_auth"), and --graph_token_file.
  std::map<std::string, std::string> graph_flags;
  bool write = false;  // --write
  int page_size = 0;   // --page_size (0: the probe's default)
};

struct Invocation {
  Command command = Command::kHelp;
  ConnectionOptions connection;

  // kHelp: the command to explain, or empty for the overview.
  std::string help_topic;
  // kGet, kUpdate, kDelete: the connector's id. kCreate: the id to give the
  // new connector, or empty to have one generated.
  std::string id;
  // kList: --page_size (0: the gateway's default).
  int page_size = 0;
  // kCreate: the connector to create, from the field options.
  ndes::v1::NdesConnector connector;
  // kUpdate: the masked update, from the field options and --clear, --etag,
  // --allow_missing.
  std::optional<ndes::client::ConnectorUpdate> update;
  // kDelete: --etag.
  std::string etag;
  // kGraphProbe.
  GraphProbeArgs graph_probe;
};

// Parses the arguments after the program name.
absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args);

// The overview: usage, global options, commands, exit codes.
std::string OverviewHelp();

// The help of one command ("get", "list", …); INVALID_ARGUMENT for an
// unknown command.
absl::StatusOr<std::string> CommandHelp(const std::string& command);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_COMMAND_LINE_H_
