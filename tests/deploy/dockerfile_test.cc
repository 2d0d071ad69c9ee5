// deploy/Dockerfile, read as text: the build stage uses the README's
// install script, the runtime stage is small, unprivileged and complete
// (it installs the package of every shared library the binaries need).
#include <cpprest/json.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "deploy/deploy_files.h"

namespace ndes::deploy_test {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Instruction {
  std::string keyword;    // upper case: FROM, RUN, ...
  std::string arguments;  // continuation lines joined with spaces
};
using Stage = std::vector<Instruction>;

// The instructions of each stage, comments dropped, continuations joined.
std::vector<Stage> ParseStages(const std::string& dockerfile) {
  std::vector<Stage> stages;
  std::istringstream lines(dockerfile);
  std::string line;
  std::string pending;
  auto flush = [&] {
    const std::string text(absl::StripAsciiWhitespace(pending));
    pending.clear();
    if (text.empty()) return;
    const size_t space = text.find_first_of(" \t");
    Instruction instruction{
        text.substr(0, space),
        space == std::string::npos
            ? ""
            : std::string(absl::StripAsciiWhitespace(text.substr(space)))};
    for (char& c : instruction.keyword) c = std::toupper(c);
    if (instruction.keyword == "FROM") stages.emplace_back();
    if (!stages.empty()) stages.back().push_back(instruction);
  };
  while (std::getline(lines, line)) {
    const std::string stripped(absl::StripLeadingAsciiWhitespace(line));
    if (absl::StartsWith(stripped, "#")) continue;  // comments and directives
    if (absl::EndsWith(line, "\\")) {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    pending += line;
    flush();
  }
  flush();
  return stages;
}

const std::vector<Stage>& Stages() {
  static const std::vector<Stage> kStages =
      ParseStages(ReadFile(SourceDir() / "deploy" / "Dockerfile"));
  return kStages;
}

std::vector<std::string> ArgumentsOf(const Stage& stage,
                                     const std::string& keyword) {
  std::vector<std::string> all;
  for (const Instruction& instruction : stage) {
    if (instruction.keyword == keyword) all.push_back(instruction.arguments);
  }
  return all;
}

// The packages of every `apt-get install` in the stage's RUN instructions.
std::set<std::string> AptInstalled(const Stage& stage) {
  std::set<std::string> packages;
  for (const std::string& run : ArgumentsOf(stage, "RUN")) {
    for (absl::string_view command : absl::StrSplit(run, "&&")) {
      std::vector<std::string> words =
          absl::StrSplit(command, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      if (words.size() < 2 || words[0] != "apt-get") continue;
      const auto install = std::find(words.begin(), words.end(), "install");
      if (install == words.end()) continue;
      for (auto word = install + 1; word != words.end(); ++word) {
        if (!absl::StartsWith(*word, "-")) packages.insert(*word);
      }
    }
  }
  return packages;
}

TEST(DockerfileTest, BuildStageUsesTheInstallScriptAndTheReadmeBuild) {
  ASSERT_THAT(Stages(), SizeIs(2));
  const Stage& build = Stages()[0];
  EXPECT_TRUE(absl::StartsWith(build[0].arguments, "debian:12 "))
      << build[0].arguments;
  const std::string runs = absl::StrJoin(ArgumentsOf(build, "RUN"), "\n");
  EXPECT_TRUE(std::regex_search(
      runs, std::regex(R"(\bbash +\S*deploy/install-deps\.sh\b)")))
      << "the build stage must install with deploy/install-deps.sh";
  EXPECT_TRUE(absl::StrContains(runs, "cmake -S . -B build -G Ninja"));
  EXPECT_TRUE(absl::StrContains(runs, "-DBUILD_TESTING=OFF"));
  EXPECT_TRUE(absl::StrContains(runs, "cmake --build build"));
  EXPECT_TRUE(absl::StrContains(runs, "cmake --install build"));
}

TEST(DockerfileTest, RuntimeStageIsSlimAndUnprivileged) {
  ASSERT_THAT(Stages(), SizeIs(2));
  const Stage& runtime = Stages()[1];
  EXPECT_EQ(runtime[0].arguments, "debian:12-slim");
  EXPECT_THAT(ArgumentsOf(runtime, "USER"),
              ::testing::ElementsAre(::testing::StartsWith("65532")));
  EXPECT_THAT(ArgumentsOf(runtime, "STOPSIGNAL"),
              ::testing::ElementsAre("SIGTERM"));
  const std::vector<std::string> entrypoint =
      ArgumentsOf(runtime, "ENTRYPOINT");
  ASSERT_THAT(entrypoint, SizeIs(1));
  // Exec form, so that the gateway is PID 1 and gets SIGTERM itself.
  const web::json::value json = web::json::value::parse(entrypoint[0]);
  ASSERT_TRUE(json.is_array()) << entrypoint[0];
  ASSERT_EQ(json.as_array().size(), 1u);
  EXPECT_EQ(json.as_array().at(0).as_string(), "ndes-gateway");

  std::set<std::string> exposed;
  for (const std::string& ports : ArgumentsOf(runtime, "EXPOSE")) {
    for (absl::string_view port :
         absl::StrSplit(ports, ' ', absl::SkipEmpty())) {
      exposed.insert(std::string(port));
    }
  }
  for (const char* port : {"50051", "50052", "9464"}) {
    EXPECT_THAT(exposed, Contains(port));
  }
  const std::string runs = absl::StrJoin(ArgumentsOf(runtime, "RUN"), "\n");
  EXPECT_TRUE(absl::StrContains(runs, "--no-install-recommends"));
  EXPECT_TRUE(absl::StrContains(runs, "rm -rf /var/lib/apt/lists/*"));
  // Nothing to build with in the runtime image.
  for (const std::string& package : AptInstalled(runtime)) {
    EXPECT_FALSE(absl::EndsWith(package, "-dev")) << package;
    EXPECT_NE(package, "g++");
    EXPECT_NE(package, "cmake");
  }
  bool copies_gateway = false;
  for (const std::string& copy : ArgumentsOf(runtime, "COPY")) {
    if (absl::StartsWith(copy, "--from=build") &&
        absl::StrContains(copy, "ndes-gateway")) {
      copies_gateway = true;
    }
  }
  EXPECT_TRUE(copies_gateway);
}

// The image's user is the one the manifests run as.
TEST(DockerfileTest, ManifestsRunAsTheImageUser) {
  const Kustomization base =
      LoadKustomization(SourceDir() / "deploy" / "kubernetes" / "base");
  int checked = 0;
  for (const YamlDocument& object : base.objects) {
    const std::optional<YAML::Node> pod_spec = PodSpecOf(object);
    if (!pod_spec) continue;
    EXPECT_EQ((*pod_spec)["securityContext"]["runAsUser"].as<int>(), 65532);
    EXPECT_EQ((*pod_spec)["securityContext"]["fsGroup"].as<int>(), 65532);
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

// soname -> the file the dynamic loader resolves it to, from ldd.
std::map<std::string, std::string> ResolvedLibraries(
    const std::string& binary) {
  std::map<std::string, std::string> resolved;
  const CommandResult ldd = RunCommand("ldd " + ShellQuote(binary));
  // "\tlibgrpc++.so.1.51 => /lib/x86_64-linux-gnu/libgrpc++.so.1.51 (0x...)"
  const std::regex line(R"(([^\s]+) => (/[^\s]+))");
  for (auto it =
           std::sregex_iterator(ldd.output.begin(), ldd.output.end(), line);
       it != std::sregex_iterator(); ++it) {
    resolved[(*it)[1].str()] = (*it)[2].str();
  }
  return resolved;
}

// The Debian package that holds each library file, by file name. Asks for
// both /lib/... and /usr/lib/... (Debian 12 merged /usr, and packages
// register either), in one dpkg call: each reads every package's file list.
std::map<std::string, std::string> PackagesOwning(
    const std::vector<std::string>& paths) {
  std::string command = "dpkg -S";
  for (const std::string& path : paths) {
    const std::string short_path =
        absl::StartsWith(path, "/usr/") ? path.substr(4) : path;
    command +=
        " " + ShellQuote(short_path) + " " + ShellQuote("/usr" + short_path);
  }
  std::map<std::string, std::string> owners;
  // "libgrpc29:amd64: /usr/lib/x86_64-linux-gnu/libgrpc.so.29"
  std::istringstream lines(RunCommand(command).output);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t separator = line.find(": /");
    if (separator == std::string::npos || absl::StartsWith(line, "dpkg")) {
      continue;
    }
    const std::string file =
        fs::path(line.substr(separator + 2)).filename().string();
    const std::string package = line.substr(0, separator);
    owners[file] = package.substr(0, package.find(':'));  // drop ":amd64"
  }
  return owners;
}

TEST(DockerfileTest, RuntimeStageInstallsEveryLibraryTheBinariesNeed) {
  if (RunCommand("command -v readelf && command -v ldd && command -v dpkg")
          .exit_code != 0) {
    GTEST_SKIP() << "needs readelf and dpkg (a Debian build machine)";
  }
  ASSERT_THAT(Stages(), SizeIs(2));
  const std::set<std::string> installed = AptInstalled(Stages()[1]);
  // In every debian:12-slim image already.
  const std::set<std::string> base_image = {"libc6", "libgcc-s1", "libstdc++6"};
  std::vector<std::string> missing;
  for (const std::string binary : {NDES_GATEWAY_BINARY, NDESCTL_BINARY}) {
    SCOPED_TRACE(binary);
    const CommandResult dynamic =
        RunCommand("readelf -d " + ShellQuote(binary));
    ASSERT_EQ(dynamic.exit_code, 0) << dynamic.output;
    // " 0x0000000000000001 (NEEDED)  Shared library: [libgrpc++.so.1.51]"
    const std::regex needed(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    std::set<std::string> sonames;
    for (auto it = std::sregex_iterator(dynamic.output.begin(),
                                        dynamic.output.end(), needed);
         it != std::sregex_iterator(); ++it) {
      sonames.insert((*it)[1].str());
    }
    const std::map<std::string, std::string> resolved =
        ResolvedLibraries(binary);
    std::vector<std::string> paths;
    for (const std::string& soname : sonames) {
      const auto path = resolved.find(soname);
      if (path == resolved.end()) {
        ADD_FAILURE() << "ldd does not resolve " << soname;
        continue;
      }
      paths.push_back(path->second);
    }
    const std::map<std::string, std::string> owners = PackagesOwning(paths);
    const size_t libraries = sonames.size();
    for (const std::string& soname : sonames) {
      const auto path = resolved.find(soname);
      if (path == resolved.end()) continue;
      const auto owner =
          owners.find(fs::path(path->second).filename().string());
      if (owner == owners.end()) {
        ADD_FAILURE() << "no Debian package holds " << path->second;
        continue;
      }
      if (base_image.count(owner->second) != 0) continue;
      if (installed.count(owner->second) == 0) {
        missing.push_back(owner->second + " (" + soname + " of " +
                          fs::path(binary).filename().string() + ")");
      }
    }
    EXPECT_GT(libraries, 3u);
  }
  EXPECT_THAT(missing, IsEmpty())
      << "add to the runtime stage's apt-get install: "
      << absl::StrJoin(missing, ", ");
}

}  // namespace
}  // namespace ndes::deploy_test
