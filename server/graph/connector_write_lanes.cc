#include "graph/connector_write_lanes.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "graph/coalesced_update.h"

namespace ndes::graph {

ConnectorWriteLanes::ConnectorWriteLanes(RequestPacer* pacer,
                                         Executor* executor,
                                         std::shared_ptr<GraphStats> stats,
                                         bool callers_share_credentials,
                                         std::function<absl::Time()> clock)
    : pacer_(pacer),
      executor_(executor),
      stats_(std::move(stats)),
      callers_share_credentials_(callers_share_credentials),
      clock_(std::move(clock)) {}

ConnectorWriteLanes::~ConnectorWriteLanes() = default;

void ConnectorWriteLanes::Update(
    const store::CallContext& context, store::UpdateCommand command,
    store::StoreCallback<ndes::v1::NdesConnector> done) {
  Call call;
  call.context = context;
  call.command = std::move(command);
  call.update_done = std::move(done);
  Submit(std::move(call), /*is_delete=*/false);
}

void ConnectorWriteLanes::Delete(const store::CallContext& context,
                                 std::string id, std::string expected_etag,
                                 store::StatusCallback done) {
  Call call;
  call.context = context;
  call.command.id = std::move(id);
  call.command.expected_etag = std::move(expected_etag);
  call.delete_done = std::move(done);
  Submit(std::move(call), /*is_delete=*/true);
}

bool ConnectorWriteLanes::CanJoin(const Write& write, const Call& call) const {
  if (write.is_delete || write.calls.empty()) return false;
  const Call& first = write.calls.front();
  return CanCoalesce(first.command, call.command) &&
         (callers_share_credentials_ ||
          first.context.authorization == call.context.authorization);
}

UpstreamRequestKind ConnectorWriteLanes::FirstRequestKind(const Write& write) {
  // A conditional write starts with the read of its compare.
  const bool conditional = !write.calls.empty() &&
                           !write.calls.front().command.expected_etag.empty();
  return conditional ? UpstreamRequestKind::kRead : UpstreamRequestKind::kWrite;
}

void ConnectorWriteLanes::Answer(
    Call& call, absl::StatusOr<ndes::v1::NdesConnector> result) {
  if (call.update_done != nullptr) {
    std::move(call.update_done)(std::move(result));
  } else {
    std::move(call.delete_done)(result.status());
  }
}

void ConnectorWriteLanes::Answer(Call& call, absl::Status status) {
  if (call.update_done != nullptr) {
    std::move(call.update_done)(std::move(status));
  } else {
    std::move(call.delete_done)(std::move(status));
  }
}

void ConnectorWriteLanes::Submit(Call call, bool is_delete) {
  const std::string id = call.command.id;
  std::optional<absl::Status> refusal;
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    Lane& lane = lanes_[id];
    if (!is_delete && !lane.writes.empty()) {
      Write& last = *lane.writes.back();
      if (!last.started && CanJoin(last, call)) {
        if (pacer_->MeetsDeadline(last.expected_send, call.context.deadline)) {
          last.calls.push_back(std::move(call));
          stats_->Coalesced(1);
          return;
        }
        refusal = pacer_->Refusal(last.expected_send);
      }
    }
    if (!refusal.has_value()) {
      auto write = std::make_shared<Write>();
      write->is_delete = is_delete;
      write->calls.push_back(std::move(call));
      // Every write ahead in the lane that has no turn yet needs one first.
      int waiting = 0;
      for (const std::shared_ptr<Write>& ahead : lane.writes) {
        if (!ahead->in_pacer) ++waiting;
      }
      write->expected_send =
          lane.writes.empty()
              ? pacer_->EstimateSendTime(FirstRequestKind(*write), 0)
              : pacer_->EstimateSendTime(UpstreamRequestKind::kWrite,
                                         waiting + 1);
      if (pacer_->MeetsDeadline(write->expected_send,
                                write->calls.front().context.deadline)) {
        start = lane.writes.empty();
        lane.writes.push_back(std::move(write));
      } else {
        refusal = pacer_->Refusal(write->expected_send);
        call = std::move(write->calls.front());
      }
    }
    if (refusal.has_value() && lane.writes.empty() && !lane.starting) {
      lanes_.erase(id);
    }
  }
  if (refusal.has_value()) {
    Answer(call, *std::move(refusal));
    return;
  }
  if (start) StartNext(id);
}

void ConnectorWriteLanes::StartNext(const std::string& id) {
  while (true) {
    std::shared_ptr<Write> write;
    UpstreamRequestKind kind;
    absl::Time deadline = absl::InfinitePast();
    {
      absl::MutexLock lock(&mu_);
      auto it = lanes_.find(id);
      if (it == lanes_.end()) return;
      Lane& lane = it->second;
      if (lane.starting) {
        lane.start_again = true;
        return;
      }
      if (lane.writes.empty()) {
        lanes_.erase(it);
        return;
      }
      write = lane.writes.front();
      if (write->in_pacer) return;
      write->in_pacer = true;
      lane.starting = true;
      kind = FirstRequestKind(*write);
      for (const Call& call : write->calls) {
        deadline = std::max(deadline, call.context.deadline);
      }
    }
    absl::Status queued =
        pacer_->Enqueue(kind, deadline, RequestPacer::Place::kBack,
                        [this, id, write](absl::Status released) {
                          OnReleased(id, write, std::move(released));
                        });
    std::deque<Call> refused;
    bool again;
    {
      absl::MutexLock lock(&mu_);
      Lane& lane = lanes_[id];
      if (!queued.ok()) {
        write->started = true;
        refused.swap(write->calls);
        if (!lane.writes.empty() && lane.writes.front() == write) {
          lane.writes.pop_front();
        }
      }
      lane.starting = false;
      again = lane.start_again || !queued.ok();
      lane.start_again = false;
    }
    for (Call& call : refused) Answer(call, queued);
    if (!again) return;
  }
}

void ConnectorWriteLanes::Finished(const std::string& id,
                                   const std::shared_ptr<Write>& write) {
  {
    absl::MutexLock lock(&mu_);
    auto it = lanes_.find(id);
    if (it != lanes_.end() && !it->second.writes.empty() &&
        it->second.writes.front() == write) {
      it->second.writes.pop_front();
    }
  }
  StartNext(id);
}

void ConnectorWriteLanes::OnReleased(const std::string& id,
                                     std::shared_ptr<Write> write,
                                     absl::Status released) {
  auto calls = std::make_shared<std::deque<Call>>();
  {
    absl::MutexLock lock(&mu_);
    write->started = true;
    calls->swap(write->calls);
  }
  std::deque<Call> expired;
  if (released.ok()) {
    const absl::Time now = clock_();
    std::deque<Call> kept;
    for (Call& call : *calls) {
      (call.context.deadline <= now ? expired : kept)
          .push_back(std::move(call));
    }
    calls->swap(kept);
  } else {
    expired.swap(*calls);
  }
  if (calls->empty()) {
    // Bookkeeping first: once the last call is answered the store may go.
    Finished(id, write);
    const absl::Status status =
        released.ok()
            ? absl::DeadlineExceededError(
                  "the call's deadline passed while it waited for its turn "
                  "in the Graph request budget")
            : released;
    for (Call& call : expired) Answer(call, status);
    return;
  }
  for (Call& call : expired) {
    Answer(call, absl::DeadlineExceededError(
                     "the call's deadline passed while it waited for its "
                     "turn in the Graph request budget"));
  }

  Call& first = calls->front();
  if (write->is_delete) {
    executor_->RunDelete(first.context, first.command.id,
                         first.command.expected_etag,
                         GraphTransport::Admission::kAdmitted,
                         [this, id, write, calls](absl::Status status) {
                           Finished(id, write);
                           Answer(calls->front(), std::move(status));
                         });
    return;
  }
  store::CallContext context = first.context;
  store::UpdateCommand merged = first.command;
  for (std::size_t i = 1; i < calls->size(); ++i) {
    Coalesce(&merged, (*calls)[i].command);
    context.deadline = std::max(context.deadline, (*calls)[i].context.deadline);
  }
  executor_->RunUpdate(
      context, std::move(merged), GraphTransport::Admission::kAdmitted,
      [this, id, write, calls](absl::StatusOr<ndes::v1::NdesConnector> result) {
        if (calls->size() > 1 && absl::IsInvalidArgument(result.status())) {
          RunOneByOne(id, write, calls);
          return;
        }
        std::deque<Call> answered;
        answered.swap(*calls);
        Finished(id, write);
        for (Call& call : answered) Answer(call, result);
      });
}

void ConnectorWriteLanes::RunOneByOne(const std::string& id,
                                      std::shared_ptr<Write> write,
                                      std::shared_ptr<std::deque<Call>> calls) {
  auto call = std::make_shared<Call>(std::move(calls->front()));
  calls->pop_front();
  executor_->RunUpdate(call->context, call->command,
                       GraphTransport::Admission::kFront,
                       [this, id, write, calls,
                        call](absl::StatusOr<ndes::v1::NdesConnector> result) {
                         if (calls->empty()) {
                           Finished(id, write);
                           Answer(*call, std::move(result));
                           return;
                         }
                         Answer(*call, std::move(result));
                         RunOneByOne(id, write, calls);
                       });
}

}  // namespace ndes::graph
