#include "service/ndes_connector_service.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/call_log.h"
#include "service/grpc_status.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::service {
namespace {

using ndes::v1::NdesConnector;

// Finishes one call: converts the status, logs the call, finishes the
// reactor. Cheap to copy into store callbacks.
class CallFinisher {
 public:
  CallFinisher(grpc::CallbackServerContext* context, absl::string_view method)
      : reactor_(context->DefaultReactor()),
        method_(method),
        start_(absl::Now()) {}

  grpc::ServerUnaryReactor* reactor() const { return reactor_; }

  void operator()(const absl::Status& status) const {
    grpc::Status grpc_status = ToGrpcStatus(status);
    LogCall(method_, grpc_status, absl::Now() - start_);
    reactor_->Finish(grpc_status);
  }

  // Finishes with `status` and returns the reactor, for the early exits of
  // request validation.
  grpc::ServerUnaryReactor* Reject(const absl::Status& status) const {
    (*this)(status);
    return reactor_;
  }

 private:
  grpc::ServerUnaryReactor* reactor_;
  absl::string_view method_;
  absl::Time start_;
};

store::CallContext ContextOf(const grpc::CallbackServerContext& context) {
  store::CallContext result;
  result.deadline = absl::FromChrono(context.deadline());
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    result.authorization.assign(it->second.data(), it->second.size());
  }
  return result;
}

// A store callback that moves the answer into `response` and finishes.
template <typename T>
store::StoreCallback<T> AnswerInto(T* response, CallFinisher finish) {
  return [response, finish](absl::StatusOr<T> result) {
    if (result.ok()) *response = *std::move(result);
    finish(result.status());
  };
}

}  // namespace

NdesConnectorServiceImpl::NdesConnectorServiceImpl(store::ConnectorStore& store)
    : store_(store) {}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::UpdateNdesConnectors(
    grpc::CallbackServerContext* context,
    const ndes::v1::UpdateNdesConnectorsRequest* request,
    NdesConnector* response) {
  CallFinisher finish(context, "UpdateNdesConnectors");
  const NdesConnector& connector = request->ndes_connector();
  if (absl::Status id =
          translation::ValidateConnectorId(connector.id(), "ndes_connector.id");
      !id.ok()) {
    return finish.Reject(id);
  }
  absl::StatusOr<translation::FieldMaskPlan> plan =
      translation::PlanFieldMask(request->update_mask(), connector);
  if (!plan.ok()) return finish.Reject(plan.status());

  store::UpdateCommand command;
  command.id = connector.id();
  command.patch = translation::BuildGraphPatchDocument(connector, *plan);
  command.expected_etag = connector.etag();
  if (request->allow_missing()) {
    // A missing connector is created from all of its fields, so all of them
    // must be valid, not only the masked ones.
    if (absl::Status values = translation::ValidateConnectorValues(
            connector, translation::kWritableConnectorFields, "ndes_connector");
        !values.ok()) {
      return finish.Reject(values);
    }
    command.create_if_missing = connector;
    command.create_if_missing->clear_etag();
  }
  store_.Update(ContextOf(*context), std::move(command),
                AnswerInto(response, finish));
  return finish.reactor();
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::GetNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::GetNdesConnectorRequest* request, NdesConnector* response) {
  CallFinisher finish(context, "GetNdesConnector");
  if (absl::Status id = translation::ValidateConnectorId(request->id(), "id");
      !id.ok()) {
    return finish.Reject(id);
  }
  store_.Get(ContextOf(*context), request->id(), AnswerInto(response, finish));
  return finish.reactor();
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::ListNdesConnectors(
    grpc::CallbackServerContext* context,
    const ndes::v1::ListNdesConnectorsRequest* request,
    ndes::v1::ListNdesConnectorsResponse* response) {
  CallFinisher finish(context, "ListNdesConnectors");
  int page_size = request->page_size();
  if (page_size < 0) {
    return finish.Reject(translation::InvalidArgumentWithViolations(
        "page_size must not be negative",
        {{"page_size", "must be 0 (the default size) or positive"}}));
  }
  if (page_size == 0) page_size = store::kDefaultPageSize;
  if (page_size > store::kMaxPageSize) page_size = store::kMaxPageSize;

  store_.List(
      ContextOf(*context), page_size, request->page_token(),
      [response, finish](absl::StatusOr<store::ListPage> page) {
        if (page.ok()) {
          for (NdesConnector& connector : page->connectors) {
            *response->add_ndes_connectors() = std::move(connector);
          }
          response->set_next_page_token(std::move(page->next_page_token));
        }
        finish(page.status());
      });
  return finish.reactor();
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::CreateNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::CreateNdesConnectorRequest* request,
    NdesConnector* response) {
  CallFinisher finish(context, "CreateNdesConnector");
  NdesConnector connector = request->ndes_connector();
  if (!connector.id().empty()) {
    if (absl::Status id = translation::ValidateConnectorId(connector.id(),
                                                           "ndes_connector.id");
        !id.ok()) {
      return finish.Reject(id);
    }
  }
  if (absl::Status values = translation::ValidateConnectorValues(
          connector, translation::kWritableConnectorFields, "ndes_connector");
      !values.ok()) {
    return finish.Reject(values);
  }
  connector.clear_etag();
  store_.Create(ContextOf(*context), std::move(connector),
                AnswerInto(response, finish));
  return finish.reactor();
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::DeleteNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::DeleteNdesConnectorRequest* request,
    google::protobuf::Empty* /*response*/) {
  CallFinisher finish(context, "DeleteNdesConnector");
  if (absl::Status id = translation::ValidateConnectorId(request->id(), "id");
      !id.ok()) {
    return finish.Reject(id);
  }
  store_.Delete(ContextOf(*context), request->id(), request->etag(),
                [finish](absl::Status status) { finish(status); });
  return finish.reactor();
}

}  // namespace ndes::service
