// `ndesctl graph-probe`: turns the command's options into the gateway's own
// Graph authorization and runs graph/graph_probe.h against the tenant.
//
// Each --graph_* option left out is read from the gateway's environment
// variable (NDES_GATEWAY_GRAPH_BASE_URL, NDES_GATEWAY_GRAPH_AUTH, ...), so
// that in the gateway's container the probe checks exactly what the gateway
// would use. With passthrough authorization the token comes from
// --graph_token_file.
//
// This runner links the server's Graph and HTTP libraries (so that the
// probe speaks to Graph exactly as the gateway does: same token flow, same
// HTTP client, same error reading); the rest of ndesctl does not depend on
// them.
//
// Exit codes: 0 nothing FAILED (notes included), 1 a check FAILED, 2 a usage
// problem (a bad option, a secret or token file that cannot be read).
//
// Thread-compatible: blocks until the probe is done.
#ifndef NDES_CLIENT_NDESCTL_GRAPH_PROBE_COMMAND_H_
#define NDES_CLIENT_NDESCTL_GRAPH_PROBE_COMMAND_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "ndesctl/command_line.h"

namespace ndes::ndesctl {

// Looks up an environment variable.
using Environment =
    std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
std::optional<std::string> ProcessEnvironment(const std::string& name);

int RunGraphProbeCommand(const Invocation& invocation, std::ostream& out,
                         std::ostream& err,
                         const Environment& environment = ProcessEnvironment);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_GRAPH_PROBE_COMMAND_H_
