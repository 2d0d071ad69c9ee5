// One request's way through an HttpServer once the handler has it: the
// answer its responder gives (from any thread, once), and the suspension of
// the connection while the answer is not in.
//
// libmicrohttpd lets only its own thread queue an answer on a connection
// that is not suspended, and forbids stopping the daemon while a
// connection is suspended. So the server's thread suspends a connection
// whose handler returned without answering; Answer stores the answer and
// resumes the connection; libmicrohttpd then calls the server again, on its
// thread, which queues the stored answer. ExchangeBook knows every
// suspended exchange, so that Stop can answer them all and resume them
// before it stops the daemon.
//
// Thread-safe as documented per method.
#ifndef NDES_SERVER_HTTP_SERVER_INTERNAL_EXCHANGE_H_
#define NDES_SERVER_HTTP_SERVER_INTERNAL_EXCHANGE_H_

#include <memory>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http_server/http_exchange.h"

struct MHD_Connection;

namespace ndes::http_server::internal {

class Exchange;

// The exchanges of one server that were handed to the handler.
class ExchangeBook {
 public:
  ExchangeBook() = default;
  ExchangeBook(const ExchangeBook&) = delete;
  ExchangeBook& operator=(const ExchangeBook&) = delete;

  // Server thread: an exchange handed to the handler; one completed
  // (answered and sent, or its connection gone).
  void Dispatched();
  void Completed();

  // Waits until every dispatched exchange has completed, or `deadline`.
  // True when none is left.
  bool AwaitCompleted(absl::Time deadline);

  // Answers every exchange still waiting, and every one whose handler
  // returns from now on without answering, with `answer`, and resumes
  // their connections. Returns when every resume has been done, after
  // which no connection of this server is suspended.
  void AnswerAllWaiting(const HttpServerResponse& answer);

 private:
  friend class Exchange;

  absl::Mutex mu_;
  absl::flat_hash_set<Exchange*> suspended_ ABSL_GUARDED_BY(mu_);
  // Resumes under way on other threads.
  int resuming_ ABSL_GUARDED_BY(mu_) = 0;
  int dispatched_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<HttpServerResponse> refusal_ ABSL_GUARDED_BY(mu_);
};

class Exchange {
 public:
  Exchange(std::shared_ptr<ExchangeBook> book, MHD_Connection* connection);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Any thread. The first answer wins; later ones are dropped. Resumes the
  // connection if the server suspended it.
  void Answer(HttpServerResponse response);

  // Server thread, after the handler returned. True: the answer is in, take
  // it now. False: the connection is suspended until the answer comes (or
  // already resumed, the answer having come meanwhile); libmicrohttpd will
  // call the server again then.
  bool SuspendUnlessAnswered();

  // Server thread: the answer, once; nullopt if none has come.
  std::optional<HttpServerResponse> TakeAnswer();

 private:
  friend class ExchangeBook;

  const std::shared_ptr<ExchangeBook> book_;
  MHD_Connection* const connection_;
  bool answered_ ABSL_GUARDED_BY(book_->mu_) = false;
  bool suspended_ ABSL_GUARDED_BY(book_->mu_) = false;
  std::optional<HttpServerResponse> answer_ ABSL_GUARDED_BY(book_->mu_);
};

}  // namespace ndes::http_server::internal

#endif  // NDES_SERVER_HTTP_SERVER_INTERNAL_EXCHANGE_H_
