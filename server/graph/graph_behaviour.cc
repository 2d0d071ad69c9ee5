#include "graph/graph_behaviour.h"

namespace ndes::graph {

absl::string_view GraphBehaviour::EtagLine(Etags etags) {
  switch (etags) {
    case Etags::kSent:
      return "Graph sends @odata.etag: connector etags are Graph's own; a "
             "conditional update or delete reads the connector, compares the "
             "etag, then writes with If-Match (atomic in Graph if Graph "
             "honours If-Match, which `ndesctl graph-probe --write` reports)";
    case Etags::kAbsent:
      return "Graph sends no @odata.etag: connector etags are derived from "
             "their content; a conditional update or delete reads the "
             "connector, compares the etag, then writes, and is atomic only "
             "against the other writes of this gateway process";
    case Etags::kUnknown:
      break;
  }
  return "";
}

absl::string_view GraphBehaviour::IdLine(Ids ids) {
  switch (ids) {
    case Ids::kHonoured:
      return "Graph keeps the connector ids callers choose on create";
    case Ids::kAssigned:
      return "Graph assigns its own connector ids: a create answers with "
             "Graph's id whatever id it asked for, and an update with "
             "allow_missing of a connector that does not exist is "
             "FAILED_PRECONDITION";
    case Ids::kUnknown:
      break;
  }
  return "";
}

void GraphBehaviour::SawEtag(bool present) {
  const Etags seen = present ? Etags::kSent : Etags::kAbsent;
  {
    absl::MutexLock lock(&mu_);
    if (etags_ == seen) return;
    etags_ = seen;
  }
  if (log_) log_(EtagLine(seen));
}

void GraphBehaviour::SawCreate(absl::string_view asked, absl::string_view got) {
  if (asked.empty() || got.empty()) return;
  const Ids seen = asked == got ? Ids::kHonoured : Ids::kAssigned;
  {
    absl::MutexLock lock(&mu_);
    if (ids_ == seen) return;
    ids_ = seen;
  }
  if (log_) log_(IdLine(seen));
}

GraphBehaviour::Etags GraphBehaviour::etags() const {
  absl::MutexLock lock(&mu_);
  return etags_;
}

GraphBehaviour::Ids GraphBehaviour::ids() const {
  absl::MutexLock lock(&mu_);
  return ids_;
}

}  // namespace ndes::graph
