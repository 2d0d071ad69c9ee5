#include "ndesctl/command_help.h"

#include "absl/strings/str_cat.h"
#include "ndesctl/command_line.h"

namespace ndes::ndesctl {
namespace {

constexpr char kOverviewHelp[] =
    R"txt(ndesctl: manage the Intune NDES connectors of an ndes-gateway from a shell.

Usage:
  ndesctl [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]

Commands:
  get ID            print one connector
  list              print every connector (pages through all of them)
  create [ID]       create a connector from field options
  update ID         change exactly the fields given as options
  delete ID         delete a connector
  graph-probe       check what a tenant's Microsoft Graph does, directly
                    (not through the gateway), before going live against it
  help [COMMAND]    this text, or the help of COMMAND (also: COMMAND --help)

Global options (before the command):
  --addr=HOST:PORT    the gateway's address, or unix:/path/to/socket
                      (default 127.0.0.1:50051)
  --token=TOKEN       send "authorization: Bearer TOKEN" with every call.
                      Visible to other users in the process list: prefer
                      --token_file
  --token_file=PATH   read the token from PATH (a trailing newline is ignored)
  --tls               use TLS, trusting the system's root certificates
  --tls_ca_file=PATH  use TLS, trusting the CA certificates (PEM) in PATH
                      instead; implies --tls
  --timeout=DURATION  deadline of each call, retries included, such as 30s or
                      500ms (default 10s)

Without --tls the connection is plaintext, as the gateway serves today: keep
it on loopback or a Unix socket. The token is never printed. gRPC's own
diagnostics are off; set GRPC_VERBOSITY=DEBUG (or INFO, ERROR) to see them.

Output: the connector as JSON with Graph's property names (displayName,
state as none/active/inactive, date-times in RFC 3339 UTC, @odata.etag) on
standard output; list prints a JSON array. Errors go to standard error as the
gRPC status code name and message, such as
  NOT_FOUND: NDES connector "ndes-01" not found

Exit codes: 0 success, 1 the call failed (gRPC error), 2 usage error (bad
command line, unreadable token or CA file).

Examples:
  ndesctl list
  ndesctl --addr=gateway:50051 --token_file=/run/secrets/token get ndes-01
  ndesctl update ndes-01 --display_name="NDES-01 (primary)" --state=active
  ndesctl update ndes-01 --clear=machine_name,role_scope_tag_ids
)txt";

constexpr char kFieldOptionsHelp[] =
    R"txt(  --display_name=TEXT                  Graph displayName
  --state=none|active|inactive         Graph state
  --machine_name=TEXT                  Graph machineName
  --last_connection_date_time=TIME     Graph lastConnectionDateTime
  --enrolled_date_time=TIME            Graph enrolledDateTime
  --role_scope_tag_ids=ID,ID,...       Graph roleScopeTagIds (the whole list;
                                       an empty value is the empty list)
  --connector_version=TEXT             Graph connectorVersion
TIME is RFC 3339, such as 2026-11-28T10:15:30Z or 2026-11-28T02:15:30-08:00.
)txt";

std::string GetHelp() {
  return R"txt(Usage: ndesctl [GLOBAL OPTIONS] get ID

Prints the connector ID as JSON. NOT_FOUND (exit 1) if there is none.
)txt";
}

std::string ListHelp() {
  return R"txt(Usage: ndesctl [GLOBAL OPTIONS] list [--page_size=N]

Prints every connector, ordered by id, as one JSON array. Pages through the
whole collection, one call per page; when that takes more than a second, a
progress line ("listed 500 connectors...") goes to standard error. If a page
fails, nothing is printed on standard output and the exit code is 1.

Options:
  --page_size=N   connectors per call (default: the gateway's, 50; at most
                  1000)
)txt";
}

std::string CreateHelp() {
  return absl::StrCat(
      R"txt(Usage: ndesctl [GLOBAL OPTIONS] create [ID] [FIELD OPTIONS]

Creates a connector and prints it as stored, with its etag. Without ID the
gateway generates one (a UUID). ALREADY_EXISTS (exit 1) if ID is taken.

Field options (each optional):
)txt",
      kFieldOptionsHelp, R"txt(
Example:
  ndesctl create ndes-01 --display_name=NDES-01 --state=active \
      --machine_name=ndes01.contoso.local --role_scope_tag_ids=0,7
)txt");
}

std::string UpdateHelp() {
  return absl::StrCat(
      R"txt(Usage: ndesctl [GLOBAL OPTIONS] update ID [FIELD OPTIONS] [--clear=FIELD,...]
                    [--etag=ETAG] [--allow_missing]

Changes exactly the fields given as options, and nothing else: the update
mask is built from the options present. Prints the connector as now stored,
with its new etag. At least one field option or --clear is required.

Field options:
)txt",
      kFieldOptionsHelp, R"txt(
Other options:
  --clear=FIELD,...     clear these fields (Graph null; a list becomes empty,
                        state becomes none). FIELD is a name as above
                        (display_name) or Graph's (displayName); a field may
                        not be both set and cleared
  --etag=ETAG           update only if the connector still has this etag
                        (its @odata.etag); ABORTED (exit 1) otherwise
  --allow_missing       if the connector does not exist, create it from the
                        field options instead of failing with NOT_FOUND

Examples:
  ndesctl update ndes-01 --display_name="NDES-01 (primary)"
  ndesctl update ndes-01 --state=inactive --etag='W/"12"'
  ndesctl update ndes-01 --clear=machine_name,role_scope_tag_ids
)txt");
}

std::string DeleteHelp() {
  return R"txt(Usage: ndesctl [GLOBAL OPTIONS] delete ID [--etag=ETAG]

Deletes the connector ID. Prints nothing on success. NOT_FOUND (exit 1) if
there is none.

Options:
  --etag=ETAG   delete only if the connector still has this etag; ABORTED
                (exit 1) otherwise
)txt";
}

std::string HelpHelp() {
  return R"txt(Usage: ndesctl help [COMMAND]

Prints the overview, or the help of COMMAND (get, list, create, update,
delete, graph-probe). "ndesctl COMMAND --help" does the same.
)txt";
}

std::string GraphProbeHelp() {
  return R"txt(Usage: ndesctl [--timeout=DURATION] graph-probe [GRAPH OPTIONS] [--write]
                    [--page_size=N]

Checks a tenant's Microsoft Graph directly, with the gateway's own Graph
credentials and HTTP client, and prints what it does where Intune and Graph's
documentation differ. Run it before pointing a gateway at a tenant.

Read-only by default: a token, a List page (is $top honoured?), the
nextLinks (followed, checked for repeats), @odata.etag present, properties
and states the gateway does not know. With --write it also creates a
throw-away connector "ndes-gateway graph-probe (safe to delete)", updates it
(200 or 204?), with a matching and with a stale If-Match (honoured?), and
deletes it again; Graph's budget allows 100 writes per 20 s, the probe makes
five.

Each line is "ok", "NOTE" (Graph departs from its documentation; the gateway
copes, and the line says how) or "FAILED" (could not check: HTTP or auth
error). Exit code 0 when nothing FAILED, 1 otherwise, 2 for a usage error.

Graph options (the gateway's flags; each one left out is read from the
gateway's environment variable, NDES_GATEWAY_GRAPH_BASE_URL and so on, so
that in the gateway's container the probe uses the gateway's settings):
  --graph_base_url=URL            default https://graph.microsoft.com/beta
  --graph_auth=passthrough|client_credentials    default passthrough
  --graph_tenant_id=TENANT        client_credentials
  --graph_client_id=ID            client_credentials
  --graph_client_secret_file=PATH client_credentials
  --graph_token_url=URL           client_credentials, another cloud
  --graph_token_file=PATH         passthrough: the bearer token to send
                                  (a trailing newline is ignored)
Other options:
  --write                         also create, update and delete a connector
  --page_size=N                   $top of the first page (default 2)
The global --timeout bounds each request (default 10s).

Example:
  ndesctl graph-probe --graph_auth=client_credentials \
      --graph_tenant_id=contoso.onmicrosoft.com --graph_client_id=... \
      --graph_client_secret_file=/run/secrets/graph-client-secret --write
)txt";
}

}  // namespace

std::string OverviewHelpText() { return kOverviewHelp; }

std::string HelpTextOf(Command command) {
  switch (command) {
    case Command::kHelp:
      return HelpHelp();
    case Command::kGet:
      return GetHelp();
    case Command::kList:
      return ListHelp();
    case Command::kCreate:
      return CreateHelp();
    case Command::kUpdate:
      return UpdateHelp();
    case Command::kDelete:
      return DeleteHelp();
    case Command::kGraphProbe:
      return GraphProbeHelp();
  }
  return HelpHelp();
}

}  // namespace ndes::ndesctl
