#include "graph/fake_http_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace ndes::graph::testing {
namespace {

constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxBodyBytes = 64 << 20;

[[noreturn]] void Fail(absl::string_view what) {
  std::cerr << "fake HTTP listener: " << what << ": " << std::strerror(errno)
            << std::endl;
  std::abort();
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

bool HasBody(int status) {
  return status >= 200 && status != 204 && status != 304;
}

std::string HttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time,
                          absl::UTCTimeZone());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// Appends what the peer sent next; false at the end of the stream.
bool ReadMore(int fd, std::string& buffer) {
  char chunk[16384];
  while (true) {
    const ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(received));
    return true;
  }
}

enum class ReadResult { kRequest, kClosed, kMalformed };

// Reads one request from `fd` (bytes already received are in `buffer`,
// which keeps what follows the request).
ReadResult ReadRequest(int fd, std::string& buffer, RecordedRequest& request,
                       bool& keep_alive) {
  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes) return ReadResult::kMalformed;
    if (!ReadMore(fd, buffer)) return ReadResult::kClosed;
  }
  const std::string head = buffer.substr(0, head_end);
  buffer.erase(0, head_end + 4);

  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  std::vector<absl::string_view> request_line =
      absl::StrSplit(lines[0], ' ', absl::SkipEmpty());
  if (request_line.size() != 3 ||
      !absl::StartsWith(request_line[2], "HTTP/1.")) {
    return ReadResult::kMalformed;
  }
  request.method = std::string(request_line[0]);
  request.target = std::string(request_line[1]);
  const bool http10 = request_line[2] == "HTTP/1.0";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return ReadResult::kMalformed;
    }
    request.headers.emplace_back(
        absl::AsciiStrToLower(lines[i].substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  const std::string connection =
      absl::AsciiStrToLower(request.Header("connection").value_or(""));
  keep_alive = http10 ? absl::StrContains(connection, "keep-alive")
                      : !absl::StrContains(connection, "close");

  const std::string transfer_encoding =
      absl::AsciiStrToLower(request.Header("transfer-encoding").value_or(""));
  if (absl::StrContains(transfer_encoding, "chunked")) {
    while (true) {
      std::size_t line_end;
      while ((line_end = buffer.find("\r\n")) == std::string::npos) {
        if (buffer.size() > kMaxHeaderBytes) return ReadResult::kMalformed;
        if (!ReadMore(fd, buffer)) return ReadResult::kClosed;
      }
      std::string size_text = buffer.substr(0, line_end);
      size_text = size_text.substr(0, size_text.find(';'));
      buffer.erase(0, line_end + 2);
      char* end = nullptr;
      const unsigned long long size =
          std::strtoull(size_text.c_str(), &end, 16);
      if (size_text.empty() || end == size_text.c_str() ||
          size > kMaxBodyBytes || request.body.size() + size > kMaxBodyBytes) {
        return ReadResult::kMalformed;
      }
      if (size == 0) {
        // Trailers, up to an empty line.
        while (true) {
          while ((line_end = buffer.find("\r\n")) == std::string::npos) {
            if (!ReadMore(fd, buffer)) return ReadResult::kClosed;
          }
          const bool last = line_end == 0;
          buffer.erase(0, line_end + 2);
          if (last) return ReadResult::kRequest;
        }
      }
      while (buffer.size() < size + 2) {
        if (!ReadMore(fd, buffer)) return ReadResult::kClosed;
      }
      request.body.append(buffer, 0, size);
      buffer.erase(0, size + 2);
    }
  }
  std::size_t length = 0;
  if (std::optional<std::string> content_length =
          request.Header("content-length")) {
    if (!absl::SimpleAtoi(*content_length, &length) || length > kMaxBodyBytes) {
      return ReadResult::kMalformed;
    }
  }
  while (buffer.size() < length) {
    if (!ReadMore(fd, buffer)) return ReadResult::kClosed;
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return ReadResult::kRequest;
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> RecordedRequest::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(absl::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

std::map<std::string, std::string> ParseFormBody(absl::string_view body) {
  std::map<std::string, std::string> fields;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    const std::size_t equals = pair.find('=');
    std::string name(pair.substr(0, equals));
    std::string value(equals == absl::string_view::npos
                          ? absl::string_view()
                          : pair.substr(equals + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    fields[PercentDecode(name).value_or(name)] =
        PercentDecode(value).value_or(value);
  }
  return fields;
}

std::string PercentEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0xF]);
    }
  }
  return encoded;
}

// --- FakeHttpListener
// ----------------------------------------------------------

FakeHttpListener::FakeHttpListener(Handler handler)
    : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) Fail("socket");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address),
             sizeof address) != 0) {
    Fail("bind 127.0.0.1:0");
  }
  if (::listen(listen_fd_, 128) != 0) Fail("listen");
  socklen_t length = sizeof address;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
    Fail("getsockname");
  }
  port_ = ntohs(address.sin_port);
  if (::pipe2(wake_fds_, O_CLOEXEC) != 0) Fail("pipe2");
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpListener::~FakeHttpListener() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  const char wake = 'x';
  while (::write(wake_fds_[1], &wake, 1) < 0 && errno == EINTR) {
  }
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    // Unblocks every connection thread in recv or send; each closes its own
    // descriptor (under mu_, so none is shut down after being reused).
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(connection_threads_);
  }
  for (std::thread& thread : threads) thread.join();
  ::close(listen_fd_);
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
}

int FakeHttpListener::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

bool FakeHttpListener::Wait(absl::Duration delay) const {
  absl::MutexLock lock(&mu_);
  if (delay > absl::ZeroDuration()) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  }
  return !stopping_;
}

void FakeHttpListener::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    const int connection = ++connections_;
    open_fds_.insert(fd);
    connection_threads_.emplace_back(
        [this, fd, connection] { ServeConnection(fd, connection); });
  }
}

void FakeHttpListener::ServeConnection(int fd, int connection) {
  std::string buffer;
  for (int sequence = 1;; ++sequence) {
    RecordedRequest request;
    bool keep_alive = true;
    const ReadResult read = ReadRequest(fd, buffer, request, keep_alive);
    if (read == ReadResult::kClosed) break;
    if (read == ReadResult::kMalformed) {
      SendAll(fd,
              "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n");
      break;
    }
    request.connection = connection;
    request.sequence_on_connection = sequence;
    request.received_at = absl::Now();
    const std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    request.query = question == std::string::npos
                        ? ""
                        : request.target.substr(question + 1);

    const FakeHttpAnswer answer = handler_(std::move(request));
    if (!Wait(answer.delay) || answer.close_without_answer) break;

    std::string response = absl::StrCat("HTTP/1.1 ", answer.status, " ",
                                        ReasonPhrase(answer.status), "\r\n");
    absl::StrAppend(&response, "Date: ", HttpDate(absl::Now()), "\r\n");
    if (!HasHeader(answer.headers, "request-id")) {
      absl::StrAppend(&response, "request-id: ", answer.request_id, "\r\n");
    }
    if (!answer.client_request_id.empty() &&
        !HasHeader(answer.headers, "client-request-id")) {
      absl::StrAppend(&response,
                      "client-request-id: ", answer.client_request_id, "\r\n");
    }
    for (const auto& [name, value] : answer.headers) {
      if (absl::EqualsIgnoreCase(name, "content-length")) continue;
      absl::StrAppend(&response, name, ": ", value, "\r\n");
    }
    const bool has_body = HasBody(answer.status);
    if (has_body) {
      absl::StrAppend(&response, "Content-Length: ", answer.body.size(),
                      "\r\n");
    }
    if (!keep_alive) absl::StrAppend(&response, "Connection: close\r\n");
    absl::StrAppend(&response, "\r\n");
    if (has_body) absl::StrAppend(&response, answer.body);
    if (!SendAll(fd, response) || !keep_alive) break;
  }
  absl::MutexLock lock(&mu_);
  open_fds_.erase(fd);
  ::close(fd);
}

}  // namespace ndes::graph::testing
