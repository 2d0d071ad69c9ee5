// How an HttpServer listens and the limits it holds every client to.
//
// Every limit is enforced before the handler sees a request, so a client
// can neither grow the process's memory past
//   max_connections * (max_header_bytes * 2 + max_body_bytes + TLS buffers)
// nor hold a connection for longer than it takes to deliver one request
// (request_timeout) or to stay silent (idle_timeout).
#ifndef NDES_SERVER_HTTP_SERVER_HTTP_SERVER_OPTIONS_H_
#define NDES_SERVER_HTTP_SERVER_HTTP_SERVER_OPTIONS_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "tls/tls_files.h"

namespace ndes::http_server {

// TLS on the listener (tls/tls_files.h). Files are PEM, read once at Start
// (a missing, unreadable or mismatched file refuses to start, naming it).
// With a client CA, a client must present a certificate that chains to one
// of those CAs and is within its validity period, or the handshake fails
// and the client never reaches the handler; its names are not checked.
using HttpTlsOptions = tls::TlsFiles;

struct HttpServerOptions {
  // "host:port": an IP address ("0.0.0.0", "[::1]") or a host name, whose
  // first IPv4 address is used (else its first IPv6 address). Port 0 picks
  // a free port; HttpServer::port() tells which.
  std::string listen_address = "127.0.0.1:0";
  // Names the server in error messages: "cannot serve <name> on <address>".
  std::string name = "HTTP";
  HttpTlsOptions tls;

  // The request line and header fields together (up to the blank line).
  // Larger: 431, and the connection is closed; the server never buffers
  // more than about twice this per connection while reading headers.
  std::size_t max_header_bytes = 16 * 1024;
  // The body, whatever the method. A Content-Length above it is answered
  // 413 before any of the body is read, and the connection closed; a
  // chunked body that grows past it closes the connection at that point.
  std::size_t max_body_bytes = 1024 * 1024;
  // Open connections. One more is accepted and closed at once (the client
  // sees the connection closed or reset), so a full server answers quickly
  // instead of leaving clients in the listen queue.
  int max_connections = 128;
  // Open connections from one IP address; 0: no limit of its own. The one
  // over it is closed at once.
  int max_connections_per_ip = 0;
  // A connection that sends and receives nothing for this long is closed,
  // whether between requests or in the middle of one. Whole seconds (rounded
  // up); zero: never.
  absl::Duration idle_timeout = absl::Seconds(30);
  // A connection must deliver each request (line, headers, body) within
  // this time of being ready for it (accepted, or its previous answer
  // sent), and take delivery of each answer within this time of the answer
  // being ready; else it is closed. Bytes trickling in do not extend it, so
  // a slow client cannot hold a connection. The wait between keep-alive
  // requests counts: keep it above idle_timeout. Time spent in the handler
  // does not count. Zero: no limit.
  absl::Duration request_timeout = absl::Seconds(60);
  // How long Stop lets requests already handed to the handler finish
  // before it answers the ones still waiting 503.
  absl::Duration stop_grace = absl::Seconds(5);
};

}  // namespace ndes::http_server

#endif  // NDES_SERVER_HTTP_SERVER_HTTP_SERVER_OPTIONS_H_
