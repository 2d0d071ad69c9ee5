#include "grpc_calls.h"

#include <atomic>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ndes::bench {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ndes::v1::CreateNdesConnectorRequest;
using ndes::v1::GetNdesConnectorRequest;
using ndes::v1::ListNdesConnectorsRequest;
using ndes::v1::ListNdesConnectorsResponse;
using ndes::v1::NdesConnector;
using ndes::v1::UpdateNdesConnectorsRequest;

absl::Status ToAbsl(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// One call's state; it lives until its completion has run.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Starts `call` with `start` (which calls one method of a stub's async()
// interface) and reports its status to `done`; `check` may turn an OK
// answer into an error (a health answer other than SERVING, say).
template <typename Call, typename Starter, typename Check>
void StartUnary(std::shared_ptr<Call> call, Starter start, Check check,
                std::function<void(absl::Status)> done) {
  Call* raw = call.get();
  start(&raw->context, &raw->request, &raw->response,
        [call = std::move(call), check,
         done = std::move(done)](grpc::Status status) {
          absl::Status result = ToAbsl(status);
          if (result.ok()) result = check(call->response);
          done(std::move(result));
        });
}

// The async() method `method` of `stub` as a Starter. (A lambda, because
// the method is overloaded for reactors and cannot be named by pointer.)
#define NDES_BENCH_ASYNC(stub, method)                                   \
  [async = (stub).async()](auto* context, auto* request, auto* response, \
                           auto callback) {                              \
    async->method(context, request, response, std::move(callback));      \
  }

constexpr auto kAcceptAnyAnswer = [](const auto&) { return absl::OkStatus(); };

NdesConnector SampleConnector(const std::string& id) {
  NdesConnector connector;
  connector.set_id(id);
  connector.set_display_name(absl::StrCat("Bench ", id));
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.set_machine_name(absl::StrCat(id, ".bench.contoso.local"));
  connector.set_connector_version("6.2301.1.0");
  connector.add_role_scope_tag_ids("0");
  connector.mutable_last_connection_date_time()->set_seconds(1767225600);
  connector.mutable_enrolled_date_time()->set_seconds(1735689600);
  return connector;
}

class HealthIssuer : public CallIssuer {
 public:
  explicit HealthIssuer(GrpcTarget& target) : target_(target) {}
  void Start(int channel, std::function<void(absl::Status)> done) override {
    using Call = UnaryCall<HealthCheckRequest, HealthCheckResponse>;
    auto call = std::make_shared<Call>();
    target_.Prepare(call->context);
    StartUnary(
        std::move(call), NDES_BENCH_ASYNC(target_.health(channel), Check),
        [](const HealthCheckResponse& response) {
          return response.status() == HealthCheckResponse::SERVING
                     ? absl::OkStatus()
                     : absl::UnavailableError(
                           absl::StrCat("health status ", response.status()));
        },
        std::move(done));
  }

 private:
  GrpcTarget& target_;
};

class GetIssuer : public CallIssuer {
 public:
  explicit GetIssuer(GrpcTarget& target) : target_(target) {}
  void Start(int channel, std::function<void(absl::Status)> done) override {
    using Call = UnaryCall<GetNdesConnectorRequest, NdesConnector>;
    auto call = std::make_shared<Call>();
    target_.Prepare(call->context);
    call->request.set_id(target_.options().id);
    StartUnary(std::move(call),
               NDES_BENCH_ASYNC(target_.service(channel), GetNdesConnector),
               kAcceptAnyAnswer, std::move(done));
  }

 private:
  GrpcTarget& target_;
};

// UpdateNdesConnectors with mask display_name and a value that changes on
// every call, so that every call is a real write; over one row or `rows`
// rows in turn.
class UpdateIssuer : public CallIssuer {
 public:
  UpdateIssuer(GrpcTarget& target, int rows) : target_(target), rows_(rows) {}
  void Start(int channel, std::function<void(absl::Status)> done) override {
    using Call = UnaryCall<UpdateNdesConnectorsRequest, NdesConnector>;
    const int64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
    auto call = std::make_shared<Call>();
    target_.Prepare(call->context);
    NdesConnector* connector = call->request.mutable_ndes_connector();
    connector->set_id(rows_ == 0 ? target_.options().id
                                 : SpreadRowId(static_cast<int>(n % rows_)));
    connector->set_display_name(absl::StrCat("Bench update ", n));
    call->request.mutable_update_mask()->add_paths("display_name");
    StartUnary(std::move(call),
               NDES_BENCH_ASYNC(target_.service(channel), UpdateNdesConnectors),
               kAcceptAnyAnswer, std::move(done));
  }

 private:
  GrpcTarget& target_;
  const int rows_;  // 0: the hot row
  std::atomic<int64_t> counter_{0};
};

class ListIssuer : public CallIssuer {
 public:
  explicit ListIssuer(GrpcTarget& target) : target_(target) {}
  void Start(int channel, std::function<void(absl::Status)> done) override {
    using Call =
        UnaryCall<ListNdesConnectorsRequest, ListNdesConnectorsResponse>;
    auto call = std::make_shared<Call>();
    target_.Prepare(call->context);
    call->request.set_page_size(target_.options().page_size);
    StartUnary(std::move(call),
               NDES_BENCH_ASYNC(target_.service(channel), ListNdesConnectors),
               kAcceptAnyAnswer, std::move(done));
  }

 private:
  GrpcTarget& target_;
};

// Creates ids id_of(0), id_of(1), ... one per call; ALREADY_EXISTS is
// success (a second run against the same store).
class CreateIssuer : public CallIssuer {
 public:
  CreateIssuer(GrpcTarget& target, std::function<std::string(int)> id_of)
      : target_(target), id_of_(std::move(id_of)) {}
  void Start(int channel, std::function<void(absl::Status)> done) override {
    using Call = UnaryCall<CreateNdesConnectorRequest, NdesConnector>;
    const int n = next_.fetch_add(1, std::memory_order_relaxed);
    auto call = std::make_shared<Call>();
    target_.Prepare(call->context);
    *call->request.mutable_ndes_connector() = SampleConnector(id_of_(n));
    StartUnary(std::move(call),
               NDES_BENCH_ASYNC(target_.service(channel), CreateNdesConnector),
               kAcceptAnyAnswer, [done = std::move(done)](absl::Status status) {
                 done(absl::IsAlreadyExists(status) ? absl::OkStatus()
                                                    : std::move(status));
               });
  }

 private:
  GrpcTarget& target_;
  std::function<std::string(int)> id_of_;
  std::atomic<int> next_{0};
};

}  // namespace

GrpcTarget::GrpcTarget(const BenchOptions& options) : options_(options) {
  for (int i = 0; i < options.channels; ++i) {
    grpc::ChannelArguments args;
    // A distinct argument makes a distinct subchannel: its own connection.
    args.SetInt("ndes.bench.channel_index", i);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), args);
    services_.push_back(ndes::v1::NdesConnectorService::NewStub(channel));
    health_.push_back(grpc::health::v1::Health::NewStub(channel));
    channels_.push_back(std::move(channel));
  }
}

void GrpcTarget::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options_.call_deadline));
  for (const auto& [key, value] : options_.metadata) {
    context.AddMetadata(key, value);
  }
}

std::string SpreadRowId(int index) {
  return absl::StrFormat("bench-spread-%04d", index);
}

std::string ListRowId(int index) {
  return absl::StrFormat("bench-list-%05d", index);
}

absl::Status PrepareRows(GrpcTarget& target, BenchMode mode) {
  const BenchOptions& options = target.options();
  int rows = 0;
  std::function<std::string(int)> id_of;
  switch (mode) {
    case BenchMode::kGet:
    case BenchMode::kUpdate:
      rows = 1;
      id_of = [id = options.id](int) { return id; };
      break;
    case BenchMode::kUpdateSpread:
      rows = options.spread_rows;
      id_of = SpreadRowId;
      break;
    case BenchMode::kList:
      rows = options.list_rows;
      id_of = ListRowId;
      break;
    case BenchMode::kHealth:
    case BenchMode::kHttpGet:
      return absl::OkStatus();
  }
  CreateIssuer creates(target, std::move(id_of));
  LoadShape shape;
  shape.concurrency = std::min(options.concurrency, rows);
  shape.channels = std::min(target.channel_count(), shape.concurrency);
  shape.requests = rows;
  RunResult result = RunLoad(creates, shape);
  if (result.errors > 0) {
    return absl::Status(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("setup of ", BenchModeName(mode),
                     ": creating rows failed: ", result.first_error));
  }
  return absl::OkStatus();
}

std::unique_ptr<CallIssuer> MakeGrpcIssuer(GrpcTarget& target, BenchMode mode) {
  switch (mode) {
    case BenchMode::kHealth:
      return std::make_unique<HealthIssuer>(target);
    case BenchMode::kGet:
      return std::make_unique<GetIssuer>(target);
    case BenchMode::kUpdate:
      return std::make_unique<UpdateIssuer>(target, 0);
    case BenchMode::kUpdateSpread:
      return std::make_unique<UpdateIssuer>(target,
                                            target.options().spread_rows);
    case BenchMode::kList:
      return std::make_unique<ListIssuer>(target);
    case BenchMode::kHttpGet:
      break;
  }
  return nullptr;
}

}  // namespace ndes::bench
