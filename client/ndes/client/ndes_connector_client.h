// NdesConnectorClient: a small synchronous C++ client of
// ndes.v1.NdesConnectorService.
//
//   auto client = ndes::client::MakeNdesConnectorClient(
//       grpc::CreateChannel("127.0.0.1:50051",
//                           grpc::InsecureChannelCredentials()));
//   absl::StatusOr<ndes::v1::NdesConnector> connector =
//       client.UpdateNdesConnectors(
//           ndes::client::ConnectorUpdate("ndes-01").SetDisplayName("NDES-01"));
//   if (!connector.ok()) return connector.status();  // NOT_FOUND, …
//
// Every call
//  - has a deadline (ClientOptions::timeout, 10 s by default) that covers
//    its retries;
//  - carries "authorization: Bearer <token>" when ClientOptions has a token;
//  - is retried on UNAVAILABLE, with jittered exponential backoff
//    (ClientOptions::retry_policy), only when repeating it cannot do harm:
//      GetNdesConnector, ListNdesConnectors ... always (reads);
//      UpdateNdesConnectors, DeleteNdesConnector ... only with an etag: a
//        conditional write cannot overwrite a change made between two
//        attempts (it fails with ABORTED instead). An unconditional update
//        could, so it is not retried. If an attempt whose answer was lost
//        did succeed, its retry answers ABORTED (update) or NOT_FOUND
//        (delete): read the connector again to see where it stands;
//      CreateNdesConnector ... never.
//    A call that gave up after more than one attempt says so at the end of
//    its message ("… (gave up after 4 attempts)").
//
// Errors are the gateway's status codes (see ndes_connector_service.proto):
// INVALID_ARGUMENT (with a google.rpc.BadRequest, see error_details.h),
// NOT_FOUND, ALREADY_EXISTS, ABORTED (stale etag), UNAVAILABLE,
// DEADLINE_EXCEEDED, UNAUTHENTICATED, PERMISSION_DENIED, …
//
// Thread-safety: the methods are const and may be called from any number of
// threads at once, when the stub allows it (the generated stub does). The
// client is cheap to copy; copies share the stub.
//
// Testing: the client takes the generated stub *interface*, so tests pass a
// hand-written fake or ndes::v1::MockNdesConnectorServiceStub (from
// "ndes/v1/ndes_connector_service_mock.grpc.pb.h", needs gmock).
#ifndef NDES_CLIENT_NDES_CLIENT_NDES_CONNECTOR_CLIENT_H_
#define NDES_CLIENT_NDES_CLIENT_NDES_CONNECTOR_CLIENT_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "ndes/client/client_options.h"
#include "ndes/client/connector_update.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "ndes/v1/ndes_connector_service.pb.h"

namespace ndes::client {

class NdesConnectorClient {
 public:
  // `stub` must not be null.
  explicit NdesConnectorClient(
      std::shared_ptr<ndes::v1::NdesConnectorService::StubInterface> stub,
      ClientOptions options = {});

  // Reads one connector. NOT_FOUND if there is none with this id.
  absl::StatusOr<ndes::v1::NdesConnector> GetNdesConnector(
      absl::string_view id) const;

  // Reads one page (the request's page_size and page_token, as in the
  // proto). Pass the response's next_page_token to read the next page; it
  // is empty on the last page.
  absl::StatusOr<ndes::v1::ListNdesConnectorsResponse> ListNdesConnectors(
      const ndes::v1::ListNdesConnectorsRequest& request) const;

  // Reads every connector, ordered by id, page by page (`page_size` per
  // page, 0 for the gateway's default). Each page is one call with its own
  // deadline. The first error ends the listing and is returned.
  absl::StatusOr<std::vector<ndes::v1::NdesConnector>> ListAllNdesConnectors(
      int page_size = 0) const;

  // Creates `connector` (an empty id has the gateway generate a UUID) and
  // returns it as stored. ALREADY_EXISTS if the id is taken. Never retried.
  absl::StatusOr<ndes::v1::NdesConnector> CreateNdesConnector(
      const ndes::v1::NdesConnector& connector) const;

  // Applies a masked update (see connector_update.h) and returns the whole
  // connector as stored, with its new etag. NOT_FOUND for an unknown id
  // (unless allow_missing), ABORTED for a stale etag.
  absl::StatusOr<ndes::v1::NdesConnector> UpdateNdesConnectors(
      const ConnectorUpdate& update) const;

  // The same with a request built by hand; retried only when
  // request.ndes_connector().etag() is set.
  absl::StatusOr<ndes::v1::NdesConnector> UpdateNdesConnectors(
      const ndes::v1::UpdateNdesConnectorsRequest& request) const;

  // Deletes a connector; with a non-empty `etag` only if it is still
  // current (ABORTED otherwise). NOT_FOUND if there is none with this id.
  absl::Status DeleteNdesConnector(absl::string_view id,
                                   absl::string_view etag = {}) const;

  const ClientOptions& options() const { return options_; }

 private:
  std::shared_ptr<ndes::v1::NdesConnectorService::StubInterface> stub_;
  ClientOptions options_;
};

// A client over `channel` (ndes::v1::NdesConnectorService::NewStub).
NdesConnectorClient MakeNdesConnectorClient(
    const std::shared_ptr<grpc::ChannelInterface>& channel,
    ClientOptions options = {});

}  // namespace ndes::client

#endif  // NDES_CLIENT_NDES_CLIENT_NDES_CONNECTOR_CLIENT_H_
