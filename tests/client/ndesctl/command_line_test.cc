#include "ndesctl/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::ndesctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> MaskOf(const Invocation& invocation) {
  const auto request = invocation.update->ToRequest();
  return {request.update_mask().paths().begin(),
          request.update_mask().paths().end()};
}

Invocation Parse(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  EXPECT_TRUE(invocation.ok()) << invocation.status();
  return invocation.ok() ? *std::move(invocation) : Invocation();
}

// The message of the usage error `args` must produce.
std::string UsageErrorOf(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  EXPECT_EQ(invocation.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(invocation.status().message());
}

TEST(CommandLineTest, GetTakesAnIdAndDefaultConnection) {
  const Invocation invocation = Parse({"get", "ndes-01"});
  EXPECT_EQ(invocation.command, Command::kGet);
  EXPECT_EQ(invocation.id, "ndes-01");
  EXPECT_EQ(invocation.connection.addr, "127.0.0.1:50051");
  EXPECT_EQ(invocation.connection.timeout, absl::Seconds(10));
  EXPECT_FALSE(invocation.connection.tls);
}

TEST(CommandLineTest, GlobalOptionsGoBeforeTheCommandInBothForms) {
  const Invocation invocation =
      Parse({"--addr", "unix:/run/gw.sock", "--token_file=/run/token",
             "--timeout=2500ms", "list"});
  EXPECT_EQ(invocation.connection.addr, "unix:/run/gw.sock");
  EXPECT_EQ(invocation.connection.token_file, "/run/token");
  EXPECT_EQ(invocation.connection.timeout, absl::Milliseconds(2500));
  EXPECT_EQ(invocation.command, Command::kList);
}

TEST(CommandLineTest, GlobalOptionAfterTheCommandSaysWhereItBelongs) {
  EXPECT_THAT(UsageErrorOf({"get", "x", "--addr=h:1"}),
              HasSubstr("--addr is a global option: give it before the "
                        "command"));
}

TEST(CommandLineTest, TlsFlagsParse) {
  EXPECT_TRUE(Parse({"--tls", "list"}).connection.tls);
  EXPECT_FALSE(Parse({"--tls=false", "list"}).connection.tls);
  const Invocation with_ca = Parse({"--tls_ca_file=/etc/ca.pem", "list"});
  EXPECT_TRUE(with_ca.connection.tls);
  EXPECT_EQ(with_ca.connection.tls_ca_file, "/etc/ca.pem");
  EXPECT_THAT(UsageErrorOf({"--tls=false", "--tls_ca_file=/c", "list"}),
              HasSubstr("implies TLS"));
  EXPECT_THAT(UsageErrorOf({"--tls=maybe", "list"}),
              HasSubstr("true or false"));
}

TEST(CommandLineTest, TokenAndTokenFileExcludeEachOther) {
  EXPECT_EQ(Parse({"--token=abc", "list"}).connection.token, "abc");
  EXPECT_THAT(UsageErrorOf({"--token=abc", "--token_file=/t", "list"}),
              HasSubstr("not both"));
}

TEST(CommandLineTest, BadTimeoutIsRefused) {
  EXPECT_THAT(UsageErrorOf({"--timeout=soon", "list"}), HasSubstr("30s"));
  EXPECT_THAT(UsageErrorOf({"--timeout=0s", "list"}), HasSubstr("positive"));
}

TEST(CommandLineTest, UpdateMaskHoldsExactlyTheFlagsGivenInOrder) {
  const Invocation invocation =
      Parse({"update", "ndes-01", "--state=inactive", "--display_name", "X"});
  EXPECT_EQ(invocation.command, Command::kUpdate);
  EXPECT_EQ(invocation.id, "ndes-01");
  EXPECT_THAT(MaskOf(invocation), ElementsAre("state", "display_name"));
  const auto request = invocation.update->ToRequest();
  EXPECT_EQ(request.ndes_connector().id(), "ndes-01");
  EXPECT_EQ(request.ndes_connector().display_name(), "X");
  EXPECT_EQ(request.ndes_connector().state(),
            v1::NDES_CONNECTOR_STATE_INACTIVE);
  EXPECT_FALSE(request.allow_missing());
  EXPECT_TRUE(request.ndes_connector().etag().empty());
}

TEST(CommandLineTest, UpdateDisplayNameAloneMasksOnlyDisplayName) {
  EXPECT_THAT(MaskOf(Parse({"update", "c", "--display_name=X"})),
              ElementsAre("display_name"));
}

TEST(CommandLineTest, UpdateAcceptsEveryFieldFlag) {
  const Invocation invocation =
      Parse({"update", "c", "--display_name=D", "--state=active",
             "--machine_name=m.contoso.local",
             "--last_connection_date_time=2026-11-28T02:15:30.5-08:00",
             "--enrolled_date_time=2025-01-02T03:04:05Z",
             "--role_scope_tag_ids=0,7", "--connector_version=6.2301.1.0"});
  EXPECT_THAT(MaskOf(invocation),
              ElementsAre("display_name", "state", "machine_name",
                          "last_connection_date_time", "enrolled_date_time",
                          "role_scope_tag_ids", "connector_version"));
  const auto connector = invocation.update->ToRequest().ndes_connector();
  EXPECT_EQ(connector.state(), v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_EQ(connector.machine_name(), "m.contoso.local");
  // 2026-11-28T10:15:30.5Z
  EXPECT_EQ(connector.last_connection_date_time().seconds(), 1795860930);
  EXPECT_EQ(connector.last_connection_date_time().nanos(), 500000000);
  EXPECT_EQ(connector.enrolled_date_time().seconds(), 1735787045);
  EXPECT_THAT(connector.role_scope_tag_ids(), ElementsAre("0", "7"));
  EXPECT_EQ(connector.connector_version(), "6.2301.1.0");
}

TEST(CommandLineTest, EmptyTagListSetsTheEmptyList) {
  const Invocation invocation = Parse({"update", "c", "--role_scope_tag_ids="});
  EXPECT_THAT(MaskOf(invocation), ElementsAre("role_scope_tag_ids"));
  EXPECT_EQ(
      invocation.update->ToRequest().ndes_connector().role_scope_tag_ids_size(),
      0);
}

TEST(CommandLineTest, ClearTakesProtoAndGraphNames) {
  const Invocation invocation =
      Parse({"update", "c", "--clear=machine_name,roleScopeTagIds",
             "--etag=W/\"4\"", "--allow_missing"});
  EXPECT_THAT(MaskOf(invocation),
              ElementsAre("machine_name", "role_scope_tag_ids"));
  EXPECT_EQ(invocation.update->etag(), "W/\"4\"");
  EXPECT_TRUE(invocation.update->allow_missing());
}

TEST(CommandLineTest, UpdateUsageErrors) {
  EXPECT_THAT(UsageErrorOf({"update", "c"}), HasSubstr("nothing to update"));
  EXPECT_THAT(UsageErrorOf({"update", "--display_name=x"}),
              HasSubstr("missing argument"));
  EXPECT_THAT(UsageErrorOf({"update", "a", "b", "--display_name=x"}),
              HasSubstr("too many arguments"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--state=enabled"}),
              HasSubstr("none, active or inactive"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--enrolled_date_time=yesterday"}),
              HasSubstr("RFC 3339"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--clear=colour"}),
              HasSubstr("\"colour\" is not a writable field"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--clear=id"}),
              HasSubstr("\"id\" is not a writable field"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--clear="}),
              HasSubstr("at least one field"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--state=none", "--clear=state"}),
              HasSubstr("contradict"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--role_scope_tag_ids=a,,b"}),
              HasSubstr("empty item"));
  EXPECT_THAT(
      UsageErrorOf({"update", "c", "--display_name=a", "--display_name=b"}),
      HasSubstr("given twice"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--colour=red"}),
              HasSubstr("unknown option --colour for update"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--display_name"}),
              HasSubstr("--display_name needs a value"));
  EXPECT_THAT(UsageErrorOf({"update", "c", "--etag="}),
              HasSubstr("--etag must not be empty"));
}

TEST(CommandLineTest, DoubleDashLetsAnIdStartWithADash) {
  EXPECT_EQ(Parse({"get", "--", "-odd-id"}).id, "-odd-id");
  EXPECT_EQ(Parse({"update", "--display_name=x", "--", "-odd"}).id, "-odd");
}

TEST(CommandLineTest, CreateTakesAnOptionalIdAndFieldFlags) {
  const Invocation with_id =
      Parse({"create", "ndes-01", "--display_name=NDES-01", "--state=active"});
  EXPECT_EQ(with_id.command, Command::kCreate);
  EXPECT_EQ(with_id.connector.id(), "ndes-01");
  EXPECT_EQ(with_id.connector.display_name(), "NDES-01");
  EXPECT_EQ(with_id.connector.state(), v1::NDES_CONNECTOR_STATE_ACTIVE);
  EXPECT_EQ(Parse({"create"}).connector.id(), "");
  EXPECT_THAT(UsageErrorOf({"create", "x", "--clear=state"}),
              HasSubstr("unknown option --clear for create"));
}

TEST(CommandLineTest, ListAndDeleteOptions) {
  EXPECT_EQ(Parse({"list", "--page_size=7"}).page_size, 7);
  EXPECT_THAT(UsageErrorOf({"list", "--page_size=-1"}), HasSubstr("0 or more"));
  EXPECT_THAT(UsageErrorOf({"list", "extra"}), HasSubstr("too many"));
  const Invocation del = Parse({"delete", "c", "--etag", "W/\"9\""});
  EXPECT_EQ(del.command, Command::kDelete);
  EXPECT_EQ(del.id, "c");
  EXPECT_EQ(del.etag, "W/\"9\"");
}

TEST(CommandLineTest, HelpInEveryForm) {
  EXPECT_EQ(Parse({"--help"}).command, Command::kHelp);
  EXPECT_EQ(Parse({"--help"}).help_topic, "");
  EXPECT_EQ(Parse({"-h"}).help_topic, "");
  EXPECT_EQ(Parse({"help"}).help_topic, "");
  EXPECT_EQ(Parse({"help", "update"}).help_topic, "update");
  // Help wins over whatever else is wrong on the line.
  const Invocation update_help = Parse({"update", "--help", "--colour=x"});
  EXPECT_EQ(update_help.command, Command::kHelp);
  EXPECT_EQ(update_help.help_topic, "update");
  EXPECT_EQ(Parse({"--addr=h:1", "list", "-h"}).help_topic, "list");
  EXPECT_THAT(UsageErrorOf({"help", "frobnicate"}),
              HasSubstr("unknown command \"frobnicate\""));
}

TEST(CommandLineTest, MissingOrUnknownCommandListsTheCommands) {
  EXPECT_THAT(UsageErrorOf({}), HasSubstr("no command given"));
  EXPECT_THAT(UsageErrorOf({"--addr=h:1"}), HasSubstr("no command given"));
  EXPECT_THAT(UsageErrorOf({"patch", "x"}),
              HasSubstr("get, list, create, update, delete"));
  EXPECT_THAT(UsageErrorOf({"--bogus", "list"}),
              HasSubstr("unknown option --bogus before the command"));
}

TEST(CommandHelpTest, EveryCommandDocumentsItsOptions) {
  const std::pair<const char*, std::vector<const char*>> expected[] = {
      {"get", {"get ID"}},
      {"list", {"--page_size", "JSON array", "listed"}},
      {"create", {"create [ID]", "--display_name", "--role_scope_tag_ids"}},
      {"update",
       {"update ID", "--display_name", "--state=none|active|inactive",
        "--machine_name", "--last_connection_date_time", "--enrolled_date_time",
        "--role_scope_tag_ids", "--connector_version", "--clear", "--etag",
        "--allow_missing", "RFC 3339"}},
      {"delete", {"delete ID", "--etag"}},
      {"help", {"help [COMMAND]"}},
  };
  for (const auto& [command, parts] : expected) {
    absl::StatusOr<std::string> help = CommandHelp(command);
    ASSERT_TRUE(help.ok()) << command;
    for (const char* part : parts) {
      EXPECT_THAT(*help, HasSubstr(part)) << command;
    }
  }
  for (const char* part : {"--addr", "--token", "--token_file", "--tls",
                           "--tls_ca_file", "--timeout", "Exit codes"}) {
    EXPECT_THAT(OverviewHelp(), HasSubstr(part));
  }
}

}  // namespace
TEST(CommandLineTest, GraphProbeTakesTheGatewaysGraphFlags) {
  const Invocation invocation = Parse(
      {"--timeout=20s", "graph-probe", "--graph_auth=client_credentials",
       "--graph_tenant_id", "contoso.onmicrosoft.com",
       "--graph_client_secret_file=/run/secret", "--write", "--page_size=3"});
  EXPECT_EQ(invocation.command, Command::kGraphProbe);
  EXPECT_EQ(invocation.connection.timeout, absl::Seconds(20));
  EXPECT_TRUE(invocation.graph_probe.write);
  EXPECT_EQ(invocation.graph_probe.page_size, 3);
  EXPECT_EQ(invocation.graph_probe.graph_flags.at("graph_auth"),
            "client_credentials");
  EXPECT_EQ(invocation.graph_probe.graph_flags.at("graph_tenant_id"),
            "contoso.onmicrosoft.com");
  EXPECT_EQ(invocation.graph_probe.graph_flags.count("graph_client_id"), 0u);
  EXPECT_FALSE(Parse({"graph-probe"}).graph_probe.write);
}

TEST(CommandLineTest, GraphProbeRefusesWhatItDoesNotTake) {
  EXPECT_THAT(UsageErrorOf({"graph-probe", "--display_name=x"}),
              HasSubstr("unknown option --display_name"));
  EXPECT_THAT(UsageErrorOf({"graph-probe", "ndes-01"}),
              HasSubstr("too many arguments"));
  EXPECT_THAT(UsageErrorOf({"graph-probe", "--page_size=0"}),
              HasSubstr("--page_size"));
  EXPECT_THAT(*CommandHelp("graph-probe"), HasSubstr("--write"));
  EXPECT_THAT(OverviewHelp(), HasSubstr("graph-probe"));
}

}  // namespace ndes::ndesctl
