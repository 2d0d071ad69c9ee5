// Runs ndesctl: the commands over an NdesConnectorClient, and the whole
// program (parse, help, connect, run) behind a thin main().
//
//   std::ostringstream out, err;
//   int exit_code = RunCommand(invocation, client, out, err);
//
// Output contract: a command's result goes to `out` (the connector as JSON,
// a JSON array for list, nothing for delete), followed by a newline. An
// error goes to `err` as "CODE_NAME: message", followed by one
// "  field: description" line per google.rpc.BadRequest field violation.
// Nothing is written to `out` when the command fails.
//
// Thread-safety: not shared; call from one thread at a time per stream.
#ifndef NDES_CLIENT_NDESCTL_COMMANDS_H_
#define NDES_CLIENT_NDESCTL_COMMANDS_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ndes/client/ndes_connector_client.h"
#include "ndesctl/command_line.h"

namespace ndes::ndesctl {

// ndesctl's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCallFailed = 1;  // the gateway answered an error
inline constexpr int kExitUsage = 2;       // bad command line or local file

struct RunOptions {
  // list: a progress line ("listed N connectors...") goes to `err` once
  // paging has taken this long, and again every time this much more has
  // passed.
  absl::Duration progress_after = absl::Seconds(1);
};

// Runs `invocation` (any command but kHelp and kGraphProbe) with `client`.
// Returns kExitOk or kExitCallFailed.
int RunCommand(const Invocation& invocation,
               const ndes::client::NdesConnectorClient& client,
               std::ostream& out, std::ostream& err,
               const RunOptions& options = RunOptions());

// Writes `status` to `err` as described above.
void PrintError(const absl::Status& status, std::ostream& err);

// Runs graph-probe (it talks to Graph, not to the gateway, and lives in a
// library of its own: ndesctl/graph_probe_command.h). Returns an exit code.
using GraphProbeRunner = std::function<int(
    const Invocation& invocation, std::ostream& out, std::ostream& err)>;

// The whole program for the arguments after the program name: help on
// `out` (exit 0); a usage error on `err` as "ndesctl: message" with a hint
// (exit 2); graph-probe through `graph_probe` (exit 2 without one);
// otherwise connects to the gateway and runs the command.
int RunNdesctl(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err,
               const GraphProbeRunner& graph_probe = nullptr);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_COMMANDS_H_
