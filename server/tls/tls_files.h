// The TLS files of a listener (PEM certificate chain, private key, optional
// client CA for mutual TLS), read and checked before a server gets them, so
// that a wrong file refuses to start with its name instead of failing every
// handshake later. Both the gRPC listeners and the HTTP ones take these.
//
// Thread-safe: functions of their arguments and the file system.
#ifndef NDES_SERVER_TLS_TLS_FILES_H_
#define NDES_SERVER_TLS_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::tls {

struct TlsFiles {
  // Empty: no TLS.
  std::string cert_file;
  std::string key_file;
  // Set: mutual TLS; a client must present a certificate signed by one of
  // these CAs, or its connection is refused during the handshake.
  std::string client_ca_file;

  bool enabled() const { return !cert_file.empty(); }
};

// The whole of the file at `path`; FAILED_PRECONDITION "cannot read <what>
// "<path>": <reason>" when it cannot be read.
absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view what);

// Checks enabled `files` with OpenSSL: a key file is given, every file can
// be read, the certificate file holds a certificate, the key file an
// unencrypted private key that matches it, the client CA file (if any) a
// certificate. FAILED_PRECONDITION naming the file or the missing option.
absl::Status CheckTlsFiles(const TlsFiles& files);

}  // namespace ndes::tls

#endif  // NDES_SERVER_TLS_TLS_FILES_H_
