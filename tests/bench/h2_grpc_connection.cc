#include "h2_grpc_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ndes::bench {

struct H2GrpcConnection::Stream {
  std::string request;
  std::size_t sent = 0;
  CallResult result;
};

namespace {

nghttp2_nv Header(absl::string_view name, absl::string_view value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
          name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

// Large windows, so that a big response (a page of a List) never waits for
// a window update.
constexpr int32_t kWindowBytes = 1 << 24;

}  // namespace

absl::StatusOr<std::unique_ptr<H2GrpcConnection>> H2GrpcConnection::Connect(
    absl::string_view host_port, Callback on_done, bool keep_bodies) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", host_port, "\" is not host:port"));
  }
  const std::string host(host_port.substr(0, colon));
  const std::string port(host_port.substr(colon + 1));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &addresses);
      rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", host_port, ": ", gai_strerror(rc)));
  }
  int fd = -1;
  int connect_errno = 0;
  for (addrinfo* a = addresses; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      connect_errno = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(addresses);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to ", host_port, ": ", std::strerror(connect_errno)));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<H2GrpcConnection>(new H2GrpcConnection(
      fd, std::string(host_port), std::move(on_done), keep_bodies));
}

H2GrpcConnection::H2GrpcConnection(int fd, std::string authority,
                                   Callback on_done, bool keep_bodies)
    : fd_(fd),
      authority_(std::move(authority)),
      on_done_(std::move(on_done)),
      keep_bodies_(keep_bodies) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &OnData);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks,
                                                         &OnStreamClose);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kWindowBytes}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        kWindowBytes);
}

H2GrpcConnection::~H2GrpcConnection() {
  // Streams still open are given up: their results are not reported.
  on_done_ = nullptr;
  nghttp2_session_del(session_);
  close(fd_);
}

void H2GrpcConnection::Start(absl::string_view path, std::string request,
                             std::uint64_t tag) {
  auto stream = std::make_unique<Stream>();
  stream->request = std::move(request);
  stream->result.tag = tag;
  stream->result.started = std::chrono::steady_clock::now();
  const nghttp2_nv headers[] = {
      Header(":method", "POST"),
      Header(":scheme", "http"),
      Header(":authority", authority_),
      Header(":path", path),
      Header("content-type", "application/grpc"),
      Header("te", "trailers"),
  };
  nghttp2_data_provider body;
  body.source.ptr = stream.get();
  body.read_callback = &ReadRequest;
  const int32_t id = nghttp2_submit_request(
      session_, nullptr, headers, sizeof(headers) / sizeof(headers[0]), &body,
      stream.get());
  if (id < 0) {
    CallResult result = std::move(stream->result);
    on_done_(std::move(result));
    return;
  }
  stream.release();  // owned by the session until OnStreamClose
  ++in_flight_;
}

bool H2GrpcConnection::Flush() {
  if (failed_) return false;
  // Everything nghttp2 has to send goes out in one send(2) where the socket
  // takes it.
  while (true) {
    const uint8_t* data = nullptr;
    const ssize_t length = nghttp2_session_mem_send(session_, &data);
    if (length < 0) return !(failed_ = true);
    if (length == 0) break;
    pending_output_.append(reinterpret_cast<const char*>(data),
                           static_cast<std::size_t>(length));
  }
  std::size_t done = 0;
  while (done < pending_output_.size()) {
    const ssize_t written = send(fd_, pending_output_.data() + done,
                                 pending_output_.size() - done, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return !(failed_ = true);
    }
    done += static_cast<std::size_t>(written);
  }
  pending_output_.erase(0, done);
  return true;
}

bool H2GrpcConnection::OnReadable() {
  if (failed_) return false;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t length = recv(fd_, buffer, sizeof(buffer), 0);
    if (length == 0) return !(failed_ = true);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      return !(failed_ = true);
    }
    if (nghttp2_session_mem_recv(session_,
                                 reinterpret_cast<const uint8_t*>(buffer),
                                 static_cast<std::size_t>(length)) < 0) {
      return !(failed_ = true);
    }
    // A short read emptied the socket: no need for a recv that says so.
    if (static_cast<std::size_t>(length) < sizeof(buffer)) return true;
  }
}

short H2GrpcConnection::events() const {
  return static_cast<short>(
      POLLIN | (pending_output_.empty() && !nghttp2_session_want_write(session_)
                    ? 0
                    : POLLOUT));
}

ssize_t H2GrpcConnection::ReadRequest(nghttp2_session*, int32_t, uint8_t* buf,
                                      size_t length, uint32_t* flags,
                                      nghttp2_data_source* source, void*) {
  Stream& stream = *static_cast<Stream*>(source->ptr);
  const std::size_t n = std::min(length, stream.request.size() - stream.sent);
  std::memcpy(buf, stream.request.data() + stream.sent, n);
  stream.sent += n;
  if (stream.sent == stream.request.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

int H2GrpcConnection::OnHeader(nghttp2_session* session,
                               const nghttp2_frame* frame, const uint8_t* name,
                               size_t name_length, const uint8_t* value,
                               size_t value_length, uint8_t, void*) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* stream = static_cast<Stream*>(
      nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (stream == nullptr) return 0;
  const absl::string_view key(reinterpret_cast<const char*>(name), name_length);
  const absl::string_view text(reinterpret_cast<const char*>(value),
                               value_length);
  if (key == ":status") {
    (void)absl::SimpleAtoi(text, &stream->result.http_status);
  } else if (key == "grpc-status") {
    if (!absl::SimpleAtoi(text, &stream->result.grpc_status)) {
      stream->result.grpc_status = -1;
    }
  }
  return 0;
}

int H2GrpcConnection::OnData(nghttp2_session* session, uint8_t,
                             int32_t stream_id, const uint8_t* data,
                             size_t length, void* self) {
  if (!static_cast<H2GrpcConnection*>(self)->keep_bodies_) return 0;
  auto* stream = static_cast<Stream*>(
      nghttp2_session_get_stream_user_data(session, stream_id));
  if (stream != nullptr) {
    stream->result.body.append(reinterpret_cast<const char*>(data), length);
  }
  return 0;
}

int H2GrpcConnection::OnStreamClose(nghttp2_session* session, int32_t stream_id,
                                    uint32_t error_code, void* self) {
  auto& connection = *static_cast<H2GrpcConnection*>(self);
  std::unique_ptr<Stream> stream(static_cast<Stream*>(
      nghttp2_session_get_stream_user_data(session, stream_id)));
  if (stream == nullptr) return 0;
  --connection.in_flight_;
  stream->result.closed_cleanly = error_code == NGHTTP2_NO_ERROR;
  if (connection.on_done_) connection.on_done_(std::move(stream->result));
  return 0;
}

}  // namespace ndes::bench
