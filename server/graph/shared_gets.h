// SharedGets: concurrent Gets of one connector that wait for the request
// budget share one upstream GET. A Get joins a GET of the same id that is
// still waiting for its turn; once that GET is sent, later Gets wait for a
// GET of their own, so that no Get is answered with a value Graph read
// before the Get started. (With pacing off nothing waits, and every Get
// sends its own GET.)
//
// With passthrough authorization only Gets with the same authorization
// metadata share a GET: a caller is never answered with what another
// caller's credentials fetched.
//
// A Get whose deadline cannot be met in the queue is answered
// RESOURCE_EXHAUSTED with RetryInfo at once; a Get whose deadline passed
// while it waited is answered DEADLINE_EXCEEDED and the others still get
// the GET.
//
// Thread-safe. Callbacks run without the lock, on the threads of the pacer
// or the Fetcher.
#ifndef NDES_SERVER_GRAPH_SHARED_GETS_H_
#define NDES_SERVER_GRAPH_SHARED_GETS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "graph/graph_stats.h"
#include "graph/request_pacer.h"
#include "store/connector_store.h"

namespace ndes::graph {

class SharedGets {
 public:
  // Sends the GET of `id` whose budget turn was already taken.
  class Fetcher {
   public:
    virtual ~Fetcher() = default;
    virtual void FetchAdmitted(
        const store::CallContext& context, std::string id,
        store::StoreCallback<ndes::v1::NdesConnector> done) = 0;
  };

  // `pacer` and `fetcher` must outlive this object.
  SharedGets(RequestPacer* pacer, Fetcher* fetcher,
             std::shared_ptr<GraphStats> stats, bool callers_share_credentials,
             std::function<absl::Time()> clock = absl::Now);

  void Get(const store::CallContext& context, std::string id,
           store::StoreCallback<ndes::v1::NdesConnector> done);

 private:
  struct Waiter {
    store::CallContext context;
    store::StoreCallback<ndes::v1::NdesConnector> done;
  };
  struct Pending {
    std::string id;
    absl::Time expected_send;
    std::vector<Waiter> waiters;
  };

  std::string KeyOf(const store::CallContext& context,
                    const std::string& id) const;
  void OnReleased(const std::string& key, std::shared_ptr<Pending> pending,
                  absl::Status released);

  RequestPacer* const pacer_;
  Fetcher* const fetcher_;
  const std::shared_ptr<GraphStats> stats_;
  const bool callers_share_credentials_;
  const std::function<absl::Time()> clock_;

  absl::Mutex mu_;
  // GETs waiting for their turn, by id (and authorization in passthrough).
  std::map<std::string, std::shared_ptr<Pending>> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_SHARED_GETS_H_
