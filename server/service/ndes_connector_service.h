// ndes.v1.NdesConnectorService over a ConnectorStore, with gRPC's callback
// API.
//
// Each RPC parses its request (a request whose bytes do not parse is
// INVALID_ARGUMENT naming the request type: the methods are raw, so gRPC's
// own answer to an unparsable request, UNIMPLEMENTED, never reaches a
// caller), asks the authorizer, checks the request (connector_requests.h),
// and finishes the call from the store's callback, so no gRPC thread waits
// on a store that answers later. Every call is answered, logged and counted
// in one place (grpc_call.h), with its request id.
//
// Thread-safe. The store is not owned and must outlive the service and every
// call it has started.
#ifndef NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
#define NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_

#include <memory>

#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "service/authorizer.h"
#include "service/grpc_call.h"
#include "service/service_stats.h"
#include "store/connector_store.h"

namespace ndes::service {

using RawNdesConnectorService =
    ndes::v1::NdesConnectorService::WithRawCallbackMethod_UpdateNdesConnectors<
        ndes::v1::NdesConnectorService::WithRawCallbackMethod_GetNdesConnector<
            ndes::v1::NdesConnectorService::
                WithRawCallbackMethod_ListNdesConnectors<
                    ndes::v1::NdesConnectorService::
                        WithRawCallbackMethod_CreateNdesConnector<
                            ndes::v1::NdesConnectorService::
                                WithRawCallbackMethod_DeleteNdesConnector<
                                    ndes::v1::NdesConnectorService::
                                        Service>>>>>;

class NdesConnectorServiceImpl final : public RawNdesConnectorService {
 public:
  // Records into `stats`. `authorizer` may be null (no inbound auth); when
  // set, it is asked before the store is touched. Both must outlive the
  // service and every call it has started. `max_message_bytes`: the
  // server's message limit (grpc_call.h).
  NdesConnectorServiceImpl(
      store::ConnectorStore& store, ServiceStats& stats,
      const Authorizer* authorizer = nullptr,
      std::size_t max_message_bytes = Call::kDefaultMaxMessageBytes);

  // For shutdown when the drain time has run out: finishes every call still
  // waiting for its store with UNAVAILABLE, so that the server can stop;
  // the store's later answers are dropped. Returns how many were finished.
  int AbandonCallsInFlight();

  // For shutdown: from now on every new call is answered UNAVAILABLE ("the
  // gateway is shutting down"), and logged; calls already started go on.
  void StartDraining();
  // For shutdown, before the connections close: from now on a new call is
  // held, neither answered nor logged, until its connection closes
  // (InFlightCalls::StopAnswering).
  void StopAnswering();
  // Waits until the answer of every call started before StopAnswering has
  // been sent, or until `deadline`; whether they all had.
  bool AwaitAnswersSent(absl::Time deadline) const;
  // Calls started and not finished yet.
  int CallsInFlight() const;
  // Calls whose answers have not been sent yet.
  int AnswersUnsent() const;
  // Calls held since StopAnswering.
  int CallsHeld() const;
  // When the last call arrived.
  absl::Time LastArrival() const;

  grpc::ServerUnaryReactor* UpdateNdesConnectors(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetNdesConnector(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListNdesConnectors(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateNdesConnector(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteNdesConnector(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  store::ConnectorStore& store_;
  ServiceStats& stats_;
  const Authorizer* authorizer_;
  const std::size_t max_message_bytes_;
  // Shared with every call: a store may destroy a call's callback (and so
  // the call) after the service is gone.
  std::shared_ptr<InFlightCalls> in_flight_ = std::make_shared<InFlightCalls>();
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_NDES_CONNECTOR_SERVICE_H_
