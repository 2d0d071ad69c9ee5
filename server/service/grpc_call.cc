#include "service/grpc_call.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "logging/log.h"
#include "service/grpc_status.h"

namespace ndes::service {
namespace {

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

void InFlightCalls::Add(Call* call) {
  absl::MutexLock lock(&mu_);
  calls_.insert(call);
  last_arrival_ = absl::Now();
}

int InFlightCalls::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(calls_.size());
}

absl::Time InFlightCalls::last_arrival() const {
  absl::MutexLock lock(&mu_);
  return last_arrival_;
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

Call::Call(grpc::CallbackServerContext* context, absl::string_view method,
           grpc::ByteBuffer* response, std::shared_ptr<InFlightCalls> in_flight,
           ServiceStats& stats, std::size_t max_message_bytes)
    : reactor_(context->DefaultReactor()),
      response_(response),
      max_message_bytes_(max_message_bytes),
      method_(method),
      start_(absl::Now()),
      in_flight_(std::move(in_flight)),
      stats_(stats),
      stats_call_(stats.CallStarted(method)) {
  in_flight_->Add(this);
  std::string request_id = MetadataValue(*context, kRequestIdMetadata);
  if (!IsUsableRequestId(request_id)) request_id = NewRequestId();
  context->AddInitialMetadata(kRequestIdMetadata, request_id);
  store_context_.deadline = absl::FromChrono(context->deadline());
  store_context_.authorization = MetadataValue(*context, "authorization");
  store_context_.request_id = std::move(request_id);
  // The rest of the answer (the next page token, the message framing) fits
  // in the other half.
  store_context_.max_page_bytes = max_message_bytes / 2;
}

Call::~Call() { in_flight_->Remove(this); }

bool Call::Admit() {
  if (!in_flight_->draining()) return true;
  Reject(absl::UnavailableError(
      "the gateway is shutting down and takes no new call; retry (on another "
      "replica): the call was not applied"));
  return false;
}

bool Call::ParseRequest(const grpc::ByteBuffer* bytes,
                        google::protobuf::MessageLite* request) {
  // Reading consumes a buffer: read a copy (it shares the slices).
  grpc::ByteBuffer copy;
  if (bytes != nullptr && bytes->Valid()) copy = *bytes;
  bool parsed = false;
  if (copy.Valid()) {
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
    bool own_buffer = false;
    grpc::Status serialized =
        grpc::GenericSerialize<grpc::ProtoBufferWriter,
                               google::protobuf::MessageLite>(
            *response, response_, &own_buffer);
    if (!serialized.ok()) {
      sent = absl::InternalError(
          absl::StrCat("the response could not be serialized: ",
                       serialized.error_message()));
    } else if (response_->Length() > max_message_bytes_) {
      sent = AnswerTooLarge(method_, response_->Length(), max_message_bytes_);
      response_->Clear();
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
