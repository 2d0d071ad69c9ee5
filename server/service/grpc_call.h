// One gRPC call of the service from start to finish: its request id, its
// caller, the store's CallContext, and the one place where it is answered,
// logged and counted.
//
// Request ids: a call's id is its `x-request-id` metadata when that is 1-128
// characters of [A-Za-z0-9._:-], else a generated UUID. It is returned in the
// response's initial metadata (`x-request-id`), logged, passed to the store
// (Graph gets it as client-request-id) and appended to every error message
// as "(request id ID)", in grpc-message and in the google.rpc.Status of
// grpc-status-details-bin alike, so every client shows it.
//
// A call is finished exactly once: whoever wins Claim() (the store's
// callback, a refusal before the store, or a shutdown abandoning it) may
// write the response and Finish.
//
// Thread-safe where stated; a Call is owned by one party at a time.
#ifndef NDES_SERVER_SERVICE_GRPC_CALL_H_
#define NDES_SERVER_SERVICE_GRPC_CALL_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/grpcpp.h"
#include "service/authorizer.h"
#include "service/service_stats.h"
#include "store/connector_store.h"

namespace ndes::service {

// The metadata key of request ids, inbound and outbound.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

class Call;
class CallReactor;

// The calls that have started, those whose answers have not been sent yet,
// and whether the service drains (refuses new calls) or has stopped
// answering (the gateway is closing its connections). Thread-safe.
//
// An answer is sent a moment after its call was finished (and logged):
// gRPC hands it to the connection later, then runs the reactor's OnDone.
// A connection closed in between would cut off an answer already logged.
// Shutdown therefore stops answering first, then waits until every call
// that counted has had its answer sent, then closes the connections.
class InFlightCalls {
 public:
  // A call starts. True when it counts (and is answered); false when it
  // arrived after StopAnswering: it is then held, unanswered and unlogged,
  // until its connection closes (see Call::Admit).
  bool Add(Call* call);
  // The call is destroyed (its answer may still be on its way).
  void Remove(Call* call);
  // The answer of a call that counted has been sent (or its connection is
  // gone): it counts no more.
  void Answered();
  // Finishes every call not finished yet with UNAVAILABLE; returns how many.
  int Abandon();

  // From now on every new call is refused with UNAVAILABLE (Call::Admit).
  void StartDraining() { draining_.store(true); }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  // From now on a new call is held: neither answered nor logged nor counted
  // (its client sees its connection close). So that waiting for the
  // answers given to be sent ends, and no answer is being given while the
  // connections close. Idempotent.
  void StopAnswering();
  // Waits until every call that counted has had its answer sent, or until
  // `deadline`; whether they all had.
  bool AwaitAnswered(absl::Time deadline) const;

  // Calls started and not destroyed yet (refused ones included until they
  // are; held ones excepted): those the drain waits for.
  int size() const;
  // Calls that counted and whose answers have not been sent yet (refused
  // ones included): those AwaitAnswered waits for.
  int unanswered() const;
  // Calls held since StopAnswering.
  int held() const;
  // When the last call started (InfinitePast before the first).
  absl::Time last_arrival() const;

 private:
  mutable absl::Mutex mu_;
  // The calls started and not destroyed, for Abandon (held ones excepted).
  absl::flat_hash_set<Call*> calls_ ABSL_GUARDED_BY(mu_);
  int unanswered_ ABSL_GUARDED_BY(mu_) = 0;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
  bool answering_ ABSL_GUARDED_BY(mu_) = true;
  absl::Time last_arrival_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::atomic<bool> draining_{false};
};

class Call {
 public:
  // gRPC's default message limit.
  static constexpr std::size_t kDefaultMaxMessageBytes = 4 * 1024 * 1024;

  // `method`: the RPC's short name (a string literal). `response`: where the
  // serialized answer goes; owned by gRPC, valid until the call finishes.
  // `stats` must outlive the call. `max_message_bytes`: the server's
  // message limit; an answer larger than it is replaced by
  // RESOURCE_EXHAUSTED (see Finish), and List pages are kept to half of it
  // (CallContext::max_page_bytes).
  Call(grpc::CallbackServerContext* context, absl::string_view method,
       grpc::ByteBuffer* response, std::shared_ptr<InFlightCalls> in_flight,
       ServiceStats& stats,
       std::size_t max_message_bytes = kDefaultMaxMessageBytes);
  ~Call();

  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // The reactor to return to gRPC; it outlives the call, until gRPC has
  // sent its answer.
  grpc::ServerUnaryReactor* reactor() const;
  const store::CallContext& store_context() const { return store_context_; }

  // True for exactly one caller: the one that may write the response and
  // finish the call. Thread-safe.
  bool Claim() { return !claimed_.exchange(true); }

  // False after finishing the call UNAVAILABLE when the service drains
  // (the gateway is shutting down): a call that arrives then is refused,
  // and logged, rather than cut off by the server's shutdown. Also false,
  // without finishing nor logging the call, when it arrived after
  // InFlightCalls::StopAnswering: it is finished once gRPC cancels it (its
  // connection closes), and its client gets an error from its own gRPC
  // library (usually UNAVAILABLE), as for a call that never reached the
  // gateway.
  bool Admit();

  // Parses the request bytes into `request`; false after finishing the call
  // INVALID_ARGUMENT naming the request type (a request that does not parse
  // is the caller's mistake, not an unknown method), or CANCELLED when no
  // request message arrived at all (the client reset the call first).
  bool ParseRequest(const grpc::ByteBuffer* bytes,
                    google::protobuf::MessageLite* request);

  // Asks `authorizer` (when there is one) whether the caller may do
  // `access`; false after finishing the call with the refusal.
  bool Authorize(const Authorizer* authorizer, Access access);

  // Only after a successful Claim(). OK answers `response`, unless it is
  // larger than the message limit: then RESOURCE_EXHAUSTED saying so (gRPC
  // would refuse to send it after the call had been logged and counted as
  // OK); any other status is sent with the request id added to its message.
  // The call is logged and counted with the status the client gets.
  void Finish(const absl::Status& status,
              const google::protobuf::MessageLite* response = nullptr);

  // Claims and finishes with `status`; returns the reactor, for the early
  // exits of request validation.
  grpc::ServerUnaryReactor* Reject(const absl::Status& status);

 private:
  // Deletes itself once gRPC is done with it.
  CallReactor* reactor_ = nullptr;
  // Arrived after StopAnswering: see Admit.
  bool held_ = false;
  grpc::ByteBuffer* response_;
  const std::size_t max_message_bytes_;
  absl::string_view method_;
  absl::Time start_;
  std::shared_ptr<InFlightCalls> in_flight_;
  ServiceStats& stats_;
  CallToken stats_call_;
  std::atomic<bool> claimed_{false};
  store::CallContext store_context_;
  std::string caller_;
};

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_GRPC_CALL_H_
