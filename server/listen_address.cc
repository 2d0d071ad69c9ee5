#include "listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ndes {
namespace {

constexpr char kUnixPrefix[] = "unix:";

}  // namespace

bool IsUnixAddress(absl::string_view address) {
  return absl::StartsWith(address, kUnixPrefix);
}

// "unix:/a/b" and "unix:///a/b" -> "/a/b".
std::string UnixSocketPath(absl::string_view address) {
  absl::ConsumePrefix(&address, kUnixPrefix);
  if (absl::StartsWith(address, "///")) address.remove_prefix(2);
  return std::string(address);
}

// The host part of "host:port" / "[v6]:port", brackets removed.
std::string HostOf(absl::string_view address) {
  const std::size_t colon = address.rfind(':');
  absl::string_view host =
      colon == absl::string_view::npos ? address : address.substr(0, colon);
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  return std::string(host);
}

// "localhost", or a literal address in 127.0.0.0/8 or ::1. A name that
// merely starts with "127." could resolve anywhere.
bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost") return true;
  const std::string literal(host);
  in_addr v4;
  if (inet_pton(AF_INET, literal.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  return inet_pton(AF_INET6, literal.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

// "127.0.0.1:0" with port 43123 -> "127.0.0.1:43123"; unix: as given.
std::string DialAddress(const std::string& listen, int port) {
  if (IsUnixAddress(listen)) return listen;
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return listen;
  std::string host = listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return absl::StrCat(host, ":", port);
}

// Prepares a Unix socket path for binding: refuses a path in use by a live
// server (gRPC would silently unlink it and steal its clients) or taken by
// something that is not a socket; removes a stale socket file left by a
// process that died.
absl::Status PrepareSocketPath(const std::string& path) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot listen on \"unix:", path, "\": the path must have 1 to ",
        sizeof(sockaddr_un::sun_path) - 1, " characters"));
  }
  struct stat info;
  if (lstat(path.c_str(), &info) != 0) return absl::OkStatus();
  if (!S_ISSOCK(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on \"unix:", path,
                     "\": the path exists and is not a socket"));
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::OkStatus();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const bool live =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  if (live) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on \"unix:", path,
                     "\": another process is serving on that socket"));
  }
  unlink(path.c_str());
  return absl::OkStatus();
}

}  // namespace ndes
