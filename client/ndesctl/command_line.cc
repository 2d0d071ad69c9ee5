#include "ndesctl/command_line.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ndesctl/command_help.h"

namespace ndes::ndesctl {
namespace {

using ndes::client::ConnectorField;
using ndes::client::ConnectorUpdate;

struct OptionSpec {
  absl::string_view name;
  bool takes_value;
};

constexpr OptionSpec kGlobalOptions[] = {
    {"addr", true}, {"token", true},       {"token_file", true},
    {"tls", false}, {"tls_ca_file", true}, {"timeout", true},
};

// Indexed by Command: keep the order of the enum.
constexpr absl::string_view kCommandNames[] = {
    "help", "get", "list", "create", "update", "delete", "graph-probe"};

// graph-probe's options: the gateway's --graph_* flags, and its own.
constexpr absl::string_view kGraphProbeFlags[] = {
    "graph_base_url",           "graph_auth",
    "graph_tenant_id",          "graph_client_id",
    "graph_client_secret_file", "graph_token_url",
    "graph_token_file"};

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// The options and positional arguments of one part of the command line.
struct Arguments {
  std::vector<std::string> positionals;
  // (name, value) in command-line order; a boolean option has "true" or
  // "false".
  std::vector<std::pair<std::string, std::string>> options;
};

const OptionSpec* FindSpec(absl::string_view name,
                           const std::vector<OptionSpec>& specs) {
  for (const OptionSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool IsGlobalOption(absl::string_view name) {
  return std::any_of(std::begin(kGlobalOptions), std::end(kGlobalOptions),
                     [name](const OptionSpec& s) { return s.name == name; });
}

absl::StatusOr<bool> ParseBool(absl::string_view name,
                               absl::string_view value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return UsageError(
      absl::StrCat("--", name, " takes true or false, not \"", value, "\""));
}

// Splits args[*index, end) into options (per `specs`) and positionals. With
// `stop_at_positional`, stops at the first positional (the command) and
// leaves *index there. `where` names the part for messages.
absl::StatusOr<Arguments> SplitArguments(const std::vector<std::string>& args,
                                         std::size_t* index,
                                         const std::vector<OptionSpec>& specs,
                                         bool stop_at_positional,
                                         absl::string_view where) {
  Arguments result;
  bool options_ended = false;
  for (; *index < args.size(); ++*index) {
    const std::string& arg = args[*index];
    if (options_ended || arg == "-" || !absl::StartsWith(arg, "-")) {
      if (stop_at_positional) return result;
      result.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      if (stop_at_positional) {
        ++*index;
        return result;
      }
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return UsageError(absl::StrCat("unknown option ", arg, " ", where,
                                     " (options are written --name=value)"));
    }
    const absl::string_view body = absl::string_view(arg).substr(2);
    const std::size_t equals = body.find('=');
    const std::string name(body.substr(0, equals));
    const OptionSpec* spec = FindSpec(name, specs);
    if (spec == nullptr) {
      if (!stop_at_positional && IsGlobalOption(name)) {
        return UsageError(absl::StrCat(
            "--", name,
            " is a global option: give it before the command, as in "
            "\"ndesctl --",
            name, "=... COMMAND\""));
      }
      return UsageError(absl::StrCat("unknown option --", name, " ", where));
    }
    for (const auto& [seen, unused] : result.options) {
      if (seen == name) {
        return UsageError(absl::StrCat("--", name, " is given twice"));
      }
    }
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(body.substr(equals + 1));
      if (!spec->takes_value) {
        absl::StatusOr<bool> flag = ParseBool(name, value);
        if (!flag.ok()) return flag.status();
        value = *flag ? "true" : "false";
      }
    } else if (spec->takes_value) {
      if (*index + 1 >= args.size()) {
        return UsageError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++*index];
    } else {
      value = "true";
    }
    result.options.emplace_back(name, std::move(value));
  }
  return result;
}

absl::StatusOr<ndes::v1::NdesConnectorState> ParseState(
    absl::string_view value) {
  if (value == "none") return ndes::v1::NDES_CONNECTOR_STATE_NONE;
  if (value == "active") return ndes::v1::NDES_CONNECTOR_STATE_ACTIVE;
  if (value == "inactive") return ndes::v1::NDES_CONNECTOR_STATE_INACTIVE;
  return UsageError(
      absl::StrCat("--state must be none, active or inactive, "
                   "not \"",
                   value, "\""));
}

absl::StatusOr<absl::Time> ParseDateTime(absl::string_view name,
                                         absl::string_view value) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    return UsageError(absl::StrCat(
        "--", name, ": \"", value,
        "\" is not an RFC 3339 date-time such as 2026-11-28T10:15:30Z (", error,
        ")"));
  }
  return time;
}

absl::StatusOr<std::vector<std::string>> ParseList(absl::string_view name,
                                                   absl::string_view value) {
  std::vector<std::string> items;
  if (value.empty()) return items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    if (item.empty()) {
      return UsageError(
          absl::StrCat("--", name, ": empty item in \"", value, "\""));
    }
    items.emplace_back(item);
  }
  return items;
}

// Applies the field option (name, value) to `update`; other options are
// left to the caller.
absl::Status ApplyFieldOption(const std::string& name, const std::string& value,
                              ConnectorUpdate& update) {
  const std::optional<ConnectorField> field = ndes::v1::FieldByMaskPath(name);
  if (!field.has_value()) return absl::OkStatus();
  switch (*field) {
    case ConnectorField::kDisplayName:
      update.SetDisplayName(value);
      break;
    case ConnectorField::kState: {
      absl::StatusOr<ndes::v1::NdesConnectorState> state = ParseState(value);
      if (!state.ok()) return state.status();
      update.SetState(*state);
      break;
    }
    case ConnectorField::kLastConnectionDateTime:
    case ConnectorField::kEnrolledDateTime: {
      absl::StatusOr<absl::Time> time = ParseDateTime(name, value);
      if (!time.ok()) return time.status();
      if (*field == ConnectorField::kLastConnectionDateTime) {
        update.SetLastConnectionDateTime(*time);
      } else {
        update.SetEnrolledDateTime(*time);
      }
      break;
    }
    case ConnectorField::kMachineName:
      update.SetMachineName(value);
      break;
    case ConnectorField::kRoleScopeTagIds: {
      absl::StatusOr<std::vector<std::string>> tags = ParseList(name, value);
      if (!tags.ok()) return tags.status();
      update.SetRoleScopeTagIds(*std::move(tags));
      break;
    }
    case ConnectorField::kConnectorVersion:
      update.SetConnectorVersion(value);
      break;
  }
  return absl::OkStatus();
}

// With the options that set a connector field, for create and update: one
// per writable field, named by its mask path.
std::vector<OptionSpec> WithFieldOptions(std::vector<OptionSpec> specs) {
  for (ConnectorField field : ndes::v1::WritableConnectorFields()) {
    specs.push_back({ndes::v1::MaskPath(field), /*takes_value=*/true});
  }
  return specs;
}

std::vector<OptionSpec> CommandOptions(Command command) {
  switch (command) {
    case Command::kList:
      return {{"page_size", true}};
    case Command::kCreate:
      return WithFieldOptions({});
    case Command::kUpdate:
      return WithFieldOptions(
          {{"clear", true}, {"etag", true}, {"allow_missing", false}});
    case Command::kDelete:
      return {{"etag", true}};
    case Command::kGraphProbe: {
      std::vector<OptionSpec> specs = {{"write", false}, {"page_size", true}};
      for (absl::string_view flag : kGraphProbeFlags) {
        specs.push_back({flag, true});
      }
      return specs;
    }
    case Command::kHelp:
    case Command::kGet:
      break;
  }
  return {};
}

absl::StatusOr<Command> ParseCommandName(absl::string_view name) {
  if (name == "help") return Command::kHelp;
  if (name == "get") return Command::kGet;
  if (name == "list") return Command::kList;
  if (name == "create") return Command::kCreate;
  if (name == "update") return Command::kUpdate;
  if (name == "delete") return Command::kDelete;
  if (name == "graph-probe") return Command::kGraphProbe;
  return UsageError(absl::StrCat("unknown command \"", name,
                                 "\"; the commands are ",
                                 absl::StrJoin(kCommandNames, ", ")));
}

absl::Status ApplyGlobalOptions(const Arguments& arguments,
                                ConnectionOptions& connection) {
  for (const auto& [name, value] : arguments.options) {
    if (name == "addr") {
      if (value.empty()) return UsageError("--addr must not be empty");
      connection.addr = value;
    } else if (name == "token") {
      if (value.empty()) return UsageError("--token must not be empty");
      connection.token = value;
    } else if (name == "token_file") {
      if (value.empty()) return UsageError("--token_file must not be empty");
      connection.token_file = value;
    } else if (name == "tls") {
      connection.tls = value == "true";
    } else if (name == "tls_ca_file") {
      if (value.empty()) return UsageError("--tls_ca_file must not be empty");
      connection.tls_ca_file = value;
    } else if (name == "timeout") {
      absl::Duration timeout;
      if (!absl::ParseDuration(value, &timeout) ||
          timeout <= absl::ZeroDuration()) {
        return UsageError(
            absl::StrCat("--timeout: \"", value,
                         "\" is not a positive duration such as 30s or 500ms"));
      }
      connection.timeout = timeout;
    }
  }
  if (!connection.token.empty() && !connection.token_file.empty()) {
    return UsageError("give --token or --token_file, not both");
  }
  if (!connection.tls_ca_file.empty()) {
    if (std::any_of(arguments.options.begin(), arguments.options.end(),
                    [](const auto& option) {
                      return option.first == "tls" && option.second == "false";
                    })) {
      return UsageError(
          "--tls_ca_file implies TLS: it cannot go with "
          "--tls=false");
    }
    connection.tls = true;
  }
  return absl::OkStatus();
}

absl::Status ExpectPositionals(Command command, const Arguments& arguments,
                               std::size_t min, std::size_t max,
                               absl::string_view usage) {
  const std::size_t count = arguments.positionals.size();
  if (count < min || count > max) {
    const absl::string_view name = kCommandNames[static_cast<int>(command)];
    return UsageError(
        absl::StrCat(count < min ? "missing argument" : "too many arguments",
                     " for ", name, "; usage: ndesctl ", name, " ", usage));
  }
  return absl::OkStatus();
}

absl::Status BuildCreate(const Arguments& arguments, Invocation& invocation) {
  if (absl::Status s = ExpectPositionals(Command::kCreate, arguments, 0, 1,
                                         "[ID] [FIELD OPTIONS]");
      !s.ok()) {
    return s;
  }
  if (!arguments.positionals.empty()) invocation.id = arguments.positionals[0];
  // The update builder parses and checks the field options exactly as for
  // update; its connector is the one to create.
  ConnectorUpdate fields(invocation.id);
  for (const auto& [name, value] : arguments.options) {
    if (absl::Status s = ApplyFieldOption(name, value, fields); !s.ok()) {
      return s;
    }
  }
  invocation.connector = fields.ToRequest().ndes_connector();
  return absl::OkStatus();
}

absl::Status BuildUpdate(const Arguments& arguments, Invocation& invocation) {
  if (absl::Status s = ExpectPositionals(
          Command::kUpdate, arguments, 1, 1,
          "ID [FIELD OPTIONS] [--clear=FIELD,...] [--etag=ETAG] "
          "[--allow_missing]");
      !s.ok()) {
    return s;
  }
  invocation.id = arguments.positionals[0];
  ConnectorUpdate update(invocation.id);
  std::vector<ConnectorField> cleared;
  for (const auto& [name, value] : arguments.options) {
    if (name == "etag") {
      if (value.empty()) return UsageError("--etag must not be empty");
      update.SetEtag(value);
    } else if (name == "allow_missing") {
      update.SetAllowMissing(value == "true");
    } else if (name == "clear") {
      absl::StatusOr<std::vector<std::string>> names = ParseList(name, value);
      if (!names.ok()) return names.status();
      if (names->empty()) {
        return UsageError("--clear needs at least one field name");
      }
      for (const std::string& field_name : *names) {
        absl::StatusOr<ConnectorField> field =
            ndes::client::ParseConnectorField(field_name);
        if (!field.ok()) {
          return UsageError(
              absl::StrCat("--clear: ", field.status().message()));
        }
        update.Clear(*field);
        cleared.push_back(*field);
      }
    } else if (absl::Status s = ApplyFieldOption(name, value, update);
               !s.ok()) {
      return s;
    }
  }
  for (ConnectorField field : cleared) {
    const std::string option(ndes::v1::MaskPath(field));
    for (const auto& [name, unused] : arguments.options) {
      if (name == option) {
        return UsageError(absl::StrCat("--", option, " and --clear=", option,
                                       " contradict each other"));
      }
    }
  }
  if (update.empty()) {
    return UsageError(
        "nothing to update: give at least one field option (such as "
        "--display_name=...) or --clear=FIELD; see ndesctl update --help");
  }
  invocation.update = std::move(update);
  return absl::OkStatus();
}

absl::Status BuildGraphProbe(const Arguments& arguments,
                             Invocation& invocation) {
  if (absl::Status s =
          ExpectPositionals(Command::kGraphProbe, arguments, 0, 0,
                            "[GRAPH OPTIONS] [--write] [--page_size=N]");
      !s.ok()) {
    return s;
  }
  GraphProbeArgs& probe = invocation.graph_probe;
  for (const auto& [name, value] : arguments.options) {
    if (name == "write") {
      probe.write = value == "true";
    } else if (name == "page_size") {
      if (!absl::SimpleAtoi(value, &probe.page_size) || probe.page_size < 1 ||
          probe.page_size > 1000) {
        return UsageError(absl::StrCat("--page_size: \"", value,
                                       "\" is not a number from 1 to 1000"));
      }
    } else {
      probe.graph_flags[name] = value;
    }
  }
  return absl::OkStatus();
}

absl::Status BuildCommand(const Arguments& arguments, Invocation& invocation) {
  switch (invocation.command) {
    case Command::kHelp:
      if (absl::Status s =
              ExpectPositionals(Command::kHelp, arguments, 0, 1, "[COMMAND]");
          !s.ok()) {
        return s;
      }
      if (!arguments.positionals.empty()) {
        invocation.help_topic = arguments.positionals[0];
        if (absl::StatusOr<std::string> help =
                CommandHelp(invocation.help_topic);
            !help.ok()) {
          return help.status();
        }
      }
      return absl::OkStatus();
    case Command::kGet:
      if (absl::Status s =
              ExpectPositionals(Command::kGet, arguments, 1, 1, "ID");
          !s.ok()) {
        return s;
      }
      invocation.id = arguments.positionals[0];
      return absl::OkStatus();
    case Command::kList:
      if (absl::Status s = ExpectPositionals(Command::kList, arguments, 0, 0,
                                             "[--page_size=N]");
          !s.ok()) {
        return s;
      }
      for (const auto& [name, value] : arguments.options) {
        if (name == "page_size" &&
            (!absl::SimpleAtoi(value, &invocation.page_size) ||
             invocation.page_size < 0)) {
          return UsageError(absl::StrCat("--page_size: \"", value,
                                         "\" is not a number of 0 or more"));
        }
      }
      return absl::OkStatus();
    case Command::kCreate:
      return BuildCreate(arguments, invocation);
    case Command::kUpdate:
      return BuildUpdate(arguments, invocation);
    case Command::kGraphProbe:
      return BuildGraphProbe(arguments, invocation);
    case Command::kDelete:
      if (absl::Status s = ExpectPositionals(Command::kDelete, arguments, 1, 1,
                                             "ID [--etag=ETAG]");
          !s.ok()) {
        return s;
      }
      invocation.id = arguments.positionals[0];
      for (const auto& [name, value] : arguments.options) {
        if (name == "etag") {
          if (value.empty()) return UsageError("--etag must not be empty");
          invocation.etag = value;
        }
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

bool AsksForHelp(const std::vector<std::string>& args, std::size_t begin) {
  for (std::size_t i = begin; i < args.size(); ++i) {
    if (args[i] == "--") return false;
    if (args[i] == "--help" || args[i] == "-h") return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args) {
  Invocation invocation;
  // "--help" among the global options asks for the overview.
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") return invocation;
    if (!absl::StartsWith(arg, "-") || arg == "--") break;
  }
  std::size_t index = 0;
  absl::StatusOr<Arguments> global =
      SplitArguments(args, &index,
                     std::vector<OptionSpec>(std::begin(kGlobalOptions),
                                             std::end(kGlobalOptions)),
                     /*stop_at_positional=*/true, "before the command");
  if (!global.ok()) return global.status();
  if (absl::Status s = ApplyGlobalOptions(*global, invocation.connection);
      !s.ok()) {
    return s;
  }
  if (index >= args.size()) {
    return UsageError("no command given; the commands are " +
                      absl::StrJoin(kCommandNames, ", "));
  }
  absl::StatusOr<Command> command = ParseCommandName(args[index]);
  if (!command.ok()) return command.status();
  const std::string command_name = args[index];
  ++index;
  if (AsksForHelp(args, index)) {
    invocation.command = Command::kHelp;
    invocation.help_topic = command_name;
    return invocation;
  }
  invocation.command = *command;
  absl::StatusOr<Arguments> arguments = SplitArguments(
      args, &index, CommandOptions(*command),
      /*stop_at_positional=*/false, absl::StrCat("for ", command_name));
  if (!arguments.ok()) return arguments.status();
  if (absl::Status s = BuildCommand(*arguments, invocation); !s.ok()) {
    return s;
  }
  return invocation;
}

std::string OverviewHelp() { return OverviewHelpText(); }

absl::StatusOr<std::string> CommandHelp(const std::string& command) {
  absl::StatusOr<Command> parsed = ParseCommandName(command);
  if (!parsed.ok()) return parsed.status();
  return HelpTextOf(*parsed);
}

}  // namespace ndes::ndesctl
