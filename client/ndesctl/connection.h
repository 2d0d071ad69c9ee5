// From ndesctl's global options to a channel and client options: address,
// TLS credentials, bearer token, timeout.
//
// Thread-safety: functions without shared state; they read files.
#ifndef NDES_CLIENT_NDESCTL_CONNECTION_H_
#define NDES_CLIENT_NDESCTL_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "ndes/client/client_options.h"
#include "ndesctl/command_line.h"

namespace ndes::ndesctl {

// The channel credentials: insecure without TLS; with TLS, the CA
// certificates of --tls_ca_file or else the system's roots.
// FAILED_PRECONDITION when the CA file cannot be read or is empty.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ConnectionOptions& options);

// The bearer token of --token, or the contents of --token_file without
// trailing whitespace (a file ends with a newline), or "" when neither is
// given. FAILED_PRECONDITION when the file cannot be read, is empty, or the
// token holds characters that metadata cannot carry (outside printable
// ASCII); the message names the file, never the token.
absl::StatusOr<std::string> BearerTokenFor(const ConnectionOptions& options);

// ClientOptions with the token and --timeout (other options: defaults).
absl::StatusOr<ndes::client::ClientOptions> ClientOptionsFor(
    const ConnectionOptions& options);

// A channel to --addr with ChannelCredentialsFor(options). Connects lazily:
// an unreachable address shows up as UNAVAILABLE on the first call.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(
    const ConnectionOptions& options);

}  // namespace ndes::ndesctl

#endif  // NDES_CLIENT_NDESCTL_CONNECTION_H_
