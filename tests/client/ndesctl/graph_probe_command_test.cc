// `ndesctl graph-probe` end to end in-process: the command's options and the
// gateway's environment, the fake Graph behind them.
#include "ndesctl/graph_probe_command.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "gtest/gtest.h"
#include "ndesctl/commands.h"

namespace ndes::ndesctl {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphBehaviour;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class GraphProbeCommandTest : public ::testing::Test {
 protected:
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/graph-probe-", name);
    std::ofstream(path) << content;
    return path;
  }
  int Run(const std::vector<std::string>& args,
          std::map<std::string, std::string> environment = {}) {
    absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
    EXPECT_TRUE(invocation.ok()) << invocation.status();
    return RunGraphProbeCommand(
        *invocation, out_, err_,
        [environment](const std::string& name) -> std::optional<std::string> {
          auto it = environment.find(name);
          if (it == environment.end()) return std::nullopt;
          return it->second;
        });
  }

  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(GraphProbeCommandTest, ReadsTheGatewaysEnvironmentForWhatIsNotGiven) {
  FakeGraphServerOptions options;
  options.behaviour = FakeGraphBehaviour::IntuneLike();
  FakeGraphServer fake(options);
  fake.RequireIssuedToken();
  const std::map<std::string, std::string> environment = {
      {"NDES_GATEWAY_GRAPH_BASE_URL", fake.base_url()},
      {"NDES_GATEWAY_GRAPH_AUTH", "client_credentials"},
      {"NDES_GATEWAY_GRAPH_CLIENT_ID", fake.options().client_id},
      {"NDES_GATEWAY_GRAPH_TOKEN_URL", fake.token_url()},
      {"NDES_GATEWAY_GRAPH_CLIENT_SECRET_FILE",
       WriteFile("secret", fake.options().client_secret + "\n")}};
  EXPECT_EQ(Run({"graph-probe", "--graph_tenant_id=tenant-id", "--write"},
                environment),
            kExitOk)
      << err_.str();
  EXPECT_THAT(err_.str(), IsEmpty());
  EXPECT_THAT(out_.str(), HasSubstr("graph-probe of " + fake.base_url()));
  EXPECT_THAT(out_.str(), HasSubstr("a token was issued"));
  EXPECT_THAT(out_.str(), HasSubstr("assigned its own id"));
  EXPECT_EQ(fake.token_requests(), 1);
}

TEST_F(GraphProbeCommandTest, PassthroughSendsTheTokenOfTheTokenFile) {
  FakeGraphServer fake;
  fake.RequireAuthorization("Bearer probe-token");
  EXPECT_EQ(Run({"graph-probe", "--graph_base_url=" + fake.base_url(),
                 "--graph_token_file=" + WriteFile("token", "probe-token\n")}),
            kExitOk)
      << out_.str() << err_.str();
  EXPECT_FALSE(fake.requests(FakeEndpoint::kGraph).empty());
}

TEST_F(GraphProbeCommandTest, PassthroughWithoutATokenIsAUsageError) {
  EXPECT_EQ(Run({"graph-probe", "--graph_base_url=http://127.0.0.1:9/beta"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--graph_token_file"));
  EXPECT_THAT(out_.str(), IsEmpty());
}

TEST_F(GraphProbeCommandTest, ACheckThatFailsIsExitCodeOne) {
  FakeGraphServer fake;
  fake.RequireAuthorization("Bearer the-right-one");
  EXPECT_EQ(Run({"graph-probe", "--graph_base_url=" + fake.base_url(),
                 "--graph_token_file=" + WriteFile("wrong", "wrong")}),
            kExitCallFailed);
  EXPECT_THAT(out_.str(), HasSubstr("FAILED  list"));
  EXPECT_THAT(out_.str(), HasSubstr("401"));
}

TEST(RunNdesctlTest, GraphProbeGoesToItsRunnerOnly) {
  std::ostringstream out, err;
  EXPECT_EQ(RunNdesctl({"graph-probe"}, out, err), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("not built into"));
  bool ran = false;
  EXPECT_EQ(RunNdesctl({"graph-probe", "--write"}, out, err,
                       [&ran](const Invocation& invocation, std::ostream&,
                              std::ostream&) {
                         ran = invocation.graph_probe.write;
                         return 7;
                       }),
            7);
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace ndes::ndesctl
