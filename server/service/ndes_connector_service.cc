#include "service/ndes_connector_service.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "observability/gateway_metrics.h"
#include "service/call_log.h"
#include "service/grpc_status.h"
#include "translation/field_mask_plan.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::service {
namespace {

using ndes::v1::NdesConnector;

constexpr std::size_t kMaxRequestIdLength = 128;

// A request id the caller may choose: short, and made of characters that
// are safe in a log line and an HTTP header.
bool IsUsableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.' && c != ':') {
      return false;
    }
  }
  return true;
}

// A random (version 4) UUID, like the request ids Graph itself uses.
std::string NewRequestId() {
  thread_local absl::BitGen bits;
  const uint64_t high = absl::Uniform<uint64_t>(bits);
  const uint64_t low = absl::Uniform<uint64_t>(bits);
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
      high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
}

std::string MetadataValue(const grpc::CallbackServerContext& context,
                          absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

// One call from start to finish: its request id (returned to the caller in
// the response metadata and quoted in error messages), its caller, the
// store's CallContext; finishing converts the status, logs the call and
// finishes the reactor. Shared by the store's callback.
class Call {
 public:
  Call(grpc::CallbackServerContext* context, absl::string_view method,
       std::shared_ptr<InFlightCalls> in_flight)
      : reactor_(context->DefaultReactor()),
        method_(method),
        start_(absl::Now()),
        in_flight_(std::move(in_flight)),
        metrics_call_(observability::Metrics().CallStarted(method)) {
    in_flight_->Add(this);
    std::string request_id = MetadataValue(*context, kRequestIdMetadata);
    if (!IsUsableRequestId(request_id)) request_id = NewRequestId();
    context->AddInitialMetadata(kRequestIdMetadata, request_id);
    store_context_.deadline = absl::FromChrono(context->deadline());
    store_context_.authorization = MetadataValue(*context, "authorization");
    store_context_.request_id = std::move(request_id);
  }

  ~Call() { in_flight_->Remove(this); }

  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  const store::CallContext& store_context() const { return store_context_; }

  // True for exactly one caller: the one that may write the response and
  // finish the call (the store's callback, or the shutdown abandoning it).
  bool Claim() { return !claimed_.exchange(true); }

  // Asks `authorizer` (when there is one) whether the caller may do
  // `access`; false after finishing the call with the refusal.
  bool Authorize(const Authorizer* authorizer, Access access) {
    if (authorizer == nullptr) return true;
    absl::StatusOr<Caller> caller =
        authorizer->Authorize(store_context_.authorization, access);
    if (!caller.ok()) {
      observability::Metrics().AuthRefused(
          caller.status().code() == absl::StatusCode::kPermissionDenied
              ? observability::AuthRefusal::kPermissionDenied
              : observability::AuthRefusal::kUnauthenticated);
      if (Claim()) Finish(caller.status());
      return false;
    }
    caller_ = std::move(caller->identity);
    return true;
  }

  // Only after a successful Claim().
  void Finish(const absl::Status& status) {
    grpc::Status grpc_status = ToGrpcStatus(status);
    if (!grpc_status.ok()) {
      // The id in the message lets a caller quote it from any client's
      // error output.
      grpc_status = grpc::Status(
          grpc_status.error_code(),
          absl::StrCat(grpc_status.error_message(), " (request id ",
                       store_context_.request_id, ")"),
          grpc_status.error_details());
    }
    const absl::Duration latency = absl::Now() - start_;
    observability::Metrics().CallFinished(
        metrics_call_, static_cast<int>(grpc_status.error_code()), latency);
    CallRecord record;
    record.method = method_;
    record.code = grpc_status.error_code();
    // error_message() returns a copy: keep it alive for the record.
    const std::string error = grpc_status.error_message();
    record.error = error;
    record.latency = latency;
    record.request_id = store_context_.request_id;
    record.caller = caller_;
    LogCall(record);
    reactor_->Finish(grpc_status);
  }

  // Finishes with `status` and returns the reactor, for the early exits of
  // request validation.
  grpc::ServerUnaryReactor* Reject(const absl::Status& status) {
    if (Claim()) Finish(status);
    return reactor_;
  }

 private:
  grpc::ServerUnaryReactor* reactor_;
  absl::string_view method_;
  absl::Time start_;
  std::shared_ptr<InFlightCalls> in_flight_;
  observability::CallToken metrics_call_;
  std::atomic<bool> claimed_{false};
  store::CallContext store_context_;
  std::string caller_;
};

namespace {

// A store callback that moves the answer into `response` and finishes.
template <typename T>
store::StoreCallback<T> AnswerInto(T* response, std::unique_ptr<Call> call) {
  return [response, call = std::move(call)](absl::StatusOr<T> result) {
    // An abandoned call's response is gone: drop the answer.
    if (!call->Claim()) return;
    if (result.ok()) *response = *std::move(result);
    call->Finish(result.status());
  };
}

}  // namespace

void InFlightCalls::Add(Call* call) {
  absl::MutexLock lock(&mu_);
  calls_.insert(call);
}

void InFlightCalls::Remove(Call* call) {
  absl::MutexLock lock(&mu_);
  calls_.erase(call);
}

int InFlightCalls::Abandon() {
  // The lock keeps every listed call alive while it is finished (a call
  // removes itself in its destructor, under the same lock). Finishing a
  // default reactor never calls back into this service.
  absl::MutexLock lock(&mu_);
  int abandoned = 0;
  for (Call* call : calls_) {
    if (!call->Claim()) continue;
    call->Finish(absl::UnavailableError(
        "the gateway is shutting down and its drain time ran out before the "
        "store answered; the call may or may not have taken effect"));
    ++abandoned;
  }
  return abandoned;
}

int NdesConnectorServiceImpl::AbandonCallsInFlight() {
  return in_flight_->Abandon();
}

NdesConnectorServiceImpl::NdesConnectorServiceImpl(store::ConnectorStore& store,
                                                   const Authorizer* authorizer)
    : store_(store), authorizer_(authorizer) {}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::UpdateNdesConnectors(
    grpc::CallbackServerContext* context,
    const ndes::v1::UpdateNdesConnectorsRequest* request,
    NdesConnector* response) {
  auto call =
      std::make_unique<Call>(context, "UpdateNdesConnectors", in_flight_);
  if (!call->Authorize(authorizer_, Access::kWrite)) return call->reactor();
  const NdesConnector& connector = request->ndes_connector();
  if (absl::Status id =
          translation::ValidateConnectorId(connector.id(), "ndes_connector.id");
      !id.ok()) {
    return call->Reject(id);
  }
  absl::StatusOr<translation::FieldMaskPlan> plan =
      translation::PlanFieldMask(request->update_mask(), connector);
  if (!plan.ok()) return call->Reject(plan.status());

  if (request->allow_missing()) {
    // A missing connector is created from all of its fields, so all of them
    // must be valid, not only the masked ones.
    if (absl::Status values = translation::ValidateConnectorValues(
            connector, v1::ConnectorFieldSet::All(), "ndes_connector");
        !values.ok()) {
      return call->Reject(values);
    }
  }
  store::UpdateCommand command;
  command.id = connector.id();
  command.fields = plan->fields;
  command.values = connector;
  command.values.clear_etag();
  command.expected_etag = connector.etag();
  command.create_if_missing = request->allow_missing();
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Update(store_context, std::move(command),
                AnswerInto(response, std::move(call)));
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::GetNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::GetNdesConnectorRequest* request, NdesConnector* response) {
  auto call = std::make_unique<Call>(context, "GetNdesConnector", in_flight_);
  if (!call->Authorize(authorizer_, Access::kRead)) return call->reactor();
  if (absl::Status id = translation::ValidateConnectorId(request->id(), "id");
      !id.ok()) {
    return call->Reject(id);
  }
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Get(store_context, request->id(),
             AnswerInto(response, std::move(call)));
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::ListNdesConnectors(
    grpc::CallbackServerContext* context,
    const ndes::v1::ListNdesConnectorsRequest* request,
    ndes::v1::ListNdesConnectorsResponse* response) {
  auto call = std::make_unique<Call>(context, "ListNdesConnectors", in_flight_);
  if (!call->Authorize(authorizer_, Access::kRead)) return call->reactor();
  int page_size = request->page_size();
  if (page_size < 0) {
    return call->Reject(translation::InvalidArgumentWithViolations(
        "page_size must not be negative",
        {{"page_size", "must be 0 (the default size) or positive"}}));
  }
  if (page_size == 0) page_size = store::kDefaultPageSize;
  if (page_size > store::kMaxPageSize) page_size = store::kMaxPageSize;

  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.List(
      store_context, page_size, request->page_token(),
      [response, call = std::move(call)](absl::StatusOr<store::ListPage> page) {
        if (!call->Claim()) return;
        if (page.ok()) {
          for (NdesConnector& connector : page->connectors) {
            *response->add_ndes_connectors() = std::move(connector);
          }
          response->set_next_page_token(std::move(page->next_page_token));
        }
        call->Finish(page.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::CreateNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::CreateNdesConnectorRequest* request,
    NdesConnector* response) {
  auto call =
      std::make_unique<Call>(context, "CreateNdesConnector", in_flight_);
  if (!call->Authorize(authorizer_, Access::kWrite)) return call->reactor();
  NdesConnector connector = request->ndes_connector();
  if (!connector.id().empty()) {
    if (absl::Status id = translation::ValidateConnectorId(connector.id(),
                                                           "ndes_connector.id");
        !id.ok()) {
      return call->Reject(id);
    }
  }
  if (absl::Status values = translation::ValidateConnectorValues(
          connector, v1::ConnectorFieldSet::All(), "ndes_connector");
      !values.ok()) {
    return call->Reject(values);
  }
  connector.clear_etag();
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Create(store_context, std::move(connector),
                AnswerInto(response, std::move(call)));
  return reactor;
}

grpc::ServerUnaryReactor* NdesConnectorServiceImpl::DeleteNdesConnector(
    grpc::CallbackServerContext* context,
    const ndes::v1::DeleteNdesConnectorRequest* request,
    google::protobuf::Empty* /*response*/) {
  auto call =
      std::make_unique<Call>(context, "DeleteNdesConnector", in_flight_);
  if (!call->Authorize(authorizer_, Access::kWrite)) return call->reactor();
  if (absl::Status id = translation::ValidateConnectorId(request->id(), "id");
      !id.ok()) {
    return call->Reject(id);
  }
  grpc::ServerUnaryReactor* reactor = call->reactor();
  const store::CallContext store_context = call->store_context();
  store_.Delete(store_context, request->id(), request->etag(),
                [call = std::move(call)](absl::Status status) {
                  if (call->Claim()) call->Finish(status);
                });
  return reactor;
}

}  // namespace ndes::service
