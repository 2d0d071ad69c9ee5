#include "http/cpprest_http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cpprest/http_client.h"
#include "cpprest/producerconsumerstream.h"
#include "pplx/pplxtasks.h"

namespace ndes::http {
namespace {

namespace client = web::http::client;

// Nagle's algorithm would hold a small request behind the previous one's
// ACK. cpprestsdk calls this before every request; on a connection that is
// not open yet the option cannot be set, and the error is ignored.
void SetNoDelay(client::native_handle handle) {
  boost::system::error_code ignored;
  auto* socket = static_cast<boost::asio::ip::tcp::socket*>(handle);
  socket->set_option(boost::asio::ip::tcp::no_delay(true), ignored);
}

void SetNoDelayTls(client::native_handle handle) {
  boost::system::error_code ignored;
  auto* stream =
      static_cast<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>*>(
          handle);
  stream->lowest_layer().set_option(boost::asio::ip::tcp::no_delay(true),
                                    ignored);
}

// The status for an exception thrown by cpprestsdk for one request.
absl::Status StatusFromException(std::exception_ptr error, bool timed_out) {
  if (timed_out) {
    return absl::DeadlineExceededError(
        "the HTTP request did not complete before its deadline");
  }
  try {
    std::rethrow_exception(error);
  } catch (const pplx::task_canceled&) {
    return absl::DeadlineExceededError(
        "the HTTP request did not complete before its deadline");
  } catch (const web::http::http_exception& e) {
    return absl::UnavailableError(
        absl::StrCat("HTTP request failed: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("HTTP request failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("HTTP request failed");
  }
}

// What one request shares between its continuation and its deadline timer.
struct RequestState {
  RequestState() = default;
  HttpCallback done;
  pplx::cancellation_token_source cancel;
  std::atomic<bool> timed_out{false};
};

}  // namespace

std::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

CpprestHttpClient::CpprestHttpClient(CpprestHttpClientOptions options)
    : options_(options) {}

CpprestHttpClient::~CpprestHttpClient() = default;

absl::StatusOr<std::shared_ptr<client::http_client>>
CpprestHttpClient::ClientFor(const std::string& url) {
  std::string origin;
  bool tls = false;
  try {
    web::uri uri(url);
    if (uri.scheme() != "http" && uri.scheme() != "https") {
      return absl::InvalidArgumentError(
          absl::StrCat("not an http(s) URL: ", url));
    }
    if (uri.host().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("URL has no host: ", url));
    }
    origin = uri.authority().to_string();
    tls = uri.scheme() == "https";
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("malformed URL: ", url));
  }

  absl::MutexLock lock(&mu_);
  auto it = clients_.find(origin);
  if (it != clients_.end()) return it->second;
  try {
    client::http_client_config config;
    config.set_timeout(absl::ToChronoMilliseconds(options_.default_timeout));
    config.set_nativehandle_options(tls ? SetNoDelayTls : SetNoDelay);
    auto created =
        std::make_shared<client::http_client>(web::uri(origin), config);
    clients_.emplace(origin, created);
    return created;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot create an HTTP client for ", origin, ": ", e.what()));
  }
}

void CpprestHttpClient::Send(HttpRequest request, HttpCallback done) {
  absl::StatusOr<std::shared_ptr<client::http_client>> http =
      ClientFor(request.url);
  if (!http.ok()) {
    std::move(done)(http.status());
    return;
  }
  const absl::Duration remaining = request.deadline - absl::Now();
  if (remaining <= absl::ZeroDuration()) {
    std::move(done)(absl::DeadlineExceededError(
        "the caller's deadline passed before the HTTP request was sent"));
    return;
  }

  auto state = std::make_shared<RequestState>();
  state->done = std::move(done);
  try {
    web::http::http_request message(request.method);
    web::uri uri(request.url);
    message.set_request_uri(uri.resource());
    for (const auto& [name, value] : request.headers) {
      message.headers().add(name, value);
    }
    if (request.method == "GET" || request.method == "HEAD") {
      if (!request.body.empty()) message.set_body(std::move(request.body));
    } else {
      // cpprestsdk silently sends a request again when a pooled connection
      // turns out closed before the answer, unless the body cannot be
      // rewound. For a write that is not safe: the server may have applied
      // it (a POST would create twice, a conditional PATCH would then fail
      // its own etag). A body in a producer/consumer buffer cannot be
      // rewound, so the lost answer is reported (UNAVAILABLE) instead.
      std::string content_type = "application/json";
      for (const auto& [name, value] : request.headers) {
        if (absl::EqualsIgnoreCase(name, "content-type")) content_type = value;
      }
      //
      // The buffer copies the body and closes its write end before these
      // calls return; the tasks they return only pass exceptions on, in a
      // continuation on cpprestsdk's thread pool. They are not waited for:
      // Send runs on that pool too (a write that follows another request's
      // answer), and a pool thread waiting for work only the pool can run
      // deadlocks once every pool thread does it.
      concurrency::streams::producer_consumer_buffer<uint8_t> buffer;
      if (!request.body.empty()) {
        buffer.putn_nocopy(
            reinterpret_cast<const uint8_t*>(request.body.data()),
            request.body.size());
      }
      buffer.close(std::ios_base::out);
      message.set_body(concurrency::streams::istream(buffer),
                       request.body.size(), content_type);
    }

    if (remaining < options_.default_timeout) {
      // cpprestsdk's timeout is per client; a per-request deadline cancels
      // the request instead.
      std::weak_ptr<RequestState> weak = state;
      deadlines_.RunAfter(remaining, [weak] {
        if (std::shared_ptr<RequestState> live = weak.lock()) {
          live->timed_out = true;
          live->cancel.cancel();
        }
      });
    }
    // Two continuations, not more: each one is a task on cpprestsdk's
    // thread pool, and every hop between its threads costs a wake-up.
    (*http)
        ->request(message, state->cancel.get_token())
        .then([state](pplx::task<web::http::http_response> sent) {
          web::http::http_response response;
          try {
            response = sent.get();
          } catch (...) {
            std::move(state->done)(StatusFromException(
                std::current_exception(), state->timed_out.load()));
            return;
          }
          pplx::task<std::string> body;
          HttpResponse result;
          try {
            result.status_code = response.status_code();
            for (const auto& [name, value] : response.headers()) {
              result.headers.emplace_back(absl::AsciiStrToLower(name), value);
            }
            body = response.extract_utf8string(true);
          } catch (...) {
            std::move(state->done)(StatusFromException(
                std::current_exception(), state->timed_out.load()));
            return;
          }
          body.then([state, result = std::move(result)](
                        pplx::task<std::string> read) mutable {
            try {
              result.body = read.get();
            } catch (...) {
              std::move(state->done)(StatusFromException(
                  std::current_exception(), state->timed_out.load()));
              return;
            }
            std::move(state->done)(std::move(result));
          });
        });
  } catch (...) {
    std::move(state->done)(
        StatusFromException(std::current_exception(), false));
  }
}

struct ThreadScheduler::State {
  std::mutex mu;
  std::condition_variable wake;
  std::multimap<absl::Time, absl::AnyInvocable<void() &&>> pending;
  bool stopping = false;
  std::thread thread;

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      if (pending.empty()) {
        wake.wait(lock);
        continue;
      }
      const absl::Time due = pending.begin()->first;
      if (absl::Now() < due) {
        wake.wait_until(lock, absl::ToChronoTime(due));
        continue;
      }
      absl::AnyInvocable<void()&&> work = std::move(pending.begin()->second);
      pending.erase(pending.begin());
      lock.unlock();
      std::move(work)();
      lock.lock();
    }
  }
};

ThreadScheduler::ThreadScheduler() : state_(std::make_unique<State>()) {
  state_->thread = std::thread([state = state_.get()] { state->Run(); });
}

ThreadScheduler::~ThreadScheduler() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->thread.join();
  // Every piece of work runs exactly once: what is still pending runs now.
  while (true) {
    absl::AnyInvocable<void() &&> work;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->pending.empty()) break;
      work = std::move(state_->pending.begin()->second);
      state_->pending.erase(state_->pending.begin());
    }
    std::move(work)();
  }
}

void ThreadScheduler::RunAfter(absl::Duration delay,
                               absl::AnyInvocable<void() &&> work) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->pending.emplace(absl::Now() + delay, std::move(work));
  }
  state_->wake.notify_all();
}

}  // namespace ndes::http
