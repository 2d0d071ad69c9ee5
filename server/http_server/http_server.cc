#include "http_server/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "http_server/internal/connection_registry.h"
#include "http_server/internal/exchange.h"
#include "http_server/internal/listen_socket.h"
#include "http_server/request_target.h"
#include "http_server/internal/tls_credentials.h"

namespace ndes::http_server {
namespace {

using internal::ConnectionRegistry;
using Phase = internal::ConnectionRegistry::Phase;

// TLS 1.2 and 1.3 only, GnuTLS's default ciphers for them.
constexpr char kTlsPriorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
// Stop's wait for the 503s it queued to reach their clients.
constexpr absl::Duration kRefusalFlushTime = absl::Milliseconds(500);

// One request, from its request line to its completion (libmicrohttpd's
// per-request context).
struct RequestState {
  ConnectionRegistry::Connection* connection = nullptr;
  HttpServerRequest request;
  bool headers_checked = false;
  bool dispatched = false;
  std::shared_ptr<internal::Exchange> exchange;  // once dispatched
};

// RFC 9110 token characters, the only ones a header name may have.
bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        absl::string_view("!#$%&'*+-.^_`|~").find(c) ==
            absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsFieldValue(absl::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void FreeBody(void* body) { delete static_cast<std::string*>(body); }

// `answer` as a libmicrohttpd response (one reference, the caller's), or
// null when a header cannot be sent as given.
MHD_Response* BuildResponse(HttpServerResponse& answer, bool close) {
  auto body = std::make_unique<std::string>(std::move(answer.body));
  MHD_Response* response =
      MHD_create_response_from_buffer_with_free_callback_cls(
          body->size(), body->data(), &FreeBody, body.get());
  if (response == nullptr) return nullptr;
  body.release();  // the response frees it
  for (const auto& [name, value] : answer.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Length")) continue;
    // libmicrohttpd refuses empty values; such a header says nothing anyway.
    if (value.empty()) continue;
    if (!IsToken(name) || !IsFieldValue(value) ||
        MHD_add_response_header(response, name.c_str(), value.c_str()) ==
            MHD_NO) {
      MHD_destroy_response(response);
      return nullptr;
    }
  }
  if (close) MHD_add_response_header(response, "Connection", "close");
  return response;
}

}  // namespace

class HttpServer::Daemon {
 public:
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      const HttpServerOptions& options, const internal::ListenSocket& socket,
      HttpHandler handler);
  ~Daemon() { Stop(); }

  void Stop();

 private:
  Daemon(const HttpServerOptions& options, HttpHandler handler)
      : options_(options),
        handler_(std::move(handler)),
        connections_(options.request_timeout),
        book_(std::make_shared<internal::ExchangeBook>()) {}

  // libmicrohttpd's callbacks; `cls` is the Daemon.
  static void OnLog(void* cls, const char* format, va_list arguments);
  static MHD_Result OnAccept(void* cls, const sockaddr* address,
                             socklen_t length);
  static void OnConnection(void* cls, MHD_Connection* connection,
                           void** socket_context,
                           MHD_ConnectionNotificationCode code);
  static void* OnRequestLine(void* cls, const char* target,
                             MHD_Connection* connection);
  static MHD_Result OnRequest(void* cls, MHD_Connection* connection,
                              const char* url, const char* method,
                              const char* version, const char* upload_data,
                              size_t* upload_data_size, void** context);
  static void OnCompleted(void* cls, MHD_Connection* connection, void** context,
                          MHD_RequestTerminationCode code);

  MHD_Result CheckHeaders(MHD_Connection* connection, RequestState& state,
                          const char* method);
  MHD_Result Dispatch(MHD_Connection* connection, RequestState& state);
  MHD_Result Queue(MHD_Connection* connection, RequestState& state,
                   HttpServerResponse answer);

  const HttpServerOptions options_;
  HttpHandler handler_;
  internal::TlsCredentials tls_;
  ConnectionRegistry connections_;
  const std::shared_ptr<internal::ExchangeBook> book_;
  std::atomic<bool> draining_{false};
  MHD_Daemon* daemon_ = nullptr;

  absl::Mutex log_mu_;
  bool starting_ ABSL_GUARDED_BY(log_mu_) = true;
  std::string start_log_ ABSL_GUARDED_BY(log_mu_);
};

absl::StatusOr<std::unique_ptr<HttpServer::Daemon>> HttpServer::Daemon::Start(
    const HttpServerOptions& options, const internal::ListenSocket& socket,
    HttpHandler handler) {
  std::unique_ptr<Daemon> daemon(new Daemon(options, std::move(handler)));
  unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD |
                       MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (options.tls.enabled()) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot serve ", options.name,
                       " over TLS: this libmicrohttpd is built without TLS"));
    }
    absl::StatusOr<internal::TlsCredentials> tls =
        internal::LoadTlsCredentials(options.tls);
    if (!tls.ok()) return tls.status();
    daemon->tls_ = *std::move(tls);
    flags |= MHD_USE_TLS;
  }
  const unsigned int idle_seconds = static_cast<unsigned int>(std::min<int64_t>(
      absl::ToInt64Seconds(absl::Ceil(options.idle_timeout, absl::Seconds(1))),
      std::numeric_limits<unsigned int>::max()));
  // Headers are parsed in place in the connection's memory pool, which also
  // holds their index and the answer's header; twice the header limit
  // leaves room for both (this file checks the exact limit itself).
  const std::size_t pool_bytes =
      std::max<std::size_t>(2 * options.max_header_bytes + 4096, 8192);
  // The daemon gets a descriptor of its own: when it fails to start it has
  // closed that descriptor or not, depending on how far it got.
  const int daemon_fd = fcntl(socket.fd(), F_DUPFD_CLOEXEC, 0);
  if (daemon_fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve ", options.name,
                                               " on ", socket.address(), ": ",
                                               std::strerror(errno)));
  }
  Daemon* self = daemon.get();
  auto callback = [](auto function) {
    return reinterpret_cast<intptr_t>(function);
  };
  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_EXTERNAL_LOGGER, callback(&OnLog), self},
      {MHD_OPTION_LISTEN_SOCKET, daemon_fd, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(pool_bytes),
       nullptr},
      // One over the limit, so that libmicrohttpd keeps accepting and
      // OnAccept closes the connection over the limit at once.
      {MHD_OPTION_CONNECTION_LIMIT,
       static_cast<intptr_t>(options.max_connections) + 1, nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_ip,
       nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, idle_seconds, nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, callback(&OnConnection), self},
      {MHD_OPTION_URI_LOG_CALLBACK, callback(&OnRequestLine), self},
      {MHD_OPTION_NOTIFY_COMPLETED, callback(&OnCompleted), self},
  };
  if (options.tls.enabled()) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0,
                     const_cast<char*>(daemon->tls_.cert_pem.c_str())});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0,
                     const_cast<char*>(daemon->tls_.key_pem.c_str())});
    items.push_back(
        {MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(kTlsPriorities)});
    if (!daemon->tls_.client_ca_pem.empty()) {
      items.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0,
                       const_cast<char*>(daemon->tls_.client_ca_pem.c_str())});
    }
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});

  daemon->daemon_ =
      MHD_start_daemon(flags, 0, &OnAccept, self, &OnRequest, self,
                       MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  absl::MutexLock lock(&daemon->log_mu_);
  daemon->starting_ = false;
  if (daemon->daemon_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve ", options.name, " on ", socket.address(), ": ",
        daemon->start_log_.empty() ? "libmicrohttpd did not start"
                                   : daemon->start_log_));
  }
  return daemon;
}

void HttpServer::Daemon::Stop() {
  if (daemon_ == nullptr) return;
  draining_ = true;
  // Stops accepting. The socket is ours to close, but only after the daemon
  // has stopped (its thread may still look at the descriptor); shutting it
  // down refuses new connections at once instead of queueing them.
  const MHD_socket listen_fd = MHD_quiesce_daemon(daemon_);
  if (listen_fd != MHD_INVALID_SOCKET) shutdown(listen_fd, SHUT_RDWR);
  const absl::Time deadline = absl::Now() + options_.stop_grace;
  if (!book_->AwaitCompleted(deadline)) {
    book_->AnswerAllWaiting(
        HttpServerResponse::Text(503, "unavailable: the server is stopping\n"));
    book_->AwaitCompleted(absl::Now() + kRefusalFlushTime);
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
}

void HttpServer::Daemon::OnLog(void* cls, const char* format,
                               va_list arguments) {
  auto* self = static_cast<Daemon*>(cls);
  absl::MutexLock lock(&self->log_mu_);
  // Kept while starting, to explain a failure; afterwards libmicrohttpd
  // speaks of single connections (a client gone, a handshake refused),
  // which the client's own error says better.
  if (!self->starting_) return;
  char line[512];
  std::vsnprintf(line, sizeof(line), format, arguments);
  self->start_log_ = std::string(absl::StripAsciiWhitespace(line));
}

MHD_Result HttpServer::Daemon::OnAccept(void* cls, const sockaddr*, socklen_t) {
  auto* self = static_cast<Daemon*>(cls);
  return self->connections_.size() < self->options_.max_connections ? MHD_YES
                                                                    : MHD_NO;
}

void HttpServer::Daemon::OnConnection(void* cls, MHD_Connection* connection,
                                      void** socket_context,
                                      MHD_ConnectionNotificationCode code) {
  auto* self = static_cast<Daemon*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    // Before libmicrohttpd closes the descriptor: see ConnectionRegistry.
    self->connections_.Remove(
        static_cast<ConnectionRegistry::Connection*>(*socket_context));
    *socket_context = nullptr;
    return;
  }
  const MHD_ConnectionInfo* fd =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  *socket_context = self->connections_.Add(fd != nullptr ? fd->connect_fd : -1);
  if (!self->tls_.client_ca_pem.empty()) {
    const MHD_ConnectionInfo* tls =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (tls != nullptr) internal::RequireClientCertificate(tls->tls_session);
  }
}

void* HttpServer::Daemon::OnRequestLine(void* cls, const char* target,
                                        MHD_Connection* connection) {
  auto state = std::make_unique<RequestState>();
  const MHD_ConnectionInfo* socket =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (socket != nullptr) {
    state->connection =
        static_cast<ConnectionRegistry::Connection*>(socket->socket_context);
  }
  // As sent: libmicrohttpd decodes its own copy in place afterwards.
  state->request.target = target != nullptr ? target : "";
  return state.release();  // OnCompleted deletes it
}

MHD_Result HttpServer::Daemon::OnRequest(void* cls, MHD_Connection* connection,
                                         const char* url, const char* method,
                                         const char*, const char* upload_data,
                                         size_t* upload_data_size,
                                         void** context) {
  auto* self = static_cast<Daemon*>(cls);
  auto* state = static_cast<RequestState*>(*context);
  if (state == nullptr) {  // OnRequestLine always runs first; be safe
    state = static_cast<RequestState*>(OnRequestLine(cls, url, connection));
    *context = state;
  }
  if (!state->headers_checked) {
    state->headers_checked = true;
    return self->CheckHeaders(connection, *state, method);
  }
  if (*upload_data_size != 0) {
    if (state->request.body.size() + *upload_data_size >
        self->options_.max_body_bytes) {
      // A chunked body over the limit: libmicrohttpd 0.9.75 cannot answer
      // in the middle of a body, so the connection is closed.
      return MHD_NO;
    }
    state->request.body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (!state->dispatched) return self->Dispatch(connection, *state);
  // Called again after the answer resumed the connection, which only an
  // answer does; without one, closing beats being called in a loop.
  std::optional<HttpServerResponse> answer = state->exchange->TakeAnswer();
  if (!answer.has_value()) return MHD_NO;
  return self->Queue(connection, *state, *std::move(answer));
}

MHD_Result HttpServer::Daemon::CheckHeaders(MHD_Connection* connection,
                                            RequestState& state,
                                            const char* method) {
  HttpServerRequest& request = state.request;
  request.method = method;
  request.path = std::string(TargetPath(request.target));
  request.query = TargetQuery(request.target);
  MHD_get_connection_values_n(
      connection, MHD_HEADER_KIND,
      [](void* cls, MHD_ValueKind, const char* key, size_t key_size,
         const char* value, size_t value_size) {
        static_cast<HttpServerRequest*>(cls)->headers.emplace_back(
            std::string(key, key_size),
            value != nullptr ? std::string(value, value_size) : "");
        return MHD_YES;
      },
      &request);
  const MHD_ConnectionInfo* peer =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (peer != nullptr) {
    request.peer = internal::FormatSocketAddress(peer->client_addr);
  }
  request.tls = options_.tls.enabled();

  const MHD_ConnectionInfo* header_size = MHD_get_connection_info(
      connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (header_size != nullptr &&
      header_size->header_size > options_.max_header_bytes) {
    return Queue(connection, state,
                 HttpServerResponse::Text(
                     431, absl::StrCat("request header fields too large; "
                                       "the limit is ",
                                       options_.max_header_bytes, " bytes\n")));
  }
  uint64_t content_length = 0;
  if (const std::optional<std::string> length =
          request.Header("Content-Length");
      length.has_value() && absl::SimpleAtoi(*length, &content_length) &&
      content_length > options_.max_body_bytes) {
    return Queue(connection, state,
                 HttpServerResponse::Text(
                     413, absl::StrCat("content too large; the limit "
                                       "is ",
                                       options_.max_body_bytes, " bytes\n")));
  }
  if (draining_) {
    return Queue(
        connection, state,
        HttpServerResponse::Text(503, "unavailable: the server is stopping\n"));
  }
  return MHD_YES;
}

MHD_Result HttpServer::Daemon::Dispatch(MHD_Connection* connection,
                                        RequestState& state) {
  state.dispatched = true;
  if (state.connection != nullptr) {
    connections_.Enter(state.connection, Phase::kHandling);
  }
  state.exchange = std::make_shared<internal::Exchange>(book_, connection);
  book_->Dispatched();
  try {
    handler_(std::move(state.request), HttpResponder(state.exchange));
  } catch (...) {
    // A handler must not throw; the responder it dropped answered 500.
  }
  if (!state.exchange->SuspendUnlessAnswered()) return MHD_YES;
  return Queue(connection, state, *state.exchange->TakeAnswer());
}

MHD_Result HttpServer::Daemon::Queue(MHD_Connection* connection,
                                     RequestState& state,
                                     HttpServerResponse answer) {
  if (state.connection != nullptr) {
    connections_.Enter(state.connection, Phase::kSending);
  }
  if (answer.status < 200 || answer.status > 599) {
    answer = HttpServerResponse::Text(
        500, absl::StrCat("internal error: the handler answered status ",
                          answer.status, "\n"));
  }
  int status = answer.status;
  MHD_Response* response = BuildResponse(answer, draining_);
  if (response == nullptr) {
    HttpServerResponse error = HttpServerResponse::Text(
        500,
        "internal error: the handler answered a header that cannot be "
        "sent\n");
    status = error.status;
    response = BuildResponse(error, draining_);
    if (response == nullptr) return MHD_NO;  // out of memory: close
  }
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);  // the connection holds its own reference
  return queued;
}

void HttpServer::Daemon::OnCompleted(void* cls, MHD_Connection*, void** context,
                                     MHD_RequestTerminationCode) {
  auto* self = static_cast<Daemon*>(cls);
  std::unique_ptr<RequestState> state(static_cast<RequestState*>(*context));
  *context = nullptr;
  if (state == nullptr) return;
  if (state->dispatched) self->book_->Completed();
  // Ready for the next request on this connection, if it stays open.
  if (state->connection != nullptr) {
    self->connections_.Enter(state->connection, Phase::kReceiving);
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler) {
  if (options.max_header_bytes < 1024 || options.max_connections < 1 ||
      options.max_connections_per_ip < 0 ||
      options.idle_timeout < absl::ZeroDuration() ||
      options.request_timeout < absl::ZeroDuration() ||
      options.stop_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid limits for ", options.name,
        ": max_header_bytes must be at least 1024, max_connections at least "
        "1, and no limit or timeout may be negative"));
  }
  absl::StatusOr<internal::ListenSocket> socket = internal::ListenSocket::Open(
      options.listen_address, options.name, SOMAXCONN);
  if (!socket.ok()) return socket.status();
  absl::StatusOr<std::unique_ptr<Daemon>> daemon =
      Daemon::Start(options, *socket, std::move(handler));
  if (!daemon.ok()) return daemon.status();
  return std::unique_ptr<HttpServer>(
      new HttpServer(socket->address(), socket->port(), *std::move(daemon)));
}

HttpServer::HttpServer(std::string address, int port,
                       std::unique_ptr<Daemon> daemon)
    : address_(std::move(address)), port_(port), daemon_(std::move(daemon)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  absl::MutexLock lock(&mu_);
  if (daemon_ != nullptr) daemon_->Stop();
  daemon_.reset();
}

}  // namespace ndes::http_server
