// ndes-grpc-load: an h2load for unary gRPC calls whose payload changes from
// call to call, and that checks every answer's grpc-status.
//
// h2load (nghttp2) is the light HTTP/2 client the performance figures use,
// but it sends one fixed body and counts every HTTP 200 as a success,
// whereas gRPC answers errors with 200 too. This tool keeps h2load's shape
// and engine (nghttp2; --connections connections, --streams calls in flight
// on each, one thread) and adds what the figures at scale need:
//
//   ndes-grpc-load --target=127.0.0.1:50051
//       --path=/ndes.v1.NdesConnectorService/GetNdesConnector
//       --payload=get.grpc --vary_rows=1000000 --duration=5 --warmup=1
//
//   --payload   a gRPC-framed request, as h2load's -d takes it
//   --vary_rows with N > 0, every "row-0000000" in the payload is replaced,
//               call by call, by the id of a row drawn at random from
//               row-0000000 .. row-<N-1> (ids as ndes-populate-store
//               writes them)
//   --duration / --warmup (seconds), or --requests=N (exactly N calls, no
//               warm-up)
//
//   ndes-grpc-load --target=... --list_all --page_size=1000
//       pages through ListNdesConnectors, one page after the other, and
//       reports connectors per second.
//
// Prints one JSON line: {"requests":..,"ok":..,"failed":..,"seconds":..,
// "qps":..,"p50_ms":..,"p90_ms":..,"p99_ms":..} (a call is ok when its
// stream closed cleanly with HTTP 200 and grpc-status 0; qps counts ok
// calls), or for --list_all {"connectors":..,"pages":..,"seconds":..,
// "connectors_per_second":..}. Exit 1 when any call failed, 2 on a usage
// error.

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "h2_grpc_connection.h"
#include "latency_histogram.h"
#include "ndes/v1/ndes_connector_service.pb.h"

ABSL_FLAG(std::string, target, "", "host:port of the gRPC server");
ABSL_FLAG(std::string, path, "", "the method, /package.Service/Method");
ABSL_FLAG(std::string, payload, "", "a gRPC-framed request");
ABSL_FLAG(int64_t, vary_rows, 0, "replace row-0000000 by a random row below");
ABSL_FLAG(int, connections, 8, "connections");
ABSL_FLAG(int, streams, 16, "calls in flight on each connection");
ABSL_FLAG(double, duration, 5, "seconds measured");
ABSL_FLAG(double, warmup, 1, "seconds before the measurement");
ABSL_FLAG(int64_t, requests, 0, "exactly this many calls instead");
ABSL_FLAG(uint64_t, seed, 1, "seed of the random rows");
ABSL_FLAG(bool, list_all, false, "page through ListNdesConnectors");
ABSL_FLAG(int, page_size, 1000, "page size of --list_all");

namespace ndes::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kRowMarker[] = "row-0000000";

std::string Framed(const google::protobuf::MessageLite& message) {
  const std::string bytes = message.SerializeAsString();
  const auto n = static_cast<std::uint32_t>(bytes.size());
  std::string framed = {0, static_cast<char>(n >> 24),
                        static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                        static_cast<char>(n)};
  return framed + bytes;
}

// Runs every connection's pending I/O until `done` says stop; false when a
// connection failed.
template <typename Done>
bool Drive(std::vector<std::unique_ptr<H2GrpcConnection>>& connections,
           Done done) {
  std::vector<pollfd> fds(connections.size());
  while (!done()) {
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if (!connections[i]->Flush()) return false;
      fds[i] = {connections[i]->fd(), connections[i]->events(), 0};
    }
    if (poll(fds.data(), fds.size(), 100) < 0) return false;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
          !connections[i]->OnReadable()) {
        return false;
      }
    }
  }
  return true;
}

int ListAll(const std::string& target, int page_size) {
  std::int64_t connectors = 0;
  std::int64_t pages = 0;
  bool finished = false;
  bool failed = false;
  std::string next_token;
  H2GrpcConnection* raw = nullptr;
  auto request_page = [&] {
    v1::ListNdesConnectorsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(next_token);
    raw->Start("/ndes.v1.NdesConnectorService/ListNdesConnectors",
               Framed(request), 0);
  };
  absl::StatusOr<std::unique_ptr<H2GrpcConnection>> connection =
      H2GrpcConnection::Connect(
          target,
          [&](CallResult result) {
            v1::ListNdesConnectorsResponse page;
            if (!result.ok() || result.body.size() < 5 ||
                !page.ParseFromArray(
                    result.body.data() + 5,
                    static_cast<int>(result.body.size()) - 5)) {
              failed = true;
              return;
            }
            ++pages;
            connectors += page.ndes_connectors_size();
            next_token = page.next_page_token();
            if (next_token.empty()) {
              finished = true;
            } else {
              request_page();
            }
          },
          /*keep_bodies=*/true);
  if (!connection.ok()) {
    std::fprintf(stderr, "%s\n", connection.status().ToString().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<H2GrpcConnection>> connections;
  connections.push_back(*std::move(connection));
  raw = connections.front().get();
  const Clock::time_point start = Clock::now();
  request_page();
  const bool ran = Drive(connections, [&] { return finished || failed; });
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"connectors\":%lld,\"pages\":%lld,\"seconds\":%.3f,"
      "\"connectors_per_second\":%.0f}\n",
      static_cast<long long>(connectors), static_cast<long long>(pages),
      seconds, seconds > 0 ? static_cast<double>(connectors) / seconds : 0.0);
  if (!ran || failed) {
    std::fprintf(stderr, "ndes-grpc-load: a page failed\n");
    return 1;
  }
  return 0;
}

int Load() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string path = absl::GetFlag(FLAGS_path);
  const std::int64_t vary_rows = absl::GetFlag(FLAGS_vary_rows);
  const int streams = absl::GetFlag(FLAGS_streams);
  const std::int64_t requests = absl::GetFlag(FLAGS_requests);
  std::ifstream file(absl::GetFlag(FLAGS_payload), std::ios::binary);
  const std::string payload((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
  std::vector<std::size_t> markers;
  for (std::size_t at = payload.find(kRowMarker); at != std::string::npos;
       at = payload.find(kRowMarker, at + 1)) {
    markers.push_back(at + 4);  // the digits
  }
  if (target.empty() || path.empty() || payload.size() < 5 ||
      (vary_rows > 0 && markers.empty()) || vary_rows > 10000000 ||
      streams < 1 || absl::GetFlag(FLAGS_connections) < 1) {
    std::fprintf(stderr,
                 "usage: ndes-grpc-load --target=HOST:PORT --path=METHOD "
                 "--payload=FILE [--vary_rows=N (the payload names "
                 "row-0000000)] [--connections=N] [--streams=N] "
                 "[--duration=S --warmup=S | --requests=N]\n");
    return 2;
  }

  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  std::uniform_int_distribution<std::int64_t> rows(
      0, vary_rows > 0 ? vary_rows - 1 : 0);
  auto next_payload = [&] {
    std::string request = payload;
    if (vary_rows > 0) {
      const std::string digits = absl::StrFormat("%07d", rows(random));
      for (std::size_t at : markers) request.replace(at, 7, digits);
    }
    return request;
  };

  const Clock::time_point start = Clock::now();
  const auto warmup =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          requests > 0 ? 0.0 : absl::GetFlag(FLAGS_warmup)));
  const auto duration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(absl::GetFlag(FLAGS_duration)));
  const Clock::time_point measure_from = start + warmup;
  const Clock::time_point measure_until = measure_from + duration;
  std::int64_t started = 0;
  std::int64_t measured_ok = 0;
  std::int64_t measured = 0;
  std::int64_t failed = 0;
  std::string first_failure;
  LatencyHistogram latencies;
  auto may_start = [&] {
    return requests > 0 ? started < requests : Clock::now() < measure_until;
  };

  std::vector<std::unique_ptr<H2GrpcConnection>> connections;
  for (int i = 0; i < absl::GetFlag(FLAGS_connections); ++i) {
    absl::StatusOr<std::unique_ptr<H2GrpcConnection>> connection =
        H2GrpcConnection::Connect(
            target,
            [&, i](CallResult result) {
              const Clock::time_point now = Clock::now();
              if (!result.ok()) {
                ++failed;
                if (first_failure.empty()) {
                  first_failure = absl::StrFormat(
                      "http %d, grpc-status %d%s", result.http_status,
                      result.grpc_status,
                      result.closed_cleanly ? "" : ", stream reset");
                }
              }
              if (requests > 0 ||
                  (now >= measure_from && now < measure_until)) {
                ++measured;
                if (result.ok()) {
                  ++measured_ok;
                  latencies.Record(
                      std::chrono::duration_cast<std::chrono::nanoseconds>(
                          now - result.started)
                          .count());
                }
              }
              if (may_start()) {
                ++started;
                connections[i]->Start(path, next_payload(), 0);
              }
            },
            /*keep_bodies=*/false);
    if (!connection.ok()) {
      std::fprintf(stderr, "%s\n", connection.status().ToString().c_str());
      return 1;
    }
    connections.push_back(*std::move(connection));
  }
  for (auto& connection : connections) {
    for (int s = 0; s < streams && may_start(); ++s) {
      ++started;
      connection->Start(path, next_payload(), 0);
    }
  }
  const bool ran = Drive(connections, [&] {
    if (may_start()) return false;
    for (const auto& connection : connections) {
      if (connection->in_flight() > 0) return false;
    }
    return true;
  });
  const double seconds =
      requests > 0 ? std::chrono::duration<double>(Clock::now() - start).count()
                   : std::chrono::duration<double>(duration).count();
  auto ms = [&](double p) {
    return static_cast<double>(latencies.ValueAtPercentile(p)) / 1e6;
  };
  std::printf(
      "{\"requests\":%lld,\"ok\":%lld,\"failed\":%lld,\"seconds\":%.3f,"
      "\"qps\":%.1f,\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f}\n",
      static_cast<long long>(measured), static_cast<long long>(measured_ok),
      static_cast<long long>(failed), seconds,
      seconds > 0 ? static_cast<double>(measured_ok) / seconds : 0.0, ms(50),
      ms(90), ms(99));
  if (!ran) {
    std::fprintf(stderr, "ndes-grpc-load: a connection failed\n");
    return 1;
  }
  if (failed > 0) {
    std::fprintf(stderr, "ndes-grpc-load: %lld call(s) failed; first: %s\n",
                 static_cast<long long>(failed), first_failure.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ndes::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "h2load-like load of unary gRPC calls with a payload per call");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_list_all)) {
    if (absl::GetFlag(FLAGS_target).empty()) {
      std::fprintf(stderr,
                   "usage: ndes-grpc-load --target=HOST:PORT "
                   "--list_all [--page_size=N]\n");
      return 2;
    }
    return ndes::bench::ListAll(absl::GetFlag(FLAGS_target),
                                absl::GetFlag(FLAGS_page_size));
  }
  return ndes::bench::Load();
}
