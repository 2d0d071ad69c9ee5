// ndesctl: the command line of ndes-gateway. Everything but the process
// boundary lives in the ndesctl library (commands.h); run "ndesctl help".
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "grpc/support/log.h"
#include "ndesctl/commands.h"
#include "ndesctl/graph_probe_command.h"

int main(int argc, char** argv) {
  // gRPC's own log lines ("E1128 … Handshake failed …") would interleave
  // with ndesctl's one-line errors, which already carry their substance.
  // GRPC_VERBOSITY in the environment brings them back.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  const int exit_code = ndes::ndesctl::RunNdesctl(
      args, std::cout, std::cerr,
      [](const ndes::ndesctl::Invocation& invocation, std::ostream& out,
         std::ostream& err) {
        return ndes::ndesctl::RunGraphProbeCommand(invocation, out, err);
      });
  std::cout.flush();
  return exit_code;
}
