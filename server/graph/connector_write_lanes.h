// ConnectorWriteLanes: the writes (updates, deletes) this process sends to
// Graph for one connector go one at a time, in arrival order: while one is
// under way (from its turn in the request budget until Graph's last answer)
// the next ones wait in that connector's lane.
//
// That order gives three things:
//   - Unconditional updates waiting in a lane are merged into one PATCH
//     (coalesced_update.h): per field the later call wins, exactly as if
//     they had been applied one after another in arrival order, and every
//     caller is answered the connector as stored after the merged write. An
//     update with an etag, a delete, and (with passthrough authorization)
//     updates of callers with different credentials are never merged. An
//     update joins the last write waiting in its lane, or none.
//   - A conditional write (read, compare, write) is never interleaved with
//     another write of this process to the same connector.
//   - A PATCH is never overtaken by a later PATCH of the same connector.
//
// If Graph refuses a merged PATCH as a bad request (400), each merged call
// is sent again on its own, in order, so that one call's bad value fails
// only that call.
//
// A call whose deadline cannot be met in the queue (the writes ahead in its
// lane and the budget ahead of them) is answered RESOURCE_EXHAUSTED with
// RetryInfo at once (RequestPacer::Refusal); a call whose deadline passes
// while it waits is answered DEADLINE_EXCEEDED and left out of its write.
//
// Thread-safe. Callbacks run without the lanes' lock, on the threads of the
// pacer or the Executor.
#ifndef NDES_SERVER_GRAPH_CONNECTOR_WRITE_LANES_H_
#define NDES_SERVER_GRAPH_CONNECTOR_WRITE_LANES_H_

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "graph/graph_stats.h"
#include "graph/graph_transport.h"
#include "graph/request_pacer.h"
#include "store/connector_store.h"

namespace ndes::graph {

class ConnectorWriteLanes {
 public:
  // What runs a write once its turn came. The first request of the write
  // is sent with `admission` (kAdmitted: its budget turn was taken already).
  class Executor {
   public:
    virtual ~Executor() = default;
    virtual void RunUpdate(
        const store::CallContext& context, store::UpdateCommand command,
        GraphTransport::Admission admission,
        store::StoreCallback<ndes::v1::NdesConnector> done) = 0;
    virtual void RunDelete(const store::CallContext& context, std::string id,
                           std::string expected_etag,
                           GraphTransport::Admission admission,
                           store::StatusCallback done) = 0;
  };

  // `pacer` and `executor` must outlive the lanes. With
  // `callers_share_credentials` false (passthrough), only calls with the
  // same authorization metadata are merged.
  ConnectorWriteLanes(RequestPacer* pacer, Executor* executor,
                      std::shared_ptr<GraphStats> stats,
                      bool callers_share_credentials,
                      std::function<absl::Time()> clock = absl::Now);
  ~ConnectorWriteLanes();

  void Update(const store::CallContext& context, store::UpdateCommand command,
              store::StoreCallback<ndes::v1::NdesConnector> done);
  void Delete(const store::CallContext& context, std::string id,
              std::string expected_etag, store::StatusCallback done);

 private:
  struct Call {
    store::CallContext context;
    // An update's command, or a delete's id and expected_etag.
    store::UpdateCommand command;
    store::StoreCallback<ndes::v1::NdesConnector> update_done;
    store::StatusCallback delete_done;
  };
  struct Write {
    bool is_delete = false;
    // Queued in the pacer or running: no call joins it any more once
    // `started`.
    bool in_pacer = false;
    bool started = false;
    // When its first request is expected to go (for calls that join).
    absl::Time expected_send;
    std::deque<Call> calls;
  };
  struct Lane {
    std::deque<std::shared_ptr<Write>> writes;
    // Set while StartNext runs for this lane; a nested call only asks for
    // another round (no recursion over a long lane).
    bool starting = false;
    bool start_again = false;
  };

  // Queues `call`: joins the last waiting update, or becomes a new write.
  void Submit(Call call, bool is_delete);
  // Starts the first write of the lane `id` if it is not under way.
  void StartNext(const std::string& id);
  void OnReleased(const std::string& id, std::shared_ptr<Write> write,
                  absl::Status released);
  // Runs each call of a merged update Graph refused alone, in order.
  void RunOneByOne(const std::string& id, std::shared_ptr<Write> write,
                   std::shared_ptr<std::deque<Call>> calls);
  // The write is done: drops it from its lane and starts the next.
  void Finished(const std::string& id, const std::shared_ptr<Write>& write);
  bool CanJoin(const Write& write, const Call& call) const;
  static UpstreamRequestKind FirstRequestKind(const Write& write);
  static void Answer(Call& call,
                     absl::StatusOr<ndes::v1::NdesConnector> result);
  static void Answer(Call& call, absl::Status status);

  RequestPacer* const pacer_;
  Executor* const executor_;
  const std::shared_ptr<GraphStats> stats_;
  const bool callers_share_credentials_;
  const std::function<absl::Time()> clock_;

  absl::Mutex mu_;
  std::map<std::string, Lane> lanes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_CONNECTOR_WRITE_LANES_H_
