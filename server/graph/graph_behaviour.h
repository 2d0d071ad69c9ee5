// GraphBehaviour: what the gateway has learnt, from Graph's own answers,
// about the Graph it talks to, where Graph's documentation and Intune's
// practice differ:
//
//   etags  whether connector answers carry @odata.etag (Intune's pages show
//          none); without them the gateway derives etags from the content
//          (content_etag.h).
//   ids    whether a POST that names an id keeps it, or Graph assigns its
//          own (Intune's create examples send no id and get a GUID).
//
// Each is unknown until the first answer that shows it; the gateway's log
// says which case is in effect as soon as it is known (and again if Graph
// ever changes its mind), through the `log` function given.
//
// Thread-safe.
#ifndef NDES_SERVER_GRAPH_GRAPH_BEHAVIOUR_H_
#define NDES_SERVER_GRAPH_GRAPH_BEHAVIOUR_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace ndes::graph {

class GraphBehaviour {
 public:
  // Writes one line to the gateway's log; may be empty (nothing logged).
  using Log = std::function<void(absl::string_view)>;

  enum class Etags { kUnknown, kSent, kAbsent };
  enum class Ids { kUnknown, kHonoured, kAssigned };

  explicit GraphBehaviour(Log log) : log_(std::move(log)) {}

  // A connector answer did (or did not) carry @odata.etag.
  void SawEtag(bool present);
  // A POST that asked for id `asked` (not empty) created connector `got`.
  void SawCreate(absl::string_view asked, absl::string_view got);

  Etags etags() const;
  Ids ids() const;

  // The log lines (also for docs and tests).
  static absl::string_view EtagLine(Etags etags);
  static absl::string_view IdLine(Ids ids);

 private:
  const Log log_;
  mutable absl::Mutex mu_;
  Etags etags_ ABSL_GUARDED_BY(mu_) = Etags::kUnknown;
  Ids ids_ ABSL_GUARDED_BY(mu_) = Ids::kUnknown;
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_BEHAVIOUR_H_
