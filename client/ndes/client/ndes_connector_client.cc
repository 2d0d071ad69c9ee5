#include "ndes/client/ndes_connector_client.h"

#include <string>
#include <utility>

#include "google/protobuf/empty.pb.h"
#include "ndes/client/internal/retry_loop.h"

namespace ndes::client {

using internal::Idempotency;
using internal::RunWithRetries;
using ndes::v1::NdesConnector;

NdesConnectorClient::NdesConnectorClient(
    std::shared_ptr<ndes::v1::NdesConnectorService::StubInterface> stub,
    ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

absl::StatusOr<NdesConnector> NdesConnectorClient::GetNdesConnector(
    absl::string_view id) const {
  ndes::v1::GetNdesConnectorRequest request;
  request.set_id(std::string(id));
  NdesConnector response;
  absl::Status status = RunWithRetries(
      options_, Idempotency::kIdempotent, [&](grpc::ClientContext& context) {
        response.Clear();
        return stub_->GetNdesConnector(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<ndes::v1::ListNdesConnectorsResponse>
NdesConnectorClient::ListNdesConnectors(
    const ndes::v1::ListNdesConnectorsRequest& request) const {
  ndes::v1::ListNdesConnectorsResponse response;
  absl::Status status = RunWithRetries(
      options_, Idempotency::kIdempotent, [&](grpc::ClientContext& context) {
        response.Clear();
        return stub_->ListNdesConnectors(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<std::vector<NdesConnector>>
NdesConnectorClient::ListAllNdesConnectors(int page_size) const {
  std::vector<NdesConnector> connectors;
  ndes::v1::ListNdesConnectorsRequest request;
  request.set_page_size(page_size);
  while (true) {
    absl::StatusOr<ndes::v1::ListNdesConnectorsResponse> page =
        ListNdesConnectors(request);
    if (!page.ok()) return page.status();
    for (NdesConnector& connector : *page->mutable_ndes_connectors()) {
      connectors.push_back(std::move(connector));
    }
    if (page->next_page_token().empty()) return connectors;
    // A server that hands back the token it was given would page forever.
    if (page->next_page_token() == request.page_token()) {
      return absl::InternalError(
          "the gateway answered a page with the same next_page_token it was "
          "given; stopped listing");
    }
    request.set_page_token(page->next_page_token());
  }
}

absl::StatusOr<NdesConnector> NdesConnectorClient::CreateNdesConnector(
    const NdesConnector& connector) const {
  ndes::v1::CreateNdesConnectorRequest request;
  *request.mutable_ndes_connector() = connector;
  NdesConnector response;
  absl::Status status = RunWithRetries(
      options_, Idempotency::kNonIdempotent, [&](grpc::ClientContext& context) {
        return stub_->CreateNdesConnector(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<NdesConnector> NdesConnectorClient::UpdateNdesConnectors(
    const ConnectorUpdate& update) const {
  return UpdateNdesConnectors(update.ToRequest());
}

absl::StatusOr<NdesConnector> NdesConnectorClient::UpdateNdesConnectors(
    const ndes::v1::UpdateNdesConnectorsRequest& request) const {
  NdesConnector response;
  const Idempotency idempotency = request.ndes_connector().etag().empty()
                                      ? Idempotency::kNonIdempotent
                                      : Idempotency::kIdempotent;
  absl::Status status =
      RunWithRetries(options_, idempotency, [&](grpc::ClientContext& context) {
        response.Clear();
        return stub_->UpdateNdesConnectors(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::Status NdesConnectorClient::DeleteNdesConnector(
    absl::string_view id, absl::string_view etag) const {
  ndes::v1::DeleteNdesConnectorRequest request;
  request.set_id(std::string(id));
  request.set_etag(std::string(etag));
  google::protobuf::Empty response;
  const Idempotency idempotency =
      etag.empty() ? Idempotency::kNonIdempotent : Idempotency::kIdempotent;
  return RunWithRetries(
      options_, idempotency, [&](grpc::ClientContext& context) {
        return stub_->DeleteNdesConnector(&context, request, &response);
      });
}

NdesConnectorClient MakeNdesConnectorClient(
    const std::shared_ptr<grpc::ChannelInterface>& channel,
    ClientOptions options) {
  return NdesConnectorClient(ndes::v1::NdesConnectorService::NewStub(channel),
                             std::move(options));
}

}  // namespace ndes::client
