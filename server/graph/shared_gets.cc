#include "graph/shared_gets.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ndes::graph {

SharedGets::SharedGets(RequestPacer* pacer, Fetcher* fetcher,
                       std::shared_ptr<GraphStats> stats,
                       bool callers_share_credentials,
                       std::function<absl::Time()> clock)
    : pacer_(pacer),
      fetcher_(fetcher),
      stats_(std::move(stats)),
      callers_share_credentials_(callers_share_credentials),
      clock_(std::move(clock)) {}

std::string SharedGets::KeyOf(const store::CallContext& context,
                              const std::string& id) const {
  if (callers_share_credentials_) return id;
  // Ids never hold a NUL byte, so the key is unambiguous.
  return absl::StrCat(id, std::string(1, '\0'), context.authorization);
}

void SharedGets::Get(const store::CallContext& context, std::string id,
                     store::StoreCallback<ndes::v1::NdesConnector> done) {
  const std::string key = KeyOf(context, id);
  auto pending = std::make_shared<Pending>();
  std::optional<absl::Status> refusal;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(key);
    if (it != pending_.end() &&
        pacer_->MeetsDeadline(it->second->expected_send, context.deadline)) {
      it->second->waiters.push_back({context, std::move(done)});
      stats_->SharedGet();
      return;
    }
    pending->id = std::move(id);
    pending->expected_send =
        pacer_->EstimateSendTime(UpstreamRequestKind::kRead, 0);
    if (pacer_->MeetsDeadline(pending->expected_send, context.deadline)) {
      pending->waiters.push_back({context, std::move(done)});
      // A GET still waiting that could not meet this caller's deadline is
      // no longer the one to join.
      pending_[key] = pending;
    } else {
      refusal = pacer_->Refusal(pending->expected_send);
    }
  }
  if (refusal.has_value()) {
    std::move(done)(*std::move(refusal));
    return;
  }
  absl::Status queued = pacer_->Enqueue(
      UpstreamRequestKind::kRead, context.deadline, RequestPacer::Place::kBack,
      [this, key, pending](absl::Status released) {
        OnReleased(key, pending, std::move(released));
      });
  if (!queued.ok()) OnReleased(key, pending, std::move(queued));
}

void SharedGets::OnReleased(const std::string& key,
                            std::shared_ptr<Pending> pending,
                            absl::Status released) {
  std::vector<Waiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(key);
    if (it != pending_.end() && it->second == pending) pending_.erase(it);
    waiters.swap(pending->waiters);
  }
  if (!released.ok()) {
    for (Waiter& waiter : waiters) std::move(waiter.done)(released);
    return;
  }
  const absl::Time now = clock_();
  auto live = std::make_shared<std::vector<Waiter>>();
  store::CallContext context;
  context.deadline = absl::InfinitePast();
  for (Waiter& waiter : waiters) {
    if (waiter.context.deadline <= now) {
      std::move(waiter.done)(absl::DeadlineExceededError(
          "the call's deadline passed while it waited for its turn in the "
          "Graph request budget"));
      continue;
    }
    if (live->empty()) context = waiter.context;
    context.deadline = std::max(context.deadline, waiter.context.deadline);
    live->push_back(std::move(waiter));
  }
  if (live->empty()) return;
  fetcher_->FetchAdmitted(
      context, pending->id,
      [live](absl::StatusOr<ndes::v1::NdesConnector> result) {
        for (Waiter& waiter : *live) std::move(waiter.done)(result);
      });
}

}  // namespace ndes::graph
