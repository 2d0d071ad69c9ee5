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
// Thread-safe. The store is not owned and must outlive the service and every
// call it has started.
#ifndef NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
#define NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_

#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "store/connector_store.h"

namespace ndes::service {

class NdesConnectorServiceImpl final
    : public ndes::v1::NdesConnectorService::CallbackService {
 public:
  explicit NdesConnectorServiceImpl(store::ConnectorStore& store);

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
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
