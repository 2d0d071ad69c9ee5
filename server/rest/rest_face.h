// The Graph REST face: Graph's own beta surface for NDES connectors
// (rest_route.h, connector_resource.h, json_batch.h) over the gateway's
// store, so that Graph SDKs and scripts can run against the gateway as a
// local Graph. What one face writes the other reads at once.
//
//   RestFaceOptions options;
//   options.listen_address = "127.0.0.1:8443";
//   options.tls = {cert, key, ""};
//   absl::StatusOr<std::unique_ptr<RestFace>> face =
//       RestFace::Start(options, store);
//   LOG "REST face on " << (*face)->url();  // https://127.0.0.1:8443/beta
//
// Every answer carries `request-id` (new for each request) and
// `client-request-id` (the caller's, when it is a usable token, else the
// request-id); errors carry Graph's envelope with both in innerError. With
// an authorizer, a request needs a bearer token granting read (GET) or
// write (POST, PATCH, DELETE) as on the gRPC face; a batch needs a valid
// token, and each request in it the access of its own method. 401 answers
// carry `WWW-Authenticate: Bearer`.
//
// Each request (and each request in a batch) is logged as the RPC it
// amounts to, with its HTTP status (logging/log.h), and counted in
//   ndes_rest_requests_total{operation,status}       counter
//   ndes_rest_request_seconds{operation}             histogram
// where operation is the RPC name, "Batch", or "none" for a path or method
// the face does not serve.
//
// Thread-safe.
#ifndef NDES_SERVER_REST_REST_FACE_H_
#define NDES_SERVER_REST_REST_FACE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "observability/metrics_registry.h"
#include "service/authorizer.h"
#include "store/connector_store.h"
#include "tls/tls_files.h"

namespace ndes::rest {

struct RestFaceOptions {
  // host:port; port 0 picks one.
  std::string listen_address = "127.0.0.1:0";
  // Empty files: plaintext (http://).
  tls::TlsFiles tls;
  // The largest request body (a bigger one is answered 413), and the bytes
  // of connectors one page may hold (store::CallContext::max_page_bytes).
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_page_bytes = store::kDefaultMaxPageBytes;
  int max_connections = 256;
  // How long the store may take for one request.
  absl::Duration request_deadline = absl::Seconds(60);
  // Null: every request is allowed (--auth=none).
  const service::Authorizer* authorizer = nullptr;
  // Null: no metrics.
  observability::MetricsRegistry* metrics = nullptr;
};

class RestFace {
 public:
  // Serves `store`, which must outlive the face. Errors as HttpServer::Start
  // gives them (INVALID_ARGUMENT, UNAVAILABLE, FAILED_PRECONDITION), naming
  // the address or file.
  static absl::StatusOr<std::unique_ptr<RestFace>> Start(
      const RestFaceOptions& options, store::ConnectorStore& store);

  ~RestFace();
  RestFace(const RestFace&) = delete;
  RestFace& operator=(const RestFace&) = delete;

  // Stops listening and answers what is in flight (HttpServer::Stop).
  // Idempotent.
  void Stop();

  // "https://127.0.0.1:8443/beta" (http:// without TLS): Graph SDKs take it
  // as their base URL.
  std::string url() const;
  int port() const;

 private:
  class Handler;
  struct Impl;
  explicit RestFace(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_REST_FACE_H_
