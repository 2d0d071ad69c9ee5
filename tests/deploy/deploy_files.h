// Reading the deployment material under deploy/ for the structural tests of
// tests/deploy: files, YAML documents, what a kustomization builds, the
// gateway container's effective settings, and child commands.
//
// Nothing here asserts; the tests do. Functions that read YAML throw
// YAML::Exception on a syntax error, which GoogleTest reports as a failure
// of the calling test.
#ifndef NDES_TESTS_DEPLOY_DEPLOY_FILES_H_
#define NDES_TESTS_DEPLOY_DEPLOY_FILES_H_

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ndes::deploy_test {

// The repository's root, as configured by the build (NDES_SOURCE_DIR).
std::filesystem::path SourceDir();

// The whole file; empty if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// Every regular file below `root` whose name ends with one of `suffixes`,
// in sorted order.
std::vector<std::filesystem::path> FilesBelow(
    const std::filesystem::path& root,
    const std::vector<std::string>& suffixes);

struct CommandResult {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;  // standard output and standard error, interleaved
};
// Runs `command` with /bin/sh -c.
CommandResult RunCommand(const std::string& command);
// `text` as one single-quoted shell word.
std::string ShellQuote(const std::string& text);

// One YAML document (a Kubernetes object, a Kustomization, ...) and the file
// it came from.
struct YamlDocument {
  std::filesystem::path file;
  YAML::Node node;

  std::string Kind() const;
  std::string Name() const;  // metadata.name
};

// Every non-null document of a (multi-document) YAML file.
std::vector<YamlDocument> LoadYamlDocuments(const std::filesystem::path& file);

// What one kustomization.yaml builds.
struct Kustomization {
  std::filesystem::path dir;
  YAML::Node root;
  // The objects of its resources (files, and directories holding a
  // kustomization, recursively), plus one stub object (kind and
  // metadata.name only) for each configMapGenerator / secretGenerator.
  std::vector<YamlDocument> objects;
  // Every path it names (resources, patches, components, generator files
  // and envs), resolved against its directory, recursively.
  std::vector<std::filesystem::path> listed_files;
};
Kustomization LoadKustomization(const std::filesystem::path& dir);

// Every directory below `root` that holds a kustomization.yaml, sorted.
std::vector<std::filesystem::path> KustomizationDirsBelow(
    const std::filesystem::path& root);

// The object of that kind and name, or nullptr.
const YamlDocument* FindObject(const std::vector<YamlDocument>& objects,
                               const std::string& kind,
                               const std::string& name);

// The node at `path` below `node` (map keys), or a null node when any step
// is missing. yaml-cpp throws on indexing a missing child's child.
YAML::Node At(const YAML::Node& node, std::initializer_list<const char*> path);

// spec.template.spec of a Deployment, StatefulSet, DaemonSet or Job;
// std::nullopt for other kinds.
std::optional<YAML::Node> PodSpecOf(const YamlDocument& object);
// spec.template.metadata.labels as a map.
std::map<std::string, std::string> PodLabelsOf(const YamlDocument& object);

struct PodContainer {
  YAML::Node container;
  bool init = false;  // listed under initContainers
};
std::vector<PodContainer> ContainersOf(const YAML::Node& pod_spec);

// The manifests name the gateway's container "ndes-gateway" (the example
// application runs the same image, for ndesctl, under another name).
inline constexpr char kGatewayContainerName[] = "ndes-gateway";
bool IsGatewayContainer(const YAML::Node& container);

// The gateway container's effective settings as flag name -> value, in the
// order the binary applies them: NDES_GATEWAY_<FLAG> variables from envFrom
// ConfigMaps, then from env (plain values), then --flag=value arguments.
std::map<std::string, std::string> GatewaySettings(
    const YAML::Node& container, const std::vector<YamlDocument>& objects);

// "NDES_GATEWAY_HEALTH_LISTEN" -> "health_listen"; "" for other names.
std::string FlagOfVariable(const std::string& variable);

// The port of "host:port" or "[v6]:port"; std::nullopt for "unix:..." or
// anything without a numeric port.
std::optional<int> PortOf(const std::string& address);
// The host of "host:port" / "[v6]:port", brackets removed.
std::string HostOf(const std::string& address);

// A Kubernetes quantity in base units: "50m" -> 0.05, "64Mi" -> 67108864,
// "1" -> 1. std::nullopt if it does not parse.
std::optional<double> ParseQuantity(const std::string& quantity);

// The names of the time series an expression selects: every identifier that
// is not a function, keyword, label name or Grafana variable. Good enough
// for the project's own dashboard and rules, not a full PromQL parser.
std::vector<std::string> MetricNamesIn(const std::string& promql);

// The metric names of the gateway's contract, histograms by base name.
const std::vector<std::string>& ContractCounterAndGaugeNames();
const std::vector<std::string>& ContractHistogramNames();
// True for a contract name, or a histogram's _bucket/_sum/_count series.
bool IsContractSeries(const std::string& name);

}  // namespace ndes::deploy_test

#endif  // NDES_TESTS_DEPLOY_DEPLOY_FILES_H_
