// One HTTP/2 connection (plaintext, prior knowledge) that carries unary
// gRPC calls, on nghttp2 — the library h2load is built on — with nothing
// else between the socket and the calls: the client side of
// ndes-grpc-load.
//
//   absl::StatusOr<std::unique_ptr<H2GrpcConnection>> connection =
//       H2GrpcConnection::Connect("127.0.0.1:50051", on_done);
//   (*connection)->Start("/grpc.health.v1.Health/Check", framed_request);
//   while (...) { (*connection)->Flush(); poll(fd, events()); OnReadable(); }
//
// Every call ends in exactly one CallResult passed to the callback given at
// Connect: its grpc-status (from the trailers, or from headers that are
// the whole answer), whether its stream closed cleanly, and its response
// body (only when the connection keeps bodies).
//
// Not thread-safe: one thread drives a connection.
#ifndef NDES_TESTS_BENCH_H2_GRPC_CONNECTION_H_
#define NDES_TESTS_BENCH_H2_GRPC_CONNECTION_H_

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::bench {

struct CallResult {
  // -1 when the answer had no grpc-status.
  int grpc_status = -1;
  // The HTTP :status (200 for every gRPC answer), 0 when none arrived.
  int http_status = 0;
  // False when the stream was reset or the connection failed.
  bool closed_cleanly = false;
  // The gRPC-framed response bytes, when bodies are kept.
  std::string body;
  std::chrono::steady_clock::time_point started;
  // The value given to Start.
  std::uint64_t tag = 0;
  bool ok() const {
    return closed_cleanly && http_status == 200 && grpc_status == 0;
  }
};

class H2GrpcConnection {
 public:
  using Callback = std::function<void(CallResult)>;

  // Connects to `host_port` (an IPv4 address or name, and a port). The
  // callback runs from OnReadable or Flush, once per call.
  static absl::StatusOr<std::unique_ptr<H2GrpcConnection>> Connect(
      absl::string_view host_port, Callback on_done, bool keep_bodies);
  ~H2GrpcConnection();
  H2GrpcConnection(const H2GrpcConnection&) = delete;
  H2GrpcConnection& operator=(const H2GrpcConnection&) = delete;

  // Queues a call of `path` with `request` (already gRPC-framed) as its
  // body; sent by the next Flush.
  void Start(absl::string_view path, std::string request, std::uint64_t tag);

  // Sends what nghttp2 has to send, as far as the socket takes it.
  // False once the connection has failed.
  bool Flush();
  // Reads what the socket holds and hands it to nghttp2. False once the
  // connection has failed or the peer closed it.
  bool OnReadable();

  int fd() const { return fd_; }
  // POLLIN, plus POLLOUT while output waits for the socket.
  short events() const;
  int in_flight() const { return in_flight_; }

 private:
  struct Stream;

  H2GrpcConnection(int fd, std::string authority, Callback on_done,
                   bool keep_bodies);
  static ssize_t ReadRequest(nghttp2_session*, int32_t, uint8_t* buf,
                             size_t length, uint32_t* flags,
                             nghttp2_data_source* source, void*);
  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                      const uint8_t* name, size_t name_length,
                      const uint8_t* value, size_t value_length, uint8_t,
                      void*);
  static int OnData(nghttp2_session* session, uint8_t, int32_t stream_id,
                    const uint8_t* data, size_t length, void* self);
  static int OnStreamClose(nghttp2_session* session, int32_t stream_id,
                           uint32_t error_code, void* self);

  const int fd_;
  const std::string authority_;
  Callback on_done_;
  const bool keep_bodies_;
  nghttp2_session* session_ = nullptr;
  // Bytes nghttp2 produced that the socket has not taken yet.
  std::string pending_output_;
  int in_flight_ = 0;
  bool failed_ = false;
};

}  // namespace ndes::bench

#endif  // NDES_TESTS_BENCH_H2_GRPC_CONNECTION_H_
