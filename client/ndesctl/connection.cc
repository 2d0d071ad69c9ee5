#include "ndesctl/connection.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"

namespace ndes::ndesctl {
namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& option,
                                          const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--", option, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string contents((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  if (in.bad()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", option, ": error reading ", path));
  }
  return contents;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ConnectionOptions& options) {
  if (!options.tls && options.tls_ca_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca_file.empty()) {
    absl::StatusOr<std::string> roots =
        ReadWholeFile("tls_ca_file", options.tls_ca_file);
    if (!roots.ok()) return roots.status();
    if (absl::StripAsciiWhitespace(*roots).empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("--tls_ca_file: ", options.tls_ca_file, " is empty"));
    }
    ssl.pem_root_certs = *std::move(roots);
  }
  return grpc::SslCredentials(ssl);
}

absl::StatusOr<std::string> BearerTokenFor(const ConnectionOptions& options) {
  std::string token = options.token;
  std::string source = "--token";
  if (!options.token_file.empty()) {
    absl::StatusOr<std::string> contents =
        ReadWholeFile("token_file", options.token_file);
    if (!contents.ok()) return contents.status();
    token = std::string(absl::StripTrailingAsciiWhitespace(*contents));
    source = absl::StrCat("--token_file: ", options.token_file);
    if (token.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(source, " is empty"));
    }
  }
  for (const char c : token) {
    if (c < 0x20 || c > 0x7e) {
      return absl::FailedPreconditionError(absl::StrCat(
          source,
          ": the token holds a character that gRPC metadata cannot carry "
          "(only printable ASCII, one line)"));
    }
  }
  return token;
}

absl::StatusOr<ndes::client::ClientOptions> ClientOptionsFor(
    const ConnectionOptions& options) {
  absl::StatusOr<std::string> token = BearerTokenFor(options);
  if (!token.ok()) return token.status();
  ndes::client::ClientOptions client_options;
  client_options.bearer_token = *std::move(token);
  client_options.timeout = options.timeout;
  return client_options;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(
    const ConnectionOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(options);
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateChannel(options.addr, *credentials);
}

}  // namespace ndes::ndesctl
