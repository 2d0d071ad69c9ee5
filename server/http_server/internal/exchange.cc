#include "http_server/internal/exchange.h"

#include <microhttpd.h>

#include <utility>
#include <vector>

namespace ndes::http_server::internal {

void ExchangeBook::Dispatched() {
  absl::MutexLock lock(&mu_);
  ++dispatched_;
}

void ExchangeBook::Completed() {
  absl::MutexLock lock(&mu_);
  --dispatched_;
}

bool ExchangeBook::AwaitCompleted(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto none_left = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return dispatched_ == 0;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&none_left), deadline);
}

void ExchangeBook::AnswerAllWaiting(const HttpServerResponse& answer) {
  std::vector<MHD_Connection*> to_resume;
  {
    absl::MutexLock lock(&mu_);
    refusal_ = answer;
    for (Exchange* exchange : suspended_) {
      exchange->answered_ = true;
      exchange->suspended_ = false;
      exchange->answer_ = answer;
      to_resume.push_back(exchange->connection_);
    }
    suspended_.clear();
    resuming_ += static_cast<int>(to_resume.size());
  }
  for (MHD_Connection* connection : to_resume) {
    MHD_resume_connection(connection);
  }
  absl::MutexLock lock(&mu_);
  resuming_ -= static_cast<int>(to_resume.size());
  auto no_resume_under_way = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return resuming_ == 0;
  };
  mu_.Await(absl::Condition(&no_resume_under_way));
}

Exchange::Exchange(std::shared_ptr<ExchangeBook> book,
                   MHD_Connection* connection)
    : book_(std::move(book)), connection_(connection) {}

void Exchange::Answer(HttpServerResponse response) {
  {
    absl::MutexLock lock(&book_->mu_);
    if (answered_) return;
    answered_ = true;
    answer_ = std::move(response);
    if (!suspended_) return;  // the server's thread takes it
    suspended_ = false;
    book_->suspended_.erase(this);
    // Counted, so that Stop does not stop the daemon (which frees the
    // connection) before this resume has happened.
    ++book_->resuming_;
  }
  MHD_resume_connection(connection_);
  absl::MutexLock lock(&book_->mu_);
  --book_->resuming_;
}

bool Exchange::SuspendUnlessAnswered() {
  {
    absl::MutexLock lock(&book_->mu_);
    if (answered_) return true;
  }
  // Suspended before it is published as suspended: an Answer racing with
  // this sees it unsuspended and leaves the resume to this thread.
  MHD_suspend_connection(connection_);
  {
    absl::MutexLock lock(&book_->mu_);
    if (!answered_ && book_->refusal_.has_value()) {
      answered_ = true;
      answer_ = *book_->refusal_;
    }
    if (!answered_) {
      suspended_ = true;
      book_->suspended_.insert(this);
      return false;
    }
  }
  MHD_resume_connection(connection_);
  return false;
}

std::optional<HttpServerResponse> Exchange::TakeAnswer() {
  absl::MutexLock lock(&book_->mu_);
  return std::exchange(answer_, std::nullopt);
}

}  // namespace ndes::http_server::internal
