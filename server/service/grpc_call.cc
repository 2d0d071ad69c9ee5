#include "service/grpc_call.h"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "logging/log.h"
#include "service/grpc_status.h"
#include "text/request_id.h"

namespace ndes::service {
namespace {

std::string MetadataValue(const grpc::CallbackServerContext& context,
                          absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// `status` with "(request id ID)" after its message, payloads kept, so that
// the id reaches every client's error output.
absl::Status WithRequestId(const absl::Status& status,
                           absl::string_view request_id) {
  absl::Status with_id(
      status.code(),
      absl::StrCat(status.message(), " (request id ", request_id, ")"));
  status.ForEachPayload(
      [&with_id](absl::string_view type_url, const absl::Cord& payload) {
        with_id.SetPayload(type_url, payload);
      });
  return with_id;
}

// Serializes `message` into `buffer` as one slice; `size` is
// message.ByteSizeLong(), which also caches the sizes this needs. (gRPC's
// own GenericSerialize sizes the message twice and goes through a zero-copy
// stream for anything above 23 bytes.)
bool SerializeInOneSlice(const google::protobuf::MessageLite& message,
                         std::size_t size, grpc::ByteBuffer* buffer) {
  if (size > static_cast<std::size_t>(INT_MAX)) return false;
  grpc::Slice slice(size);
  uint8_t* const end = message.SerializeWithCachedSizesToArray(
      const_cast<uint8_t*>(slice.begin()));
  if (end != slice.end()) return false;
  grpc::ByteBuffer serialized(&slice, 1);
  buffer->Swap(&serialized);
  return true;
}

// The status of an answer of `size` bytes that does not fit the message
// limit: a connector stored before the field limits applied, or one that
// Graph holds, can be that large.
absl::Status AnswerTooLarge(absl::string_view method, std::size_t size,
                            std::size_t limit) {
  const bool write =
      absl::StartsWith(method, "Create") || absl::StartsWith(method, "Update");
  return absl::ResourceExhaustedError(absl::StrCat(
      write ? "the write was applied, but its answer" : "the answer", " is ",
      size, " bytes, more than the message limit of ", limit,
      " bytes (--max_message_bytes): the connector holds more than the field "
      "limits allow (stored before they applied, or kept by Graph); update "
      "it to shorten its fields"));
}

}  // namespace

// A call's reactor: tells InFlightCalls when the call's answer has been
// sent (OnDone comes once gRPC has handed the status to the connection, or
// the call is gone), and finishes a held call once gRPC cancels it.
class CallReactor : public grpc::ServerUnaryReactor {
 public:
  explicit CallReactor(std::shared_ptr<InFlightCalls> in_flight)
      : in_flight_(std::move(in_flight)) {}

  // The call is held (Call::Admit): nothing finishes it but its
  // cancellation. Before the reactor is returned to gRPC.
  void Hold() { held_ = true; }

  void OnCancel() override {
    // Its connection is closing: what is sent now never arrives.
    if (held_) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the gateway closed the connection"));
    }
  }

  void OnDone() override {
    if (!held_) in_flight_->Answered();
    delete this;
  }

  // Its reactions are short and never block, as those of gRPC's default
  // reactor, which says so too: they run where the call ends rather than
  // each through gRPC's executor (a thread hop per call).
  bool InternalInlineable() override { return true; }

 private:
  const std::shared_ptr<InFlightCalls> in_flight_;
  bool held_ = false;
};

bool InFlightCalls::Add(Call* call) {
  absl::MutexLock lock(&mu_);
  last_arrival_ = absl::Now();
  if (!answering_) {
    ++held_;
    return false;
  }
  calls_.insert(call);
  ++unanswered_;
  return true;
}

void InFlightCalls::Remove(Call* call) {
  absl::MutexLock lock(&mu_);
  calls_.erase(call);
}

void InFlightCalls::Answered() {
  absl::MutexLock lock(&mu_);
  --unanswered_;
}

void InFlightCalls::StopAnswering() {
  absl::MutexLock lock(&mu_);
  answering_ = false;
}

bool InFlightCalls::AwaitAnswered(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(
      absl::Condition(
          +[](const int* unanswered) { return *unanswered == 0; },
          &unanswered_),
      deadline);
}

int InFlightCalls::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(calls_.size());
}

int InFlightCalls::unanswered() const {
  absl::MutexLock lock(&mu_);
  return unanswered_;
}

int InFlightCalls::held() const {
  absl::MutexLock lock(&mu_);
  return held_;
}

absl::Time InFlightCalls::last_arrival() const {
  absl::MutexLock lock(&mu_);
  return last_arrival_;
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

Call::Call(grpc::CallbackServerContext* context, absl::string_view method,
           grpc::ByteBuffer* response, std::shared_ptr<InFlightCalls> in_flight,
           ServiceStats& stats, std::size_t max_message_bytes)
    : response_(response),
      max_message_bytes_(max_message_bytes),
      method_(method),
      start_(absl::Now()),
      in_flight_(std::move(in_flight)),
      stats_(stats) {
  reactor_ = new CallReactor(in_flight_);
  if (!in_flight_->Add(this)) {
    held_ = true;
    claimed_ = true;
    reactor_->Hold();
    return;
  }
  stats_call_ = stats.CallStarted(method);
  std::string request_id = MetadataValue(*context, kRequestIdMetadata);
  if (!text::IsUsableRequestId(request_id)) request_id = text::NewRequestId();
  context->AddInitialMetadata(kRequestIdMetadata, request_id);
  store_context_.deadline = absl::FromChrono(context->deadline());
  store_context_.authorization = MetadataValue(*context, "authorization");
  store_context_.request_id = std::move(request_id);
  // The rest of the answer (the next page token, the message framing) fits
  // in the other half.
  store_context_.max_page_bytes = max_message_bytes / 2;
}

Call::~Call() { in_flight_->Remove(this); }

grpc::ServerUnaryReactor* Call::reactor() const { return reactor_; }

bool Call::Admit() {
  if (held_) return false;
  if (!in_flight_->draining()) return true;
  Reject(absl::UnavailableError(
      "the gateway is shutting down and takes no new call; retry (on another "
      "replica): the call was not applied"));
  return false;
}

bool Call::ParseRequest(const grpc::ByteBuffer* bytes,
                        google::protobuf::MessageLite* request) {
  if (bytes == nullptr || !bytes->Valid()) {
    // No message at all: the client reset the stream before its request
    // arrived (a conforming client always sends one). Not a request that
    // failed to parse, so not counted as the caller's INVALID_ARGUMENT.
    Reject(absl::CancelledError(
        "no request message arrived: the client cancelled the call (or "
        "ended it without a request)"));
    return false;
  }
  bool parsed = false;
  grpc::Slice single;
  if (bytes->TrySingleSlice(&single).ok()) {
    // A small request arrives in one slice: parsed in place.
    parsed = request->ParseFromArray(single.begin(),
                                     static_cast<int>(single.size()));
  } else {
    // Reading consumes a buffer: read a copy (it shares the slices).
    grpc::ByteBuffer copy = *bytes;
    grpc::ProtoBufferReader reader(&copy);
    parsed = request->ParseFromZeroCopyStream(&reader);
  }
  if (parsed) return true;
  Reject(absl::InvalidArgumentError(
      absl::StrCat("the request is not a valid ", request->GetTypeName(),
                   " message (its bytes do not parse)")));
  return false;
}

bool Call::Authorize(const Authorizer* authorizer, Access access) {
  if (authorizer == nullptr) return true;
  absl::StatusOr<Caller> caller =
      authorizer->Authorize(store_context_.authorization, access);
  if (!caller.ok()) {
    stats_.AuthRefused(caller.status().code() ==
                               absl::StatusCode::kPermissionDenied
                           ? AuthRefusal::kPermissionDenied
                           : AuthRefusal::kUnauthenticated);
    Reject(caller.status());
    return false;
  }
  caller_ = std::move(caller->identity);
  return true;
}

void Call::Finish(const absl::Status& status,
                  const google::protobuf::MessageLite* response) {
  absl::Status sent = status;
  if (sent.ok() && response != nullptr) {
    const std::size_t size = response->ByteSizeLong();
    if (size > max_message_bytes_) {
      sent = AnswerTooLarge(method_, size, max_message_bytes_);
    } else if (!SerializeInOneSlice(*response, size, response_)) {
      sent = absl::InternalError("the response could not be serialized");
    }
  }
  if (!sent.ok()) sent = WithRequestId(sent, store_context_.request_id);
  const grpc::Status grpc_status = ToGrpcStatus(sent);
  const absl::Duration latency = absl::Now() - start_;
  stats_.CallFinished(stats_call_, sent.code(), latency);
  logging::CallRecord record;
  record.method = method_;
  record.code = sent.code();
  record.error = sent.message();
  record.latency = latency;
  record.request_id = store_context_.request_id;
  record.caller = caller_;
  logging::LogCall(record);
  reactor_->Finish(grpc_status);
}

grpc::ServerUnaryReactor* Call::Reject(const absl::Status& status) {
  if (Claim()) Finish(status);
  return reactor_;
}

}  // namespace ndes::service
