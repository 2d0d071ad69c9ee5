// HttpServer: an embedded HTTP/1.1 server (libmicrohttpd underneath) with
// limits on everything a client controls, TLS and mutual TLS, and
// asynchronous handlers.
//
//   HttpServerOptions options;
//   options.listen_address = "0.0.0.0:9464";
//   absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
//       options, [](HttpServerRequest request, HttpResponder responder) {
//         HttpServerResponse response;
//         response.body = "hello\n";
//         std::move(responder).Answer(std::move(response));
//       });
//   if (!server.ok()) ... // names the address or file
//   LOG "serving on " << (*server)->address();
//   ...
//   (*server)->Stop();
//
// HTTP/1.0 and 1.1 with keep-alive; pipelined requests are handled one
// after the other and answered in order. HEAD is handed to the handler like
// any method; the server leaves the body out of the answer. The server
// answers these itself, without calling the handler:
//   400  a request it cannot parse
//   413  a Content-Length over max_body_bytes (see HttpServerOptions)
//   431  headers over max_header_bytes (414 when the request line alone is)
//   503  a request arriving while Stop drains
// and closes the connection after each of them.
//
// Threads: one thread, started by Start, accepts, reads, parses, calls the
// handler and writes, with epoll. Handlers never block it (they answer
// through the responder, from any thread), so one thread serves every
// connection; it also keeps the connection limits exact. A second thread
// closes connections that overstay request_timeout.
//
// Thread-safe.
#ifndef NDES_SERVER_HTTP_SERVER_HTTP_SERVER_H_
#define NDES_SERVER_HTTP_SERVER_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "http_server/http_exchange.h"
#include "http_server/http_server_options.h"

namespace ndes::http_server {

class HttpServer {
 public:
  // Listens and starts serving, calling `handler` for each request.
  // Errors:
  //   INVALID_ARGUMENT     listen_address is not host:port, or a limit is
  //                        out of range
  //   UNAVAILABLE          cannot listen there (in use, not an address of
  //                        this host, unknown host), naming the address
  //   FAILED_PRECONDITION  a TLS file is missing, unreadable or invalid, or
  //                        the key does not match the certificate, naming
  //                        the file
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler);

  // Stops, if Stop was not called.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops accepting connections at once (the port is free when Stop
  // returns), answers requests that arrive on open connections 503, gives
  // requests already handed to the handler up to stop_grace to be answered
  // and sent, answers the ones still waiting 503, and closes every
  // connection. Returns within stop_grace plus half a second. Idempotent.
  // Not from a handler: Stop waits for the thread handlers run on.
  void Stop();

  // host:port as listened on, with the chosen port ("127.0.0.1:39211"; an
  // IPv6 host in brackets; a host name as given).
  const std::string& address() const { return address_; }
  int port() const { return port_; }

 private:
  class Daemon;  // libmicrohttpd's daemon, kept out of this header
  HttpServer(std::string address, int port, std::unique_ptr<Daemon> daemon);

  const std::string address_;
  const int port_;
  absl::Mutex mu_;
  std::unique_ptr<Daemon> daemon_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ndes::http_server

#endif  // NDES_SERVER_HTTP_SERVER_HTTP_SERVER_H_
