// The help texts of ndesctl: the overview and one per command.
//
// Thread-safety: pure functions.
#ifndef NDES_CLIENT_NDESCTL_COMMAND_HELP_H_
#define NDES_CLIENT_NDESCTL_COMMAND_HELP_H_

#include <string>

namespace ndes::ndesctl {

enum class Command;

// Usage, global options, commands, exit codes.
std::string OverviewHelpText();

// The help of `command`.
std::string HelpTextOf(Command command);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_COMMAND_HELP_H_
