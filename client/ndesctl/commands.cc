#include "ndesctl/commands.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ndes/client/error_details.h"
#include "ndesctl/connection.h"
#include "ndesctl/connector_json.h"

namespace ndes::ndesctl {
namespace {

using ndes::v1::NdesConnector;

int PrintResult(const absl::StatusOr<NdesConnector>& connector,
                std::ostream& out, std::ostream& err) {
  if (!connector.ok()) {
    PrintError(connector.status(), err);
    return kExitCallFailed;
  }
  out << ConnectorToJson(*connector) << "\n";
  return kExitOk;
}

int RunList(const Invocation& invocation,
            const ndes::client::NdesConnectorClient& client, std::ostream& out,
            std::ostream& err, const RunOptions& options) {
  std::vector<NdesConnector> connectors;
  ndes::v1::ListNdesConnectorsRequest request;
  request.set_page_size(invocation.page_size);
  absl::Time next_progress = absl::Now() + options.progress_after;
  while (true) {
    absl::StatusOr<ndes::v1::ListNdesConnectorsResponse> page =
        client.ListNdesConnectors(request);
    if (!page.ok()) {
      PrintError(page.status(), err);
      return kExitCallFailed;
    }
    for (NdesConnector& connector : *page->mutable_ndes_connectors()) {
      connectors.push_back(std::move(connector));
    }
    if (page->next_page_token().empty()) break;
    if (page->next_page_token() == request.page_token()) {
      PrintError(
          absl::InternalError("the gateway answered a page with the same "
                              "next_page_token it was given; stopped listing"),
          err);
      return kExitCallFailed;
    }
    request.set_page_token(page->next_page_token());
    if (const absl::Time now = absl::Now(); now >= next_progress) {
      err << "listed " << connectors.size() << " connectors..." << std::endl;
      next_progress = now + options.progress_after;
    }
  }
  out << ConnectorsToJson(connectors) << "\n";
  return kExitOk;
}

}  // namespace

void PrintError(const absl::Status& status, std::ostream& err) {
  err << absl::StatusCodeToString(status.code()) << ": " << status.message()
      << "\n";
  if (std::optional<ndes::client::BadRequest> bad_request =
          ndes::client::BadRequestOf(status)) {
    for (const ndes::client::FieldViolation& violation :
         bad_request->field_violations) {
      err << "  " << violation.field << ": " << violation.description << "\n";
    }
  }
}

int RunCommand(const Invocation& invocation,
               const ndes::client::NdesConnectorClient& client,
               std::ostream& out, std::ostream& err,
               const RunOptions& options) {
  switch (invocation.command) {
    case Command::kGet:
      return PrintResult(client.GetNdesConnector(invocation.id), out, err);
    case Command::kList:
      return RunList(invocation, client, out, err, options);
    case Command::kCreate:
      return PrintResult(client.CreateNdesConnector(invocation.connector), out,
                         err);
    case Command::kUpdate:
      return PrintResult(client.UpdateNdesConnectors(*invocation.update), out,
                         err);
    case Command::kDelete: {
      absl::Status status =
          client.DeleteNdesConnector(invocation.id, invocation.etag);
      if (!status.ok()) {
        PrintError(status, err);
        return kExitCallFailed;
      }
      return kExitOk;
    }
    case Command::kHelp:
      break;
  }
  err << "ndesctl: internal error: help is not a call\n";
  return kExitUsage;
}

int RunNdesctl(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  if (!invocation.ok()) {
    err << "ndesctl: " << invocation.status().message()
        << "\nRun 'ndesctl help' for usage.\n";
    return kExitUsage;
  }
  if (invocation->command == Command::kHelp) {
    if (invocation->help_topic.empty()) {
      out << OverviewHelp();
      return kExitOk;
    }
    absl::StatusOr<std::string> help = CommandHelp(invocation->help_topic);
    if (!help.ok()) {
      err << "ndesctl: " << help.status().message() << "\n";
      return kExitUsage;
    }
    out << *help;
    return kExitOk;
  }
  absl::StatusOr<ndes::client::ClientOptions> client_options =
      ClientOptionsFor(invocation->connection);
  if (!client_options.ok()) {
    err << "ndesctl: " << client_options.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      OpenChannel(invocation->connection);
  if (!channel.ok()) {
    err << "ndesctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  const ndes::client::NdesConnectorClient client =
      ndes::client::MakeNdesConnectorClient(*channel,
                                            *std::move(client_options));
  return RunCommand(*invocation, client, out, err);
}

}  // namespace ndes::ndesctl
