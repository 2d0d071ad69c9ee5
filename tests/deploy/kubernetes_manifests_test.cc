// The Kubernetes manifests under deploy/kubernetes, checked for the structure
// operators rely on: the native sidecar, probes that reach the health
// listener, the locked-down container, references that resolve, and flags
// the binary really has. No cluster is needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "deploy/deploy_files.h"

namespace ndes::deploy_test {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

fs::path KubernetesDir() { return SourceDir() / "deploy" / "kubernetes"; }

// Every kustomization (base, overlays, monitoring), loaded once.
const std::vector<Kustomization>& AllKustomizations() {
  static const std::vector<Kustomization> kAll = [] {
    std::vector<Kustomization> all;
    for (const fs::path& dir : KustomizationDirsBelow(KubernetesDir())) {
      all.push_back(LoadKustomization(dir));
    }
    return all;
  }();
  return kAll;
}

const Kustomization& KustomizationAt(const std::string& relative) {
  const fs::path dir = KubernetesDir() / relative;
  for (const Kustomization& kustomization : AllKustomizations()) {
    if (kustomization.dir == dir) return kustomization;
  }
  static const Kustomization kNone;
  ADD_FAILURE() << "no kustomization.yaml in " << dir;
  return kNone;
}

// One gateway container with the Pod and the kustomization it belongs to.
struct GatewayInPod {
  const Kustomization* kustomization;
  const YamlDocument* workload;
  YAML::Node pod_spec;
  PodContainer gateway;

  std::string Where() const {
    return workload->file.string() + " (" + workload->Name() + ")";
  }
  std::map<std::string, std::string> Settings() const {
    return GatewaySettings(gateway.container, kustomization->objects);
  }
};

std::vector<GatewayInPod> AllGateways() {
  std::vector<GatewayInPod> gateways;
  for (const Kustomization& kustomization : AllKustomizations()) {
    for (const YamlDocument& object : kustomization.objects) {
      const std::optional<YAML::Node> pod_spec = PodSpecOf(object);
      if (!pod_spec) continue;
      for (const PodContainer& container : ContainersOf(*pod_spec)) {
        if (IsGatewayContainer(container.container)) {
          gateways.push_back({&kustomization, &object, *pod_spec, container});
        }
      }
    }
  }
  return gateways;
}

std::string Str(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : "";
}

// The mounts of a container as mountPath -> volume name.
std::map<std::string, std::string> MountsOf(const YAML::Node& container) {
  std::map<std::string, std::string> mounts;
  if (const YAML::Node list = container["volumeMounts"]) {
    for (const YAML::Node& mount : list) {
      mounts[Str(mount["mountPath"])] = Str(mount["name"]);
    }
  }
  return mounts;
}

YAML::Node VolumeNamed(const YAML::Node& pod_spec, const std::string& name) {
  if (const YAML::Node volumes = pod_spec["volumes"]) {
    for (const YAML::Node& volume : volumes) {
      if (Str(volume["name"]) == name) return volume;
    }
  }
  return YAML::Node();
}

// The volume mounted at the deepest mountPath that contains `path`, or "".
std::string VolumeHolding(const YAML::Node& container, const std::string& path,
                          std::string* mount_path = nullptr) {
  std::string best;
  std::string best_volume;
  for (const auto& [mount, volume] : MountsOf(container)) {
    const std::string prefix = mount.back() == '/' ? mount : mount + "/";
    if (absl::StartsWith(path, prefix) && mount.size() > best.size()) {
      best = mount;
      best_volume = volume;
    }
  }
  if (mount_path != nullptr) *mount_path = best;
  return best_volume;
}

TEST(KubernetesManifestsTest, EveryYamlFileParsesIntoNamedObjects) {
  const std::vector<fs::path> files =
      FilesBelow(KubernetesDir(), {".yaml", ".yml"});
  ASSERT_GE(files.size(), 10u) << "deploy/kubernetes looks empty";
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::vector<YamlDocument> documents;
    ASSERT_NO_THROW(documents = LoadYamlDocuments(file));
    ASSERT_THAT(documents, Not(IsEmpty()));
    for (const YamlDocument& document : documents) {
      EXPECT_TRUE(document.node["apiVersion"]) << "no apiVersion";
      EXPECT_FALSE(document.Kind().empty()) << "no kind";
      if (document.Kind() != "Kustomization") {
        EXPECT_FALSE(document.Name().empty()) << "no metadata.name";
      }
    }
  }
}

TEST(KubernetesManifestsTest, EveryPathAKustomizationListsExists) {
  ASSERT_GE(AllKustomizations().size(), 3u);
  for (const Kustomization& kustomization : AllKustomizations()) {
    SCOPED_TRACE(kustomization.dir.string());
    EXPECT_EQ(Str(kustomization.root["kind"]), "Kustomization");
    EXPECT_THAT(kustomization.listed_files, Not(IsEmpty()));
    for (const fs::path& path : kustomization.listed_files) {
      EXPECT_TRUE(fs::exists(path)) << path << " is listed but missing";
    }
  }
}

// A manifest that no kustomization lists is never applied: a stale copy or
// a forgotten entry.
TEST(KubernetesManifestsTest, EveryManifestBelongsToAKustomization) {
  std::set<fs::path> listed;
  for (const Kustomization& kustomization : AllKustomizations()) {
    listed.insert(kustomization.listed_files.begin(),
                  kustomization.listed_files.end());
  }
  for (const fs::path& file : FilesBelow(KubernetesDir(), {".yaml", ".yml"})) {
    if (file.filename() == "kustomization.yaml") continue;
    EXPECT_TRUE(listed.count(file.lexically_normal()) != 0)
        << file << " is listed by no kustomization.yaml";
  }
}

TEST(KubernetesManifestsTest, BaseRunsTheGatewayAsANativeSidecar) {
  const Kustomization& base = KustomizationAt("base");
  int pods_with_gateway = 0;
  for (const YamlDocument& object : base.objects) {
    const std::optional<YAML::Node> pod_spec = PodSpecOf(object);
    if (!pod_spec) continue;
    SCOPED_TRACE(object.Name());
    EXPECT_EQ(object.node["spec"]["replicas"].as<int>(), 1);
    int gateways = 0;
    int applications = 0;
    for (const PodContainer& container : ContainersOf(*pod_spec)) {
      if (IsGatewayContainer(container.container)) {
        ++gateways;
        EXPECT_TRUE(container.init)
            << "the gateway must be an initContainers entry";
        EXPECT_EQ(Str(container.container["restartPolicy"]), "Always")
            << "a native sidecar has restartPolicy: Always";
      } else if (!container.init) {
        ++applications;
      }
    }
    EXPECT_EQ(gateways, 1);
    EXPECT_GE(applications, 1) << "no application beside the sidecar";
    // A second Pod could not open the SQLite file the first one holds.
    EXPECT_EQ(Str(object.node["spec"]["strategy"]["type"]), "Recreate");
    ++pods_with_gateway;
  }
  EXPECT_EQ(pods_with_gateway, 1);
}

TEST(KubernetesManifestsTest, ProbesAreGrpcOnTheHealthListenerPort) {
  const std::vector<GatewayInPod> gateways = AllGateways();
  ASSERT_GE(gateways.size(), 2u);
  for (const GatewayInPod& gateway : gateways) {
    SCOPED_TRACE(gateway.Where());
    const std::map<std::string, std::string> settings = gateway.Settings();
    ASSERT_EQ(settings.count("health_listen"), 1u)
        << "the kubelet needs --health_listen on the Pod IP";
    const std::string health = settings.at("health_listen");
    const std::optional<int> health_port = PortOf(health);
    ASSERT_TRUE(health_port.has_value()) << health;
    const std::string host = HostOf(health);
    EXPECT_TRUE(host == "0.0.0.0" || host == "::" || host == "[::]")
        << "probes dial the Pod IP; " << health << " is not reachable there";
    if (settings.count("listen") != 0) {
      EXPECT_NE(PortOf(settings.at("listen")), health_port)
          << "the health listener must be apart from the API";
    }
    for (const char* probe :
         {"startupProbe", "readinessProbe", "livenessProbe"}) {
      SCOPED_TRACE(probe);
      const YAML::Node node = gateway.gateway.container[probe];
      ASSERT_TRUE(node) << "missing";
      ASSERT_TRUE(node["grpc"]) << "not a gRPC probe";
      EXPECT_EQ(node["grpc"]["port"].as<int>(), *health_port);
      for (const char* other : {"httpGet", "tcpSocket", "exec"}) {
        EXPECT_FALSE(node[other]) << "a second handler: " << other;
      }
    }
    std::set<int> declared_ports;
    for (const YAML::Node& port : gateway.gateway.container["ports"]) {
      declared_ports.insert(port["containerPort"].as<int>());
    }
    EXPECT_THAT(declared_ports, Contains(*health_port));
  }
}

TEST(KubernetesManifestsTest, GatewayContainerIsLockedDown) {
  for (const GatewayInPod& gateway : AllGateways()) {
    SCOPED_TRACE(gateway.Where());
    const YAML::Node context = gateway.gateway.container["securityContext"];
    ASSERT_TRUE(context);
    EXPECT_TRUE(context["runAsNonRoot"].as<bool>(false));
    EXPECT_EQ(context["runAsUser"].as<int>(-1), 65532);
    EXPECT_TRUE(context["readOnlyRootFilesystem"].as<bool>(false));
    EXPECT_FALSE(context["allowPrivilegeEscalation"].as<bool>(true));
    EXPECT_FALSE(context["privileged"].as<bool>(false));
    std::vector<std::string> dropped;
    if (context["capabilities"] && context["capabilities"]["drop"]) {
      dropped = context["capabilities"]["drop"].as<std::vector<std::string>>();
    }
    EXPECT_THAT(dropped, Contains("ALL"));
    EXPECT_FALSE(context["capabilities"] && context["capabilities"]["add"])
        << "no capability is needed";
    const YAML::Node seccomp =
        context["seccompProfile"]
            ? context["seccompProfile"]
            : gateway.pod_spec["securityContext"]["seccompProfile"];
    EXPECT_EQ(Str(seccomp["type"]), "RuntimeDefault");
    EXPECT_EQ(gateway.pod_spec["terminationGracePeriodSeconds"].as<int>(-1),
              30);
  }
}

TEST(KubernetesManifestsTest, EveryContainerHasRequestsWithinLimits) {
  int containers = 0;
  for (const Kustomization& kustomization : AllKustomizations()) {
    for (const YamlDocument& object : kustomization.objects) {
      const std::optional<YAML::Node> pod_spec = PodSpecOf(object);
      if (!pod_spec) continue;
      for (const PodContainer& container : ContainersOf(*pod_spec)) {
        SCOPED_TRACE(object.Name() + "/" + Str(container.container["name"]));
        ++containers;
        const YAML::Node resources = container.container["resources"];
        for (const char* resource : {"cpu", "memory"}) {
          const std::optional<double> request =
              ParseQuantity(Str(At(resources, {"requests", resource})));
          const std::optional<double> limit =
              ParseQuantity(Str(At(resources, {"limits", resource})));
          ASSERT_TRUE(request.has_value()) << "no " << resource << " request";
          ASSERT_TRUE(limit.has_value()) << "no " << resource << " limit";
          EXPECT_GT(*request, 0);
          EXPECT_LE(*request, *limit) << resource;
        }
      }
    }
  }
  EXPECT_GE(containers, 3);
}

// Every ConfigMap, Secret and claim a Pod names is built by the same
// kustomization, so `kubectl apply -k` leaves no Pod waiting for an object
// that nobody creates.
TEST(KubernetesManifestsTest, EveryReferenceResolvesWithinItsKustomization) {
  int references = 0;
  for (const Kustomization& kustomization : AllKustomizations()) {
    const std::vector<YamlDocument>& objects = kustomization.objects;
    auto expect_defined = [&](const std::string& kind, const std::string& name,
                              const std::string& where) {
      ++references;
      EXPECT_NE(FindObject(objects, kind, name), nullptr)
          << where << " names " << kind << " \"" << name << "\", which "
          << kustomization.dir << " does not build";
    };
    for (const YamlDocument& object : objects) {
      const std::optional<YAML::Node> pod_spec = PodSpecOf(object);
      if (!pod_spec) continue;
      std::set<std::string> volume_names;
      if (const YAML::Node volumes = (*pod_spec)["volumes"]) {
        for (const YAML::Node& volume : volumes) {
          const std::string where =
              object.Name() + " volume " + Str(volume["name"]);
          volume_names.insert(Str(volume["name"]));
          if (volume["configMap"]) {
            expect_defined("ConfigMap", Str(volume["configMap"]["name"]),
                           where);
          }
          if (volume["secret"]) {
            expect_defined("Secret", Str(volume["secret"]["secretName"]),
                           where);
          }
          if (volume["persistentVolumeClaim"]) {
            expect_defined("PersistentVolumeClaim",
                           Str(volume["persistentVolumeClaim"]["claimName"]),
                           where);
          }
        }
      }
      for (const PodContainer& container : ContainersOf(*pod_spec)) {
        const std::string where =
            object.Name() + "/" + Str(container.container["name"]);
        if (const YAML::Node env_from = container.container["envFrom"]) {
          for (const YAML::Node& source : env_from) {
            if (source["configMapRef"]) {
              expect_defined("ConfigMap", Str(source["configMapRef"]["name"]),
                             where);
            }
            if (source["secretRef"]) {
              expect_defined("Secret", Str(source["secretRef"]["name"]), where);
            }
          }
        }
        if (const YAML::Node env = container.container["env"]) {
          for (const YAML::Node& variable : env) {
            const YAML::Node from = variable["valueFrom"];
            if (from && from["configMapKeyRef"]) {
              expect_defined("ConfigMap", Str(from["configMapKeyRef"]["name"]),
                             where);
            }
            if (from && from["secretKeyRef"]) {
              expect_defined("Secret", Str(from["secretKeyRef"]["name"]),
                             where);
            }
          }
        }
        for (const auto& [path, volume] : MountsOf(container.container)) {
          EXPECT_EQ(volume_names.count(volume), 1u)
              << where << " mounts unknown volume \"" << volume << "\" at "
              << path;
        }
      }
    }
  }
  EXPECT_GE(references, 7);
}

TEST(KubernetesManifestsTest, SocketIsOnAVolumeSharedWithTheApplication) {
  const Kustomization& base = KustomizationAt("base");
  int checked = 0;
  for (const GatewayInPod& gateway : AllGateways()) {
    if (gateway.kustomization != &base) continue;
    SCOPED_TRACE(gateway.Where());
    const std::string listen = gateway.Settings()["listen"];
    ASSERT_TRUE(absl::StartsWith(listen, "unix:"))
        << "the sidecar's API should be a Unix socket, not " << listen;
    std::string socket = listen.substr(5);
    // unix:///path is the same as unix:/path.
    while (absl::StartsWith(socket, "//")) socket = socket.substr(1);
    std::string gateway_mount;
    const std::string volume =
        VolumeHolding(gateway.gateway.container, socket, &gateway_mount);
    ASSERT_FALSE(volume.empty()) << socket << " is on no volume";
    EXPECT_TRUE(VolumeNamed(gateway.pod_spec, volume)["emptyDir"])
        << volume << " should be an emptyDir, private to the Pod";
    int applications = 0;
    for (const PodContainer& other : ContainersOf(gateway.pod_spec)) {
      if (other.init || IsGatewayContainer(other.container)) continue;
      ++applications;
      SCOPED_TRACE(Str(other.container["name"]));
      std::string app_mount;
      EXPECT_EQ(VolumeHolding(other.container, socket, &app_mount), volume)
          << "the application does not see " << socket;
      EXPECT_EQ(app_mount, gateway_mount);
      // Where the application is told to dial, if it is told in its env.
      if (const YAML::Node env = other.container["env"]) {
        for (const YAML::Node& variable : env) {
          const std::string value = Str(variable["value"]);
          if (absl::StartsWith(value, "unix:")) {
            EXPECT_EQ(value, listen) << Str(variable["name"]);
          }
        }
      }
    }
    EXPECT_GE(applications, 1);
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

// The gateway refuses plaintext off loopback; a manifest that listens on the
// network must give it TLS, and callers must authenticate.
TEST(KubernetesManifestsTest, NetworkListenerHasTlsAndJwt) {
  int network_listeners = 0;
  for (const GatewayInPod& gateway : AllGateways()) {
    SCOPED_TRACE(gateway.Where());
    std::map<std::string, std::string> settings = gateway.Settings();
    const std::string listen = settings["listen"];
    ASSERT_FALSE(listen.empty()) << "--listen is not set";
    const std::string host = HostOf(listen);
    if (absl::StartsWith(listen, "unix:") || host == "127.0.0.1" ||
        host == "localhost" || host == "::1") {
      continue;
    }
    ++network_listeners;
    EXPECT_FALSE(settings["tls_cert_file"].empty());
    EXPECT_FALSE(settings["tls_key_file"].empty());
    EXPECT_EQ(settings["auth"], "jwt");
    EXPECT_FALSE(settings["jwt_jwks_file"].empty());
    EXPECT_FALSE(settings["jwt_issuer"].empty());
    EXPECT_FALSE(settings["jwt_audience"].empty());
  }
  EXPECT_GE(network_listeners, 1);
}

// Secrets reach the gateway as files on read-only Secret volumes, never as
// values in a ConfigMap or on the command line.
TEST(KubernetesManifestsTest, FilesTheGatewayReadsAreMountedSecrets) {
  int files = 0;
  for (const GatewayInPod& gateway : AllGateways()) {
    SCOPED_TRACE(gateway.Where());
    for (const auto& [flag, value] : gateway.Settings()) {
      if (!absl::EndsWith(flag, "_file") || value.empty()) continue;
      ++files;
      const std::string volume =
          VolumeHolding(gateway.gateway.container, value);
      ASSERT_FALSE(volume.empty())
          << "--" << flag << "=" << value << " is on no mounted volume";
      EXPECT_TRUE(VolumeNamed(gateway.pod_spec, volume)["secret"])
          << "--" << flag << " should come from a Secret";
      for (const YAML::Node& mount :
           gateway.gateway.container["volumeMounts"]) {
        if (Str(mount["name"]) == volume) {
          EXPECT_TRUE(mount["readOnly"].as<bool>(false)) << volume;
        }
      }
    }
    const std::string store = gateway.Settings()["store"];
    EXPECT_FALSE(absl::StrContains(store, "password="))
        << "a password in --store is visible to anyone who reads the ConfigMap";
    if (absl::StartsWith(store, "sqlite:")) {
      // The database and its -wal/-shm/.lock neighbours need a writable
      // volume: the root file system is read-only.
      const std::string volume =
          VolumeHolding(gateway.gateway.container, store.substr(7));
      ASSERT_FALSE(volume.empty()) << store << " is on no volume";
      const YAML::Node node = VolumeNamed(gateway.pod_spec, volume);
      EXPECT_TRUE(node["persistentVolumeClaim"] || node["emptyDir"]) << volume;
    }
  }
  EXPECT_GE(files, 4);
}

// Calls in flight must finish before the kubelet's SIGKILL.
TEST(KubernetesManifestsTest, ShutdownGraceFitsTheTerminationGracePeriod) {
  for (const GatewayInPod& gateway : AllGateways()) {
    SCOPED_TRACE(gateway.Where());
    absl::Duration grace = absl::Seconds(25);  // the binary's default
    const auto settings = gateway.Settings();
    if (settings.count("shutdown_grace") != 0) {
      ASSERT_TRUE(absl::ParseDuration(settings.at("shutdown_grace"), &grace))
          << settings.at("shutdown_grace");
    }
    absl::Duration pre_stop = absl::ZeroDuration();
    const YAML::Node command = At(gateway.gateway.container,
                                  {"lifecycle", "preStop", "exec", "command"});
    if (command.IsSequence() && command.size() == 2 &&
        absl::EndsWith(command[0].as<std::string>(), "sleep")) {
      pre_stop = absl::Seconds(command[1].as<int>());
    }
    const absl::Duration termination = absl::Seconds(
        gateway.pod_spec["terminationGracePeriodSeconds"].as<int>(30));
    EXPECT_LT(pre_stop + grace, termination)
        << "preStop " << pre_stop << " + --shutdown_grace " << grace;
  }
}

bool SelectorMatches(const YAML::Node& match_labels,
                     const std::map<std::string, std::string>& labels) {
  if (!match_labels || match_labels.size() == 0) return false;
  for (const auto& entry : match_labels) {
    const auto label = labels.find(entry.first.as<std::string>());
    if (label == labels.end() ||
        label->second != entry.second.as<std::string>()) {
      return false;
    }
  }
  return true;
}

TEST(KubernetesManifestsTest, PostgresqlVariantIsReplicatedBehindAService) {
  const Kustomization& variant = KustomizationAt("overlays/postgresql");
  std::vector<GatewayInPod> gateways;
  for (const GatewayInPod& gateway : AllGateways()) {
    if (gateway.kustomization == &variant) gateways.push_back(gateway);
  }
  ASSERT_EQ(gateways.size(), 1u);
  const GatewayInPod& gateway = gateways.front();
  EXPECT_EQ(gateway.workload->Kind(), "Deployment");
  EXPECT_EQ(gateway.workload->node["spec"]["replicas"].as<int>(), 3);
  EXPECT_FALSE(gateway.gateway.init) << "a standalone gateway, not a sidecar";
  std::map<std::string, std::string> settings = gateway.Settings();
  EXPECT_TRUE(absl::StartsWith(settings["store"], "postgresql://"))
      << settings["store"];
  EXPECT_FALSE(settings["store_password_file"].empty());
  // No "user:password@" in the URI.
  const std::string authority = settings["store"].substr(
      std::string("postgresql://").size(),
      settings["store"].find('@') - std::string("postgresql://").size());
  EXPECT_FALSE(absl::StrContains(authority, ":")) << "a password in the URI";

  const std::map<std::string, std::string> pod_labels =
      PodLabelsOf(*gateway.workload);
  EXPECT_TRUE(SelectorMatches(
      gateway.workload->node["spec"]["selector"]["matchLabels"], pod_labels));

  // The Service reaches the gateway's API port.
  const std::optional<int> listen_port = PortOf(settings["listen"]);
  ASSERT_TRUE(listen_port.has_value()) << settings["listen"];
  int services = 0;
  for (const YamlDocument& object : variant.objects) {
    if (object.Kind() != "Service") continue;
    SCOPED_TRACE(object.Name());
    ++services;
    EXPECT_TRUE(SelectorMatches(object.node["spec"]["selector"], pod_labels));
    bool reaches_api = false;
    for (const YAML::Node& port : object.node["spec"]["ports"]) {
      if (port["port"].as<int>() != 50051) continue;
      const std::string target = Str(port["targetPort"]);
      for (const YAML::Node& container_port :
           gateway.gateway.container["ports"]) {
        if ((target == Str(container_port["name"]) ||
             target == Str(container_port["containerPort"])) &&
            container_port["containerPort"].as<int>() == *listen_port) {
          reaches_api = true;
        }
      }
    }
    EXPECT_TRUE(reaches_api) << "port 50051 does not reach --listen";
  }
  EXPECT_GE(services, 1);

  int budgets = 0;
  for (const YamlDocument& object : variant.objects) {
    if (object.Kind() != "PodDisruptionBudget") continue;
    ++budgets;
    EXPECT_TRUE(SelectorMatches(object.node["spec"]["selector"]["matchLabels"],
                                pod_labels));
    // It must let a node drain proceed and still keep a majority.
    const YAML::Node max_unavailable = object.node["spec"]["maxUnavailable"];
    const YAML::Node min_available = object.node["spec"]["minAvailable"];
    EXPECT_TRUE((max_unavailable && max_unavailable.as<int>() >= 1) ||
                (min_available && min_available.as<int>() == 2));
  }
  EXPECT_EQ(budgets, 1);
}

// Prometheus finds every gateway: the scrape annotation and the PodMonitor
// both point at the port --metrics_listen serves.
TEST(KubernetesManifestsTest, MetricsAreScrapedWhereTheGatewayServesThem) {
  const Kustomization& monitoring = KustomizationAt("monitoring");
  const YamlDocument* pod_monitor = nullptr;
  for (const YamlDocument& object : monitoring.objects) {
    if (object.Kind() == "PodMonitor") pod_monitor = &object;
  }
  ASSERT_NE(pod_monitor, nullptr);
  for (const GatewayInPod& gateway : AllGateways()) {
    SCOPED_TRACE(gateway.Where());
    const std::optional<int> metrics_port =
        PortOf(gateway.Settings()["metrics_listen"]);
    ASSERT_TRUE(metrics_port.has_value()) << "--metrics_listen is not set";
    const YAML::Node annotations =
        gateway.workload->node["spec"]["template"]["metadata"]["annotations"];
    EXPECT_EQ(Str(annotations["prometheus.io/scrape"]), "true");
    EXPECT_EQ(Str(annotations["prometheus.io/port"]),
              std::to_string(*metrics_port));

    // The PodMonitor's selector (matchExpressions with In) selects the Pod.
    const std::map<std::string, std::string> labels =
        PodLabelsOf(*gateway.workload);
    bool selected = true;
    for (const YAML::Node& expression :
         pod_monitor->node["spec"]["selector"]["matchExpressions"]) {
      const auto label = labels.find(Str(expression["key"]));
      const auto values = expression["values"].as<std::vector<std::string>>();
      selected = selected && Str(expression["operator"]) == "In" &&
                 label != labels.end() &&
                 std::find(values.begin(), values.end(), label->second) !=
                     values.end();
    }
    EXPECT_TRUE(selected) << "the PodMonitor does not select this Pod";
    const std::string port_name =
        Str(pod_monitor->node["spec"]["podMetricsEndpoints"][0]["port"]);
    bool port_found = false;
    for (const YAML::Node& port : gateway.gateway.container["ports"]) {
      if (Str(port["name"]) == port_name) {
        port_found = true;
        EXPECT_EQ(port["containerPort"].as<int>(), *metrics_port);
      }
    }
    EXPECT_TRUE(port_found) << "no container port named " << port_name;
  }
}

// kustomize itself renders each directory (kubectl kustomize works offline):
// catches what the checks above do not model, such as a bad images entry.
TEST(KubernetesManifestsTest, KustomizeRendersEveryKustomization) {
  const std::string kubectl = NDES_KUBECTL;
  if (kubectl.empty()) GTEST_SKIP() << "kubectl is not installed";
  for (const Kustomization& kustomization : AllKustomizations()) {
    const CommandResult render =
        RunCommand(ShellQuote(kubectl) + " kustomize " +
                   ShellQuote(kustomization.dir.string()));
    EXPECT_EQ(render.exit_code, 0) << kustomization.dir << "\n"
                                   << render.output;
    EXPECT_TRUE(absl::StrContains(render.output, "kind:")) << render.output;
  }
}

// The flags the gateway's --helpfull lists under the project's own source
// files (not Abseil's).
std::set<std::string> GatewayFlags(const std::string& binary) {
  const CommandResult help = RunCommand(ShellQuote(binary) + " --helpfull");
  std::set<std::string> flags;
  bool own_file = false;
  std::istringstream lines(help.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (absl::StartsWith(line, "  Flags from ")) {
      own_file = !absl::StrContains(line, "absl/");
      continue;
    }
    // "    --listen (Where to serve ...": four spaces. Wrapped help text is
    // indented by six and may start with another flag's name.
    const size_t dashes = line.find("--");
    if (!own_file || dashes != 4 || line.find_first_not_of(' ') != dashes) {
      continue;
    }
    const size_t end = line.find_first_of(" =(", dashes + 2);
    flags.insert(line.substr(dashes + 2, end - dashes - 2));
  }
  return flags;
}

TEST(KubernetesManifestsTest, EveryConfiguredVariableNamesARealFlag) {
  const std::string binary = NDES_GATEWAY_BINARY;
  if (binary.empty() || !fs::exists(binary)) {
    GTEST_SKIP() << "ndes-gateway is not built";
  }
  const std::set<std::string> flags = GatewayFlags(binary);
  ASSERT_THAT(flags, Contains("listen")) << "cannot read --helpfull";

  std::set<std::string> configured;
  for (const Kustomization& kustomization : AllKustomizations()) {
    for (const YamlDocument& object : kustomization.objects) {
      if (object.Kind() == "ConfigMap" && object.node["data"]) {
        for (const auto& entry : object.node["data"]) {
          const std::string variable = entry.first.as<std::string>();
          if (absl::StartsWith(variable, "NDES_GATEWAY_")) {
            configured.insert(FlagOfVariable(variable));
          }
        }
      }
    }
  }
  for (const GatewayInPod& gateway : AllGateways()) {
    for (const auto& [flag, value] : gateway.Settings())
      configured.insert(flag);
  }
  ASSERT_THAT(configured, Contains("health_listen"));
  std::vector<std::string> unknown;
  for (const std::string& flag : configured) {
    if (flags.count(flag) == 0) unknown.push_back(flag);
  }
  EXPECT_THAT(unknown, IsEmpty())
      << "the manifests set flags that " << binary << " does not have: --"
      << absl::StrJoin(unknown, ", --");
}

}  // namespace
}  // namespace ndes::deploy_test
