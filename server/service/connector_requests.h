// The requests of ndes.v1.NdesConnectorService in the store's terms. Each
// function checks one request against the API's rules (the id rule of
// translation/resource_id.h, the update rules of
// translation/field_mask_plan.h, page sizes, the query fields of
// query/) and returns what the store is to be asked. Every face of the API
// (gRPC, and any other binding) goes through these, so a request is refused or
// accepted the same way whatever carried it.
//
// Errors: INVALID_ARGUMENT naming the field, with google.rpc.BadRequest
// field violations (translation/status_details.h).
//
//   absl::StatusOr<store::UpdateCommand> command = UpdateCommandOf(request);
//   if (!command.ok()) return Reject(command.status());
//   store.Update(context, *std::move(command), done);
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_SERVICE_CONNECTOR_REQUESTS_H_
#define NDES_SERVER_SERVICE_CONNECTOR_REQUESTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "query/selection.h"
#include "store/connector_store.h"

namespace ndes::service {

// The masked update a request asks for. With allow_missing every field of
// the connector must be valid (a missing connector is created from all of
// them), not only the masked ones.
absl::StatusOr<store::UpdateCommand> UpdateCommandOf(
    ndes::v1::UpdateNdesConnectorsRequest request);

// What a Get reads: the id, and the fields to answer (read_mask; the
// caller applies it to the store's answer with query::Apply).
struct ConnectorRead {
  std::string id;
  query::Selection selection;
};
absl::StatusOr<ConnectorRead> ConnectorReadOf(
    const ndes::v1::GetNdesConnectorRequest& request);

// A List's query: its page size (0 is the default size, larger sizes are
// cut to the maximum; a negative one is refused), token, and filter,
// order_by and read_mask parsed by query/ (AIP syntax; the refusals of
// query/query_errors.h).
absl::StatusOr<store::ListQuery> ListQueryOf(
    const ndes::v1::ListNdesConnectorsRequest& request);

// The connector a Create stores (its etag cleared; an empty id is left for
// the store to generate).
absl::StatusOr<ndes::v1::NdesConnector> ConnectorToCreate(
    const ndes::v1::CreateNdesConnectorRequest& request);

// The id a Delete names (its etag, if any, is request.etag()).
absl::StatusOr<std::string> IdToDelete(
    const ndes::v1::DeleteNdesConnectorRequest& request);

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_CONNECTOR_REQUESTS_H_
