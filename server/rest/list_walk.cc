#include "rest/list_walk.h"

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace ndes::rest {
namespace {

class Walk : public std::enable_shared_from_this<Walk> {
 public:
  Walk(store::ConnectorStore& store, store::CallContext context,
       store::ListQuery query, PageVisitor visit)
      : store_(store),
        context_(std::move(context)),
        query_(std::move(query)),
        visit_(std::move(visit)) {}

  // Asks for pages until one is answered later, on another thread (which
  // then carries on), or the visitor stops.
  void Run() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        asking_ = true;
        again_ = false;
      }
      store_.List(context_, query_,
                  [self = shared_from_this()](
                      absl::StatusOr<store::ListPage> page) mutable {
                    self->Arrived(std::move(page));
                  });
      absl::MutexLock lock(&mu_);
      asking_ = false;
      if (!again_) return;
    }
  }

 private:
  void Arrived(absl::StatusOr<store::ListPage> page) {
    if (!visit_(std::move(page), &query_)) return;
    {
      absl::MutexLock lock(&mu_);
      // Answered inline: Run's loop asks for the next page once List
      // returns.
      if (asking_) {
        again_ = true;
        return;
      }
    }
    Run();
  }

  store::ConnectorStore& store_;
  const store::CallContext context_;
  store::ListQuery query_;
  PageVisitor visit_;
  absl::Mutex mu_;
  bool asking_ ABSL_GUARDED_BY(mu_) = false;
  bool again_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

void WalkPages(store::ConnectorStore& store, store::CallContext context,
               store::ListQuery query, PageVisitor visit) {
  std::make_shared<Walk>(store, std::move(context), std::move(query),
                         std::move(visit))
      ->Run();
}

}  // namespace ndes::rest
