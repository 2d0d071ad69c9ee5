#include "graph/fake_graph_server.h"

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

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"

namespace ndes::graph::testing {
namespace {

constexpr absl::string_view kBasePath = "/beta";
constexpr absl::string_view kCollectionSuffix =
    "/deviceManagement/ndesConnectors";
constexpr absl::string_view kTokenSuffix = "/oauth2/v2.0/token";
constexpr absl::string_view kGraphScope =
    "https://graph.microsoft.com/.default";
constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxBodyBytes = 64 << 20;

[[noreturn]] void Fail(absl::string_view what) {
  std::cerr << "FakeGraphServer: " << what << ": " << std::strerror(errno)
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

std::string IsoDate(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", time, absl::UTCTimeZone());
}

// Every byte but the unreserved ones of RFC 3986 percent-encoded.
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

// Whether an If-Match header (absent: no condition) matches `etag`.
bool IfMatchAllows(const std::optional<std::string>& if_match,
                   const std::string& etag) {
  if (!if_match.has_value()) return true;
  for (absl::string_view candidate : absl::StrSplit(*if_match, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

// cpprestsdk's erase throws for a key that is not there.
void EraseIfPresent(web::json::value& object, const std::string& key) {
  if (object.is_object() && object.has_field(key)) object.erase(key);
}

bool IsJsonContent(const RecordedRequest& request) {
  return absl::StartsWithIgnoreCase(request.Header("content-type").value_or(""),
                                    "application/json");
}

}  // namespace

// --- Free functions ----------------------------------------------------------

std::optional<std::string> RecordedRequest::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::string GraphErrorBody(absl::string_view code, absl::string_view message,
                           absl::string_view request_id,
                           absl::string_view client_request_id) {
  web::json::value inner = web::json::value::object();
  inner["date"] = web::json::value::string(IsoDate(absl::Now()));
  inner["request-id"] = web::json::value::string(std::string(request_id));
  inner["client-request-id"] =
      web::json::value::string(std::string(client_request_id));
  web::json::value error = web::json::value::object();
  error["code"] = web::json::value::string(std::string(code));
  error["message"] = web::json::value::string(std::string(message));
  error["innerError"] = inner;
  web::json::value envelope = web::json::value::object();
  envelope["error"] = error;
  return envelope.serialize();
}

std::string IntuneErrorMessage(absl::string_view message) {
  web::json::value document = web::json::value::object();
  document["_version"] = web::json::value::number(3);
  document["Message"] = web::json::value::string(std::string(message));
  document["CustomApiErrorPhrase"] = web::json::value::string("");
  document["RetryAfter"] = web::json::value::null();
  document["ErrorSourceService"] = web::json::value::string("");
  document["HttpHeaders"] = web::json::value::string("{}");
  return document.serialize();
}

std::string IdentityErrorBody(absl::string_view error,
                              absl::string_view description) {
  const std::string trace_id = translation::GenerateConnectorId();
  const std::string correlation_id = translation::GenerateConnectorId();
  const std::string timestamp =
      absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  web::json::value body = web::json::value::object();
  body["error"] = web::json::value::string(std::string(error));
  body["error_description"] = web::json::value::string(absl::StrCat(
      description, "\r\nTrace ID: ", trace_id,
      "\r\nCorrelation ID: ", correlation_id, "\r\nTimestamp: ", timestamp));
  int code = 0;
  if (absl::StartsWith(description, "AADSTS")) {
    absl::string_view digits = description.substr(6);
    digits = digits.substr(0, digits.find(':'));
    if (!absl::SimpleAtoi(digits, &code)) code = 0;
  }
  std::vector<web::json::value> codes;
  if (code != 0) codes.push_back(web::json::value::number(code));
  body["error_codes"] = web::json::value::array(codes);
  body["timestamp"] = web::json::value::string(timestamp);
  body["trace_id"] = web::json::value::string(trace_id);
  body["correlation_id"] = web::json::value::string(correlation_id);
  body["error_uri"] = web::json::value::string(
      absl::StrCat("https://login.microsoftonline.com/error?code=", code));
  return body.serialize();
}

ScriptedResponse GraphErrorResponse(int status, absl::string_view code,
                                    absl::string_view message,
                                    absl::string_view request_id) {
  ScriptedResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  if (!request_id.empty()) {
    response.headers.emplace_back("request-id", std::string(request_id));
  }
  response.body = GraphErrorBody(code, message, request_id);
  return response;
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

// --- FakeGraphServer ---------------------------------------------------------

FakeGraphServer::FakeGraphServer(FakeGraphServerOptions options)
    : options_(std::move(options)),
      token_lifetime_seconds_(options_.token_lifetime_seconds) {
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

FakeGraphServer::~FakeGraphServer() {
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

std::string FakeGraphServer::origin() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

std::string FakeGraphServer::base_url() const {
  return absl::StrCat(origin(), kBasePath);
}

std::string FakeGraphServer::collection_path() const {
  return absl::StrCat(kBasePath, kCollectionSuffix);
}

std::string FakeGraphServer::collection_url() const {
  return absl::StrCat(origin(), collection_path());
}

std::string FakeGraphServer::token_url() const {
  return absl::StrCat(origin(), "/", options_.tenant_id, kTokenSuffix);
}

std::string FakeGraphServer::PutConnector(web::json::value connector) {
  const std::string id = connector.at("id").as_string();
  EraseIfPresent(connector, "@odata.etag");
  absl::MutexLock lock(&mu_);
  Stored& stored = connectors_[id];
  stored.json = std::move(connector);
  stored.etag = NextEtag();
  return stored.etag;
}

std::optional<web::json::value> FakeGraphServer::FindConnector(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = connectors_.find(id);
  if (it == connectors_.end()) return std::nullopt;
  web::json::value json = it->second.json;
  json["@odata.etag"] = web::json::value::string(it->second.etag);
  return json;
}

std::size_t FakeGraphServer::connector_count() const {
  absl::MutexLock lock(&mu_);
  return connectors_.size();
}

void FakeGraphServer::SetPatchAlwaysNoContent(bool always) {
  absl::MutexLock lock(&mu_);
  patch_always_no_content_ = always;
}

void FakeGraphServer::SetResponseDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  response_delay_ = delay;
}

void FakeGraphServer::Enqueue(ScriptedResponse response) {
  absl::MutexLock lock(&mu_);
  scripted_.push_back(std::move(response));
}

std::size_t FakeGraphServer::scripted_pending() const {
  absl::MutexLock lock(&mu_);
  return scripted_.size();
}

void FakeGraphServer::ClearScripted() {
  absl::MutexLock lock(&mu_);
  scripted_.clear();
}

void FakeGraphServer::AcceptAnyAuthorization() {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kNone;
}

void FakeGraphServer::RequireAuthorization(std::string authorization) {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kExact;
  required_authorization_ = std::move(authorization);
}

void FakeGraphServer::RequireIssuedToken() {
  absl::MutexLock lock(&mu_);
  auth_check_ = AuthCheck::kIssued;
}

void FakeGraphServer::RevokeIssuedTokens() {
  absl::MutexLock lock(&mu_);
  valid_tokens_.clear();
}

void FakeGraphServer::SetTokenLifetime(int seconds) {
  absl::MutexLock lock(&mu_);
  token_lifetime_seconds_ = seconds;
}

int FakeGraphServer::token_requests() const {
  absl::MutexLock lock(&mu_);
  return token_requests_;
}

std::vector<std::string> FakeGraphServer::issued_tokens() const {
  absl::MutexLock lock(&mu_);
  return issued_tokens_;
}

std::vector<RecordedRequest> FakeGraphServer::requests(
    FakeEndpoint endpoint) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> selected;
  for (const RecordedRequest& request : requests_) {
    if (endpoint == FakeEndpoint::kAny || request.endpoint == endpoint) {
      selected.push_back(request);
    }
  }
  return selected;
}

void FakeGraphServer::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

int FakeGraphServer::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

bool FakeGraphServer::WaitForRequests(std::size_t count, absl::Duration timeout,
                                      FakeEndpoint endpoint) const {
  struct Args {
    const FakeGraphServer* self;
    std::size_t count;
    FakeEndpoint endpoint;
  } args{this, count, endpoint};
  auto enough = [](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    std::size_t seen = 0;
    for (const RecordedRequest& request : a->self->requests_) {
      if (a->endpoint == FakeEndpoint::kAny ||
          request.endpoint == a->endpoint) {
        ++seen;
      }
    }
    return seen >= a->count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(+enough, &args), timeout);
}

bool FakeGraphServer::Wait(absl::Duration delay) const {
  absl::MutexLock lock(&mu_);
  if (delay > absl::ZeroDuration()) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  }
  return !stopping_;
}

std::string FakeGraphServer::NextEtag() {
  return absl::StrCat("W/\"", ++etag_counter_, "\"");
}

void FakeGraphServer::AcceptLoop() {
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

void FakeGraphServer::ServeConnection(int fd, int connection) {
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
    if (request.path == kBasePath ||
        absl::StartsWith(request.path, absl::StrCat(kBasePath, "/"))) {
      request.endpoint = FakeEndpoint::kGraph;
    } else if (absl::EndsWith(request.path, kTokenSuffix)) {
      request.endpoint = FakeEndpoint::kToken;
    } else {
      request.endpoint = FakeEndpoint::kOther;
    }

    const Answer answer = Handle(std::move(request));
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

FakeGraphServer::Answer FakeGraphServer::Handle(RecordedRequest request) {
  request.request_id = translation::GenerateConnectorId();
  std::optional<ScriptedResponse> scripted;
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (request.endpoint == FakeEndpoint::kToken) ++token_requests_;
    delay = response_delay_;
    for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
      if ((it->endpoint == FakeEndpoint::kAny ||
           it->endpoint == request.endpoint) &&
          (it->method.empty() || it->method == request.method) &&
          (!it->only_on_reused_connection ||
           request.sequence_on_connection > 1)) {
        scripted = std::move(*it);
        scripted_.erase(it);
        break;
      }
    }
  }
  Answer answer;
  if (scripted.has_value() && scripted->close_without_answer &&
      scripted->handle_before_closing) {
    if (request.endpoint == FakeEndpoint::kGraph) HandleGraph(request);
    if (request.endpoint == FakeEndpoint::kToken) HandleToken(request);
    answer.delay = scripted->delay;
    answer.close_without_answer = true;
  } else if (scripted.has_value()) {
    answer.status = scripted->status;
    answer.headers = std::move(scripted->headers);
    answer.body = std::move(scripted->body);
    answer.delay = scripted->delay;
    answer.close_without_answer = scripted->close_without_answer;
  } else if (request.endpoint == FakeEndpoint::kGraph) {
    answer = HandleGraph(request);
  } else if (request.endpoint == FakeEndpoint::kToken) {
    answer = HandleToken(request);
  } else {
    answer.status = 404;
    answer.headers = {{"Content-Type", "application/json"}};
    answer.body = GraphErrorBody(
        "UnknownError", absl::StrCat("No route for ", request.path),
        request.request_id, request.Header("client-request-id").value_or(""));
  }
  answer.request_id = request.request_id;
  answer.client_request_id = request.Header("client-request-id").value_or("");
  answer.delay += delay;
  return answer;
}

namespace {

// An answer with Graph's error envelope for `request`.
template <typename Answer>
Answer ErrorAnswer(const RecordedRequest& request, int status,
                   absl::string_view code, absl::string_view message) {
  Answer answer;
  answer.status = status;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body =
      GraphErrorBody(code, message, request.request_id,
                     request.Header("client-request-id").value_or(""));
  return answer;
}

// What Intune says about a connector that does not exist: its own JSON
// document, whose URL names the id.
std::string NotFoundMessage(absl::string_view id) {
  return IntuneErrorMessage(absl::StrCat(
      "An error has occurred - Operation ID (for customer support): "
      "00000000-0000-0000-0000-000000000000 - Activity ID: ",
      translation::GenerateConnectorId(),
      " - Url: https://fef.msua06.manage.microsoft.com/"
      "StatelessOnPremisesConnectorService/deviceManagement/ndesConnectors('",
      id, "')?api-version=5023-03-28"));
}

}  // namespace

FakeGraphServer::Answer FakeGraphServer::HandleGraph(
    const RecordedRequest& request) {
  absl::MutexLock lock(&mu_);
  const std::optional<std::string> authorization =
      request.Header("authorization");
  bool authorized = true;
  switch (auth_check_) {
    case AuthCheck::kNone:
      break;
    case AuthCheck::kExact:
      authorized = authorization == required_authorization_;
      break;
    case AuthCheck::kIssued: {
      const std::string header = authorization.value_or("");
      absl::string_view token = header;
      authorized = absl::ConsumePrefix(&token, "Bearer ") &&
                   valid_tokens_.count(std::string(token)) > 0;
      break;
    }
  }
  if (!authorized) {
    Answer answer = ErrorAnswer<Answer>(
        request, 401, "InvalidAuthenticationToken",
        authorization.has_value() ? "Access token validation failure."
                                  : "Access token is empty.");
    answer.headers.emplace_back(
        "WWW-Authenticate",
        "Bearer realm=\"\", authorization_uri="
        "\"https://login.microsoftonline.com/common/oauth2/authorize\"");
    return answer;
  }

  const std::string collection = collection_path();
  absl::string_view path = request.path;
  if (path == collection || path == absl::StrCat(collection, "/")) {
    if (request.method == "GET") return ListConnectors(request);
    if (request.method == "POST") return CreateConnector(request);
    return ErrorAnswer<Answer>(
        request, 405, "BadRequest",
        absl::StrCat("No route for ", request.method, " ", path));
  }
  if (!absl::ConsumePrefix(&path, absl::StrCat(collection, "/"))) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        absl::StrCat("Resource not found for the segment '", path, "'."));
  }
  const std::size_t slash = path.find('/');
  if (slash != absl::string_view::npos) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               absl::StrCat("Resource not found for the "
                                            "segment '",
                                            path.substr(slash + 1), "'."));
  }
  const std::optional<std::string> id = PercentDecode(path);
  if (!id.has_value() || id->empty()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        absl::StrCat("Bad Request - Error in query syntax: '", path, "'."));
  }
  if (request.method == "GET") return GetConnector(request, *id);
  if (request.method == "PATCH") return PatchConnector(request, *id);
  if (request.method == "DELETE") return DeleteConnector(request, *id);
  return ErrorAnswer<Answer>(
      request, 405, "BadRequest",
      absl::StrCat("No route for ", request.method, " ", request.path));
}

web::json::value FakeGraphServer::Representation(const Stored& stored) const {
  web::json::value json = stored.json;
  json["@odata.etag"] = web::json::value::string(stored.etag);
  return json;
}

FakeGraphServer::Answer FakeGraphServer::ListConnectors(
    const RecordedRequest& request) {
  int top = options_.default_page_size;
  std::optional<std::string> skiptoken;
  for (absl::string_view parameter :
       absl::StrSplit(request.query, '&', absl::SkipEmpty())) {
    const std::size_t equals = parameter.find('=');
    const std::optional<std::string> name =
        PercentDecode(parameter.substr(0, equals));
    const std::optional<std::string> value = PercentDecode(
        equals == absl::string_view::npos ? absl::string_view()
                                          : parameter.substr(equals + 1));
    if (!name.has_value() || !value.has_value()) {
      return ErrorAnswer<Answer>(
          request, 400, "BadRequest",
          absl::StrCat("Invalid query parameter '", parameter, "'."));
    }
    if (*name == "$top") {
      if (!absl::SimpleAtoi(*value, &top) || top < 1) {
        return ErrorAnswer<Answer>(
            request, 400, "BadRequest",
            absl::StrCat("Invalid value '", *value, "' for $top."));
      }
    } else if (*name == "$skiptoken") {
      skiptoken = *value;
    }
  }
  top = std::min(top, options_.max_page_size);

  auto it = skiptoken.has_value() ? connectors_.upper_bound(*skiptoken)
                                  : connectors_.begin();
  std::vector<web::json::value> items;
  std::string last_id;
  for (; it != connectors_.end() && static_cast<int>(items.size()) < top;
       ++it) {
    items.push_back(Representation(it->second));
    last_id = it->first;
  }
  web::json::value body = web::json::value::object();
  body["@odata.context"] = web::json::value::string(
      absl::StrCat(base_url(), "/$metadata#deviceManagement/ndesConnectors"));
  body["value"] = web::json::value::array(items);
  if (it != connectors_.end()) {
    body["@odata.nextLink"] = web::json::value::string(
        absl::StrCat(collection_url(), "?$top=", top,
                     "&$skiptoken=", PercentEncode(last_id)));
  }
  Answer answer;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = body.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::CreateConnector(
    const RecordedRequest& request) {
  if (!IsJsonContent(request)) {
    return ErrorAnswer<Answer>(request, 415, "UnsupportedMediaType",
                               "Content-Type must be application/json.");
  }
  std::error_code error;
  web::json::value body = web::json::value::parse(request.body, error);
  if (error || !body.is_object()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type "
        "header is set and payload is of valid JSON format.");
  }
  if (body.has_field("@odata.type") &&
      (!body.at("@odata.type").is_string() ||
       body.at("@odata.type").as_string() != translation::kGraphODataType)) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               "The @odata.type is not an ndesConnector.");
  }
  std::string id;
  if (body.has_field("id") && !body.at("id").is_null()) {
    if (!body.at("id").is_string()) {
      return ErrorAnswer<Answer>(request, 400, "BadRequest",
                                 "The id must be a string.");
    }
    id = body.at("id").as_string();
  }
  if (id.empty()) id = translation::GenerateConnectorId();
  if (connectors_.count(id) > 0) {
    return ErrorAnswer<Answer>(
        request, 409, "Conflict",
        absl::StrCat("An ndesConnector with id '", id, "' already exists."));
  }
  body["id"] = web::json::value::string(id);
  EraseIfPresent(body, "@odata.etag");
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      translation::ConnectorFromGraphJson(body);
  if (!connector.ok()) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               connector.status().message());
  }
  connector->clear_etag();
  Stored& stored = connectors_[id];
  stored.json = translation::ConnectorToGraphJson(*connector);
  EraseIfPresent(stored.json, "@odata.etag");
  stored.etag = NextEtag();

  web::json::value representation = Representation(stored);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  Answer answer;
  answer.status = 201;
  answer.headers = {
      {"Content-Type", "application/json"},
      {"Location", absl::StrCat(collection_url(), "/", PercentEncode(id))}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::GetConnector(
    const RecordedRequest& request, const std::string& id) {
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  web::json::value representation = Representation(it->second);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  Answer answer;
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::PatchConnector(
    const RecordedRequest& request, const std::string& id) {
  if (!IsJsonContent(request)) {
    return ErrorAnswer<Answer>(request, 415, "UnsupportedMediaType",
                               "Content-Type must be application/json.");
  }
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  if (!IfMatchAllows(request.Header("if-match"), it->second.etag)) {
    return ErrorAnswer<Answer>(
        request, 412, "PreconditionFailed",
        absl::StrCat("The If-Match etag does not match the current etag of "
                     "ndesConnectors('",
                     id, "')."));
  }
  std::error_code error;
  const web::json::value patch = web::json::value::parse(request.body, error);
  if (error || !patch.is_object()) {
    return ErrorAnswer<Answer>(
        request, 400, "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type "
        "header is set and payload is of valid JSON format.");
  }
  // Graph refuses a document with a property or value it does not know;
  // what it accepts replaces the stored properties it names.
  absl::StatusOr<translation::GraphPatch> read =
      translation::ParseGraphPatchDocument(patch, id);
  if (!read.ok()) {
    return ErrorAnswer<Answer>(request, 400, "BadRequest",
                               read.status().message());
  }
  for (const auto& [key, property] : patch.as_object()) {
    if (!absl::StartsWith(key, "@odata.")) it->second.json[key] = property;
  }
  EraseIfPresent(it->second.json, "@odata.etag");
  it->second.etag = NextEtag();

  Answer answer;
  const bool representation_wanted = absl::StrContains(
      request.Header("prefer").value_or(""), "return=representation");
  if (!representation_wanted || patch_always_no_content_) {
    answer.status = 204;
    return answer;
  }
  web::json::value representation = Representation(it->second);
  representation["@odata.context"] = web::json::value::string(absl::StrCat(
      base_url(), "/$metadata#deviceManagement/ndesConnectors/$entity"));
  answer.headers = {{"Content-Type", "application/json"}};
  answer.body = representation.serialize();
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::DeleteConnector(
    const RecordedRequest& request, const std::string& id) {
  auto it = connectors_.find(id);
  if (it == connectors_.end()) {
    return ErrorAnswer<Answer>(request, 404, "ResourceNotFound",
                               NotFoundMessage(id));
  }
  if (!IfMatchAllows(request.Header("if-match"), it->second.etag)) {
    return ErrorAnswer<Answer>(
        request, 412, "PreconditionFailed",
        absl::StrCat("The If-Match etag does not match the current etag of "
                     "ndesConnectors('",
                     id, "')."));
  }
  connectors_.erase(it);
  Answer answer;
  answer.status = 204;
  return answer;
}

FakeGraphServer::Answer FakeGraphServer::HandleToken(
    const RecordedRequest& request) {
  auto refuse = [](int status, absl::string_view error,
                   absl::string_view description) {
    Answer answer;
    answer.status = status;
    answer.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    answer.body = IdentityErrorBody(error, description);
    return answer;
  };
  if (request.path != absl::StrCat("/", options_.tenant_id, kTokenSuffix)) {
    return refuse(400, "invalid_request",
                  "AADSTS90002: Tenant not found. Check to make sure you "
                  "have the correct tenant ID.");
  }
  if (request.method != "POST") {
    return refuse(405, "invalid_request",
                  "AADSTS900561: The endpoint only accepts POST requests.");
  }
  if (!absl::StartsWithIgnoreCase(request.Header("content-type").value_or(""),
                                  "application/x-www-form-urlencoded")) {
    return refuse(400, "invalid_request",
                  "AADSTS900144: The request body must contain the "
                  "following parameter: 'grant_type'.");
  }
  std::map<std::string, std::string> form = ParseFormBody(request.body);
  auto field = [&form](const std::string& name) -> std::optional<std::string> {
    auto it = form.find(name);
    if (it == form.end()) return std::nullopt;
    return it->second;
  };
  if (field("grant_type") != "client_credentials") {
    return refuse(400, "unsupported_grant_type",
                  "AADSTS70003: The app requested an unsupported grant "
                  "type.");
  }
  if (field("client_id") != options_.client_id) {
    return refuse(400, "unauthorized_client",
                  absl::StrCat("AADSTS700016: Application with identifier '",
                               field("client_id").value_or(""),
                               "' was not found in the directory '",
                               options_.tenant_id, "'."));
  }
  if (field("client_secret") != options_.client_secret) {
    return refuse(401, "invalid_client",
                  absl::StrCat("AADSTS7000215: Invalid client secret "
                               "provided. Ensure the secret being sent in the "
                               "request is the client secret value, not the "
                               "client secret ID, for a secret added to app '",
                               options_.client_id, "'."));
  }
  if (field("scope") != std::string(kGraphScope)) {
    return refuse(400, "invalid_scope",
                  "AADSTS1002012: The provided value for scope is not "
                  "valid. Client credential flows must have a scope value "
                  "with /.default suffixed to the resource identifier.");
  }
  absl::MutexLock lock(&mu_);
  const std::string token =
      absl::StrCat("fake-access-token-", issued_tokens_.size() + 1, "-",
                   translation::GenerateConnectorId());
  valid_tokens_.insert(token);
  issued_tokens_.push_back(token);
  web::json::value body = web::json::value::object();
  body["token_type"] = web::json::value::string("Bearer");
  body["expires_in"] = web::json::value::number(token_lifetime_seconds_);
  body["ext_expires_in"] = web::json::value::number(token_lifetime_seconds_);
  body["access_token"] = web::json::value::string(token);
  Answer answer;
  answer.headers = {{"Content-Type", "application/json; charset=utf-8"},
                    {"Cache-Control", "no-store, no-cache"}};
  answer.body = body.serialize();
  return answer;
}

}  // namespace ndes::graph::testing
