// The link graph of the project's libraries (written at configure time by
// cmake/NdesTargetGraph.cmake) has no cycle, and the layers link only what
// they may: static libraries would link a cycle without complaint, so only
// a test keeps the graph a tree.

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::IsEmpty;

struct TargetGraph {
  // Everything each target links.
  std::map<std::string, std::set<std::string>> links;
  // What each target passes on to whoever links it.
  std::map<std::string, std::set<std::string>> public_links;

  bool IsProjectTarget(const std::string& name) const {
    return links.count(name) != 0;
  }
};

TargetGraph ReadGraph() {
  TargetGraph graph;
  std::ifstream in(NDES_TARGET_GRAPH);
  EXPECT_TRUE(in.is_open()) << "cannot read " << NDES_TARGET_GRAPH;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() < 2) continue;
    auto& edges = words[1] == "public:" ? graph.public_links[words[0]]
                                        : graph.links[words[0]];
    edges.insert(words.begin() + 2, words.end());
  }
  return graph;
}

// A cycle among project targets, as a path that starts and ends at the
// same target; empty when there is none.
std::vector<std::string> FindCycle(const TargetGraph& graph) {
  enum class Mark { kNone, kOpen, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::vector<std::string> cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& at) {
    marks[at] = Mark::kOpen;
    path.push_back(at);
    for (const std::string& next : graph.links.at(at)) {
      if (!graph.IsProjectTarget(next)) continue;
      if (marks[next] == Mark::kOpen) {
        auto start = std::find(path.begin(), path.end(), next);
        cycle.assign(start, path.end());
        cycle.push_back(next);
        return true;
      }
      if (marks[next] == Mark::kNone && visit(next)) return true;
    }
    path.pop_back();
    marks[at] = Mark::kDone;
    return false;
  };
  for (const auto& [target, unused] : graph.links) {
    if (marks[target] == Mark::kNone && visit(target)) break;
  }
  return cycle;
}

// Everything reachable from `target` over `edges` (project targets are
// followed, others collected).
std::set<std::string> Closure(
    const TargetGraph& graph,
    const std::map<std::string, std::set<std::string>>& edges,
    const std::string& target) {
  std::set<std::string> seen;
  std::vector<std::string> todo = {target};
  while (!todo.empty()) {
    const std::string at = todo.back();
    todo.pop_back();
    auto it = edges.find(at);
    if (it == edges.end()) continue;
    for (const std::string& next : it->second) {
      if (seen.insert(next).second && graph.IsProjectTarget(next)) {
        todo.push_back(next);
      }
    }
  }
  return seen;
}

TEST(TargetGraphTest, TheGraphWasWrittenAndNamesTheLayers) {
  const TargetGraph graph = ReadGraph();
  for (const char* target :
       {"ndes_proto", "ndes_translation", "ndes_store_interface", "ndes_store",
        "ndes_service", "ndes_metrics", "ndes_gateway_server",
        "ndes-gateway"}) {
    EXPECT_TRUE(graph.IsProjectTarget(target)) << target;
  }
}

TEST(TargetGraphTest, LibrariesFormNoCycle) {
  const std::vector<std::string> cycle = FindCycle(ReadGraph());
  EXPECT_THAT(cycle, IsEmpty())
      << "link cycle: " << absl::StrJoin(cycle, " -> ");
}

// The leaves any layer may use link no project library but ndes_text (the
// names of status codes, the quoting of untrusted text), which links none.
TEST(TargetGraphTest, LeavesLinkNoProjectLibrary) {
  const TargetGraph graph = ReadGraph();
  for (const char* leaf : {"ndes_metrics", "ndes_logging", "ndes_text"}) {
    for (const std::string& linked : graph.links.at(leaf)) {
      EXPECT_FALSE(graph.IsProjectTarget(linked) && linked != "ndes_text")
          << leaf << " links " << linked << " but must stay a leaf";
    }
  }
  for (const std::string& linked : graph.links.at("ndes_text")) {
    EXPECT_FALSE(graph.IsProjectTarget(linked)) << "ndes_text links " << linked;
  }
}

// Stores, the service and the Graph backend are handed the registry they
// record into: none of them links the library that holds a process-wide
// instance.
TEST(TargetGraphTest, ComponentsRecordIntoAnInjectedRegistryOnly) {
  const TargetGraph graph = ReadGraph();
  for (const char* component : {"ndes_service", "ndes_store"}) {
    EXPECT_EQ(graph.links.at(component).count("ndes_observability"), 0u)
        << component << " links ndes_observability";
  }
}

// The store interface and the service speak the project's own types: no
// JSON library reaches their users' include paths.
TEST(TargetGraphTest, NoCpprestsdkReachesTheStoreInterfaceOrTheService) {
  const TargetGraph graph = ReadGraph();
  for (const char* target :
       {"ndes_store_interface", "ndes_service", "ndes_translation"}) {
    EXPECT_EQ(
        Closure(graph, graph.public_links, target).count("cpprestsdk::cpprest"),
        0u)
        << target << " passes cpprestsdk on to its users";
  }
  // The translation does not use it at all, not even privately.
  EXPECT_EQ(Closure(graph, graph.links, "ndes_translation")
                .count("cpprestsdk::cpprest"),
            0u);
}

}  // namespace
