// The gRPC calls of ndes-bench, as CallIssuers over a set of channels, and
// the setup that creates the rows they use.
//
//   GrpcTarget target = GrpcTarget::Connect(options);
//   absl::Status ready = PrepareRows(target, BenchMode::kUpdateSpread);
//   std::unique_ptr<CallIssuer> issuer = MakeGrpcIssuer(target, mode);
//
// Every call is made with gRPC's callback API (stub->async()), so no
// thread waits on a call. Each channel has a channel argument of its own,
// which keeps gRPC from sharing one subchannel (one TCP connection) among
// them.
#ifndef NDES_CLIENT_BENCH_GRPC_CALLS_H_
#define NDES_CLIENT_BENCH_GRPC_CALLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench_options.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "load_generator.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"

namespace ndes::bench {

// Channels and stubs to one gateway, with the options every call shares.
class GrpcTarget {
 public:
  explicit GrpcTarget(const BenchOptions& options);

  int channel_count() const { return static_cast<int>(channels_.size()); }
  const BenchOptions& options() const { return options_; }
  ndes::v1::NdesConnectorService::Stub& service(int channel) {
    return *services_[static_cast<size_t>(channel)];
  }
  grpc::health::v1::Health::Stub& health(int channel) {
    return *health_[static_cast<size_t>(channel)];
  }
  // Sets the deadline and metadata of one call.
  void Prepare(grpc::ClientContext& context) const;

 private:
  BenchOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<ndes::v1::NdesConnectorService::Stub>>
      services_;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_;
};

// The ids the modes use.
std::string SpreadRowId(int index);  // "bench-spread-0000" ...
std::string ListRowId(int index);    // "bench-list-00000" ...

// Creates the rows `mode` needs through the API (an id that already exists
// is fine): the hot row for get and update, options.spread_rows rows for
// update_spread, options.list_rows for list; nothing for health. Creates
// with the target's concurrency. The first error otherwise.
absl::Status PrepareRows(GrpcTarget& target, BenchMode mode);

// The issuer of `mode` (not http_get). `target` must outlive it.
std::unique_ptr<CallIssuer> MakeGrpcIssuer(GrpcTarget& target, BenchMode mode);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_GRPC_CALLS_H_
