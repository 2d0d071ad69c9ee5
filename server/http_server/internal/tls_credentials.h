// The TLS files of an HttpServer, read and checked with GnuTLS (the TLS
// library libmicrohttpd uses) before the daemon gets them, so that a wrong
// file refuses to start with its name instead of failing every handshake.
#ifndef NDES_SERVER_HTTP_SERVER_INTERNAL_TLS_CREDENTIALS_H_
#define NDES_SERVER_HTTP_SERVER_INTERNAL_TLS_CREDENTIALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "http_server/http_server_options.h"

namespace ndes::http_server::internal {

// The PEM texts, as libmicrohttpd takes them.
struct TlsCredentials {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // empty: no client certificates
};

// Reads and checks `tls` (which must be enabled()). FAILED_PRECONDITION
// naming the file: missing or unreadable, no certificate in it, no
// unencrypted private key in it, a key that does not match the
// certificate, a client CA file without a certificate; or naming the option
// missing (a certificate without a key, a client CA without a certificate).
absl::StatusOr<TlsCredentials> LoadTlsCredentials(const HttpTlsOptions& tls);

// Makes the handshake of `session` (a gnutls_session_t of a server
// connection, before its handshake) fail unless the client presents a
// certificate that verifies against the credentials' trust list (chain and
// validity period; no name check).
void RequireClientCertificate(void* session);

}  // namespace ndes::http_server::internal

#endif  // NDES_SERVER_HTTP_SERVER_INTERNAL_TLS_CREDENTIALS_H_
