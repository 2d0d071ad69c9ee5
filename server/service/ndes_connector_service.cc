#include "service/ndes_connector_service.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/empty.pb.h"
#include "query/selection.h"
#include "service/connector_requests.h"

namespace ndes::service {
namespace {

using ndes::v1::NdesConnector;

// A store callback that answers `call` with the store's result.
template <typename T>
store::StoreCallback<T> AnswerWith(std::unique_ptr<Call> call) {
  return [call = std::move(call)](absl::StatusOr<T> result) {
    // An abandoned call has been answered already: drop the result.
    if (!call->Claim()) return;
    if (result.ok()) {
      call->Finish(absl::OkStatus(), &*result);
    } else {
      call->Finish(result.status());
    }
  };
}

}  // namespace

NdesConnectorServiceImpl::NdesConnectorServiceImpl(
    store::ConnectorStore& store, ServiceStats& stats,
    const Authorizer* authorizer, std::size_t max_message_bytes)
    : store_(store),
      stats_(stats),
      authorizer_(authorizer),
      max_message_bytes_(max_message_bytes) {}

int NdesConnectorServiceImpl::AbandonCallsInFlight() {
  return in_flight_->Abandon();
}

void NdesConnectorServiceImpl::StartDraining() { in_flight_->StartDraining(); }

void NdesConnectorServiceImpl::StopAnswering() { in_flight_->StopAnswering(); }

bool NdesConnectorServiceImpl::AwaitAnswersSent(absl::Time deadline) const {
  return in_flight_->AwaitAnswered(deadline);
}

int NdesConnectorServiceImpl::CallsInFlight() const {
  return in_flight_->size();
}

int NdesConnectorServiceImpl::AnswersUnsent() const {
  return in_flight_->unanswered();
}

int NdesConnectorServiceImpl::CallsHeld() const { return in_flight_->held(); }

absl::Time NdesConnectorServiceImpl::LastArrival() const {
  return in_flight_->last_arrival();
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::UpdateNdesConnectors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  auto call = std::make_unique<Call>(context, "UpdateNdesConnectors", response,
                                     in_flight_, stats_, max_message_bytes_);
  ndes::v1::UpdateNdesConnectorsRequest request;
  if (!call->Admit() || !call->ParseRequest(bytes, &request) ||
      !call->Authorize(authorizer_, Access::kWrite)) {
    return call->reactor();
  }
  absl::StatusOr<store::UpdateCommand> command =
      UpdateCommandOf(std::move(request));
  if (!command.ok()) return call->Reject(command.status());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Update(store_context, *std::move(command),
                AnswerWith<NdesConnector>(std::move(call)));
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::GetNdesConnector(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  auto call = std::make_unique<Call>(context, "GetNdesConnector", response,
                                     in_flight_, stats_, max_message_bytes_);
  ndes::v1::GetNdesConnectorRequest request;
  if (!call->Admit() || !call->ParseRequest(bytes, &request) ||
      !call->Authorize(authorizer_, Access::kRead)) {
    return call->reactor();
  }
  absl::StatusOr<ConnectorRead> read = ConnectorReadOf(request);
  if (!read.ok()) return call->Reject(read.status());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Get(store_context, std::move(read->id),
             [call = std::move(call), selection = std::move(read->selection)](
                 absl::StatusOr<NdesConnector> connector) mutable {
               if (!call->Claim()) return;
               if (!connector.ok()) {
                 call->Finish(connector.status());
                 return;
               }
               query::Apply(selection, &*connector);
               call->Finish(absl::OkStatus(), &*connector);
             });
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::ListNdesConnectors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  auto call = std::make_unique<Call>(context, "ListNdesConnectors", response,
                                     in_flight_, stats_, max_message_bytes_);
  ndes::v1::ListNdesConnectorsRequest request;
  if (!call->Admit() || !call->ParseRequest(bytes, &request) ||
      !call->Authorize(authorizer_, Access::kRead)) {
    return call->reactor();
  }
  absl::StatusOr<store::ListQuery> query = ListQueryOf(request);
  if (!query.ok()) return call->Reject(query.status());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.List(store_context, *std::move(query),
              [call = std::move(call)](absl::StatusOr<store::ListPage> page) {
                if (!call->Claim()) return;
                if (!page.ok()) {
                  call->Finish(page.status());
                  return;
                }
                ndes::v1::ListNdesConnectorsResponse answer;
                answer.mutable_ndes_connectors()->Reserve(
                    static_cast<int>(page->connectors.size()));
                for (NdesConnector& connector : page->connectors) {
                  *answer.add_ndes_connectors() = std::move(connector);
                }
                answer.set_next_page_token(std::move(page->next_page_token));
                call->Finish(absl::OkStatus(), &answer);
              });
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::CreateNdesConnector(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  auto call = std::make_unique<Call>(context, "CreateNdesConnector", response,
                                     in_flight_, stats_, max_message_bytes_);
  ndes::v1::CreateNdesConnectorRequest request;
  if (!call->Admit() || !call->ParseRequest(bytes, &request) ||
      !call->Authorize(authorizer_, Access::kWrite)) {
    return call->reactor();
  }
  absl::StatusOr<NdesConnector> connector = ConnectorToCreate(request);
  if (!connector.ok()) return call->Reject(connector.status());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Create(store_context, *std::move(connector),
                AnswerWith<NdesConnector>(std::move(call)));
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::DeleteNdesConnector(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response) {
  auto call = std::make_unique<Call>(context, "DeleteNdesConnector", response,
                                     in_flight_, stats_, max_message_bytes_);
  ndes::v1::DeleteNdesConnectorRequest request;
  if (!call->Admit() || !call->ParseRequest(bytes, &request) ||
      !call->Authorize(authorizer_, Access::kWrite)) {
    return call->reactor();
  }
  absl::StatusOr<std::string> id = IdToDelete(request);
  if (!id.ok()) return call->Reject(id.status());
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Delete(store_context, *std::move(id), request.etag(),
                [call = std::move(call)](absl::Status status) {
                  if (!call->Claim()) return;
                  const google::protobuf::Empty empty;
                  call->Finish(status, &empty);
                });
  return reactor;
}

}  // namespace ndes::service
