#include "deploy/deploy_files.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace ndes::deploy_test {
namespace fs = std::filesystem;

fs::path SourceDir() { return fs::path(NDES_SOURCE_DIR); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<fs::path> FilesBelow(const fs::path& root,
                                 const std::vector<std::string>& suffixes) {
  std::vector<fs::path> files;
  if (!fs::is_directory(root)) return files;
  for (const fs::directory_entry& entry :
       fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    for (const std::string& suffix : suffixes) {
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
              0) {
        files.push_back(entry.path());
        break;
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), read);
  }
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string YamlDocument::Kind() const {
  return node["kind"] ? node["kind"].as<std::string>() : "";
}

std::string YamlDocument::Name() const {
  return node["metadata"] && node["metadata"]["name"]
             ? node["metadata"]["name"].as<std::string>()
             : "";
}

std::vector<YamlDocument> LoadYamlDocuments(const fs::path& file) {
  std::vector<YamlDocument> documents;
  for (const YAML::Node& node : YAML::LoadAllFromFile(file.string())) {
    if (node.IsNull()) continue;
    documents.push_back({file, node});
  }
  return documents;
}

namespace {

bool IsRemote(const std::string& reference) {
  return reference.find("://") != std::string::npos ||
         reference.rfind("github.com/", 0) == 0;
}

// A generator's stub object, with the data of its literals.
YamlDocument GeneratedObject(const fs::path& file, const std::string& kind,
                             const YAML::Node& generator) {
  YAML::Node node;
  node["kind"] = kind;
  node["metadata"]["name"] = generator["name"].as<std::string>();
  if (const YAML::Node literals = generator["literals"]) {
    for (const YAML::Node& literal : literals) {
      const std::string text = literal.as<std::string>();
      const size_t equals = text.find('=');
      if (equals == std::string::npos) continue;
      node["data"][text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  return {file, node};
}

void LoadInto(const fs::path& dir, Kustomization& out, int depth) {
  const fs::path file = dir / "kustomization.yaml";
  if (!fs::exists(file) || depth > 8) return;
  const YAML::Node root = YAML::LoadFile(file.string());
  if (depth == 0) out.root = root;
  auto list = [&](const YAML::Node& entries, auto&& each) {
    if (!entries || !entries.IsSequence()) return;
    for (const YAML::Node& entry : entries) each(entry);
  };
  auto add_path = [&](const std::string& relative) -> std::optional<fs::path> {
    if (IsRemote(relative)) return std::nullopt;
    const fs::path path = (dir / relative).lexically_normal();
    out.listed_files.push_back(path);
    return path;
  };
  auto add_resource = [&](const YAML::Node& entry) {
    const std::optional<fs::path> path = add_path(entry.as<std::string>());
    if (!path || !fs::exists(*path)) return;
    if (fs::is_directory(*path)) {
      LoadInto(*path, out, depth + 1);
    } else {
      for (YamlDocument& document : LoadYamlDocuments(*path)) {
        out.objects.push_back(std::move(document));
      }
    }
  };
  list(root["resources"], add_resource);
  list(root["components"], add_resource);
  list(root["patches"], [&](const YAML::Node& entry) {
    if (entry["path"]) add_path(entry["path"].as<std::string>());
  });
  list(root["patchesStrategicMerge"],
       [&](const YAML::Node& entry) { add_path(entry.as<std::string>()); });
  for (const auto& generator_kind :
       {std::pair<const char*, const char*>{"configMapGenerator", "ConfigMap"},
        {"secretGenerator", "Secret"}}) {
    // A named variable, not a structured binding: lambdas cannot capture
    // those in C++17.
    const char* kind = generator_kind.second;
    list(root[generator_kind.first], [&](const YAML::Node& generator) {
      out.objects.push_back(GeneratedObject(file, kind, generator));
      list(generator["files"], [&](const YAML::Node& entry) {
        // "key=path" or "path".
        const std::string text = entry.as<std::string>();
        const size_t equals = text.find('=');
        add_path(equals == std::string::npos ? text : text.substr(equals + 1));
      });
      list(generator["envs"],
           [&](const YAML::Node& entry) { add_path(entry.as<std::string>()); });
    });
  }
}

}  // namespace

Kustomization LoadKustomization(const fs::path& dir) {
  Kustomization kustomization;
  kustomization.dir = dir;
  LoadInto(dir, kustomization, 0);
  return kustomization;
}

std::vector<fs::path> KustomizationDirsBelow(const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const fs::path& file : FilesBelow(root, {"kustomization.yaml"})) {
    if (file.filename() == "kustomization.yaml") {
      dirs.push_back(file.parent_path());
    }
  }
  return dirs;
}

const YamlDocument* FindObject(const std::vector<YamlDocument>& objects,
                               const std::string& kind,
                               const std::string& name) {
  for (const YamlDocument& object : objects) {
    if (object.Kind() == kind && object.Name() == name) return &object;
  }
  return nullptr;
}

YAML::Node At(const YAML::Node& node, std::initializer_list<const char*> path) {
  YAML::Node current = YAML::Clone(node);
  for (const char* key : path) {
    if (!current.IsMap() || !current[key])
      return YAML::Node(YAML::NodeType::Null);
    current = current[key];
  }
  return current;
}

std::optional<YAML::Node> PodSpecOf(const YamlDocument& object) {
  static const std::set<std::string> kWorkloads = {"Deployment", "StatefulSet",
                                                   "DaemonSet", "Job"};
  if (kWorkloads.count(object.Kind()) == 0) return std::nullopt;
  const YAML::Node spec = object.node["spec"]["template"]["spec"];
  if (!spec) return std::nullopt;
  return spec;
}

std::map<std::string, std::string> PodLabelsOf(const YamlDocument& object) {
  std::map<std::string, std::string> labels;
  const YAML::Node node = object.node["spec"]["template"]["metadata"]["labels"];
  if (!node) return labels;
  for (const auto& entry : node) {
    labels[entry.first.as<std::string>()] = entry.second.as<std::string>();
  }
  return labels;
}

std::vector<PodContainer> ContainersOf(const YAML::Node& pod_spec) {
  std::vector<PodContainer> containers;
  for (const auto& [key, init] :
       {std::pair<const char*, bool>{"initContainers", true},
        {"containers", false}}) {
    const YAML::Node list = pod_spec[key];
    if (!list) continue;
    for (const YAML::Node& container : list) {
      containers.push_back({container, init});
    }
  }
  return containers;
}

bool IsGatewayContainer(const YAML::Node& container) {
  return container["name"] &&
         container["name"].as<std::string>() == kGatewayContainerName;
}

std::string FlagOfVariable(const std::string& variable) {
  static const std::string kPrefix = "NDES_GATEWAY_";
  if (variable.rfind(kPrefix, 0) != 0 || variable.size() == kPrefix.size()) {
    return "";
  }
  std::string flag = variable.substr(kPrefix.size());
  std::transform(flag.begin(), flag.end(), flag.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return flag;
}

std::map<std::string, std::string> GatewaySettings(
    const YAML::Node& container, const std::vector<YamlDocument>& objects) {
  std::map<std::string, std::string> settings;
  if (const YAML::Node env_from = container["envFrom"]) {
    for (const YAML::Node& source : env_from) {
      if (!source["configMapRef"]) continue;
      const YamlDocument* config_map =
          FindObject(objects, "ConfigMap",
                     source["configMapRef"]["name"].as<std::string>());
      if (config_map == nullptr || !config_map->node["data"]) continue;
      for (const auto& entry : config_map->node["data"]) {
        const std::string flag = FlagOfVariable(entry.first.as<std::string>());
        if (!flag.empty()) settings[flag] = entry.second.as<std::string>();
      }
    }
  }
  if (const YAML::Node env = container["env"]) {
    for (const YAML::Node& variable : env) {
      const std::string flag =
          FlagOfVariable(variable["name"].as<std::string>());
      if (flag.empty()) continue;
      settings[flag] = variable["value"] ? variable["value"].as<std::string>()
                                         : "(valueFrom)";
    }
  }
  if (const YAML::Node args = container["args"]) {
    for (const YAML::Node& arg : args) {
      const std::string text = arg.as<std::string>();
      if (text.rfind("--", 0) != 0) continue;
      const size_t equals = text.find('=');
      if (equals == std::string::npos) {
        settings[text.substr(2)] = "true";
      } else {
        settings[text.substr(2, equals - 2)] = text.substr(equals + 1);
      }
    }
  }
  return settings;
}

std::optional<int> PortOf(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) return std::nullopt;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return std::nullopt;
  }
  const std::string digits = address.substr(colon + 1);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::stoi(digits);
}

std::string HostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host =
      colon == std::string::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

std::optional<double> ParseQuantity(const std::string& quantity) {
  static const std::regex kQuantity(R"(^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$)");
  static const std::map<std::string, double> kUnits = {{"", 1},
                                                       {"m", 1e-3},
                                                       {"k", 1e3},
                                                       {"M", 1e6},
                                                       {"G", 1e9},
                                                       {"T", 1e12},
                                                       {"Ki", 1024.0},
                                                       {"Mi", 1048576.0},
                                                       {"Gi", 1073741824.0},
                                                       {"Ti", 1099511627776.0}};
  std::smatch match;
  if (!std::regex_match(quantity, match, kQuantity)) return std::nullopt;
  const auto unit = kUnits.find(match[2].str());
  if (unit == kUnits.end()) return std::nullopt;
  return std::stod(match[1].str()) * unit->second;
}

std::vector<std::string> MetricNamesIn(const std::string& promql) {
  std::string text = promql;
  // Erase what cannot hold a metric name: strings, label matchers, ranges,
  // grouping clauses, Grafana variables.
  for (const char* pattern :
       {R"("(?:[^"\\]|\\.)*")", R"('(?:[^'\\]|\\.)*')", R"(`[^`]*`)",
        R"(\{[^}]*\})", R"(\[[^\]]*\])",
        R"(\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))",
        R"(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*)"}) {
    text = std::regex_replace(text, std::regex(pattern), " ");
  }
  static const std::set<std::string> kKeywords = {
      "and",      "or",         "unless",      "by",     "without", "on",
      "ignoring", "group_left", "group_right", "offset", "bool",    "inf",
      "nan",      "Inf",        "NaN",         "atan2"};
  std::vector<std::string> names;
  static const std::regex kIdentifier(R"([A-Za-z_:][A-Za-z0-9_:]*)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kIdentifier);
       it != std::sregex_iterator(); ++it) {
    const size_t begin = it->position();
    const size_t end = begin + it->length();
    // Part of a number or duration (1e3, 5m).
    if (begin > 0 &&
        (std::isalnum(static_cast<unsigned char>(text[begin - 1])) ||
         text[begin - 1] == '.')) {
      continue;
    }
    const std::string name = it->str();
    if (kKeywords.count(name) != 0) continue;
    // A function: followed by "(".
    size_t next = end;
    while (next < text.size() &&
           std::isspace(static_cast<unsigned char>(text[next]))) {
      ++next;
    }
    if (next < text.size() && text[next] == '(') continue;
    names.push_back(name);
  }
  return names;
}

const std::vector<std::string>& ContractCounterAndGaugeNames() {
  static const std::vector<std::string> kNames = {
      "grpc_server_started_total",
      "grpc_server_handled_total",
      "ndes_gateway_build_info",
      "ndes_gateway_calls_in_flight",
      "ndes_gateway_store_operations_total",
      "ndes_gateway_graph_requests_total",
      "ndes_gateway_graph_retries_total",
      "ndes_gateway_graph_throttled_total",
      "ndes_gateway_graph_throttle_wait_seconds_total",
      "ndes_gateway_graph_token_requests_total",
      "ndes_gateway_auth_refusals_total",
      "process_resident_memory_bytes",
      "process_cpu_seconds_total",
  };
  return kNames;
}

const std::vector<std::string>& ContractHistogramNames() {
  static const std::vector<std::string> kNames = {
      "grpc_server_handling_seconds",
      "ndes_gateway_store_operation_duration_seconds",
      "ndes_gateway_sqlite_commit_batch_size",
  };
  return kNames;
}

bool IsContractSeries(const std::string& name) {
  const auto& plain = ContractCounterAndGaugeNames();
  if (std::find(plain.begin(), plain.end(), name) != plain.end()) return true;
  for (const std::string& histogram : ContractHistogramNames()) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name == histogram + suffix) return true;
    }
  }
  return false;
}

}  // namespace ndes::deploy_test
