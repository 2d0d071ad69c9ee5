// ndes.v1.NdesConnectorService over a ConnectorStore, with gRPC's callback
// API.
//
// Each RPC validates its request (ids, masks, values: the update table in
// docs/architecture.md), translates it to the store's terms (a masked update
// becomes a Graph PATCH document) and finishes the call from the store's
// callback, so no gRPC thread waits on a store that answers later. Every
// error is converted to a grpc::Status in one place (grpc_status.h) and
// every call is logged once (call_log.h).
//
// Request ids: a call's id is its `x-request-id` metadata when that is 1-128
// characters of [A-Za-z0-9._:-], else a generated UUID. It is returned in
// the response's initial metadata (`x-request-id`), logged, passed to the
// store (Graph gets it as client-request-id) and appended to every error
// message as "(request id ID)".
//
// Thread-safe. The store is not owned and must outlive the service and every
// call it has started.
#ifndef NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
#define NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "service/authorizer.h"
#include "store/connector_store.h"

namespace ndes::service {

// The metadata key of request ids, inbound and outbound.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

class Call;

// The calls that have started and not yet been destroyed.
class InFlightCalls {
 public:
  void Add(Call* call);
  void Remove(Call* call);
  // Finishes every call not finished yet with UNAVAILABLE; returns how many.
  int Abandon();

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<Call*> calls_ ABSL_GUARDED_BY(mu_);
};

class NdesConnectorServiceImpl final
    : public ndes::v1::NdesConnectorService::CallbackService {
 public:
  // `authorizer` may be null (no inbound auth); when set, it is asked
  // before the store is touched, and must outlive the service.
  explicit NdesConnectorServiceImpl(store::ConnectorStore& store,
                                    const Authorizer* authorizer = nullptr);

  // For shutdown when the drain time has run out: finishes every call still
  // waiting for its store with UNAVAILABLE, so that the server can stop;
  // the store's later answers are dropped. Returns how many were finished.
  int AbandonCallsInFlight();

  grpc::ServerUnaryReactor* UpdateNdesConnectors(
      grpc::CallbackServerContext* context,
      const ndes::v1::UpdateNdesConnectorsRequest* request,
      ndes::v1::NdesConnector* response) override;

  grpc::ServerUnaryReactor* GetNdesConnector(
      grpc::CallbackServerContext* context,
      const ndes::v1::GetNdesConnectorRequest* request,
      ndes::v1::NdesConnector* response) override;

  grpc::ServerUnaryReactor* ListNdesConnectors(
      grpc::CallbackServerContext* context,
      const ndes::v1::ListNdesConnectorsRequest* request,
      ndes::v1::ListNdesConnectorsResponse* response) override;

  grpc::ServerUnaryReactor* CreateNdesConnector(
      grpc::CallbackServerContext* context,
      const ndes::v1::CreateNdesConnectorRequest* request,
      ndes::v1::NdesConnector* response) override;

  grpc::ServerUnaryReactor* DeleteNdesConnector(
      grpc::CallbackServerContext* context,
      const ndes::v1::DeleteNdesConnectorRequest* request,
      google::protobuf::Empty* response) override;

 private:
  store::ConnectorStore& store_;
  const Authorizer* authorizer_;
  // Shared with every call: a store may destroy a call's callback (and so
  // the call) after the service is gone.
  std::shared_ptr<InFlightCalls> in_flight_ = std::make_shared<InFlightCalls>();
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
