// InstrumentedConnectorStore: a ConnectorStore that forwards every call to
// another and records it on the registry it is handed:
//
//   ndes_gateway_store_operations_total{backend,operation,code}
//   ndes_gateway_store_operation_duration_seconds{backend,operation}
//
// The latency is from the call to its callback; the code is the callback's
// status code. Available() is forwarded unchanged.
//
//   std::unique_ptr<store::ConnectorStore> store =
//       std::make_unique<observability::InstrumentedConnectorStore>(
//           "sqlite", *std::move(opened), registry);
//
// Thread-safe (as the inner store is). Recording takes no lock: the series
// of each operation are resolved at construction.
#ifndef NDES_SERVER_OBSERVABILITY_INSTRUMENTED_CONNECTOR_STORE_H_
#define NDES_SERVER_OBSERVABILITY_INSTRUMENTED_CONNECTOR_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "observability/metric_series.h"
#include "observability/metrics_registry.h"
#include "store/connector_store.h"

namespace ndes::observability {

enum class StoreOperation { kGet, kList, kCreate, kUpdate, kDelete };
// "get", "list", ...
absl::string_view StoreOperationName(StoreOperation operation);

// The series of one store operation of one backend.
class StoreOperationMetrics {
 public:
  StoreOperationMetrics(MetricsRegistry& registry, absl::string_view backend,
                        StoreOperation operation);
  // One finished operation: its status code and how long it took.
  void Record(absl::StatusCode code, absl::Duration latency);

 private:
  Histogram& duration_;
  CodeCounters operations_;
};

class InstrumentedConnectorStore final : public store::ConnectorStore {
 public:
  // `backend`: the label value (memory, sqlite, graph, postgresql).
  // Records into `registry`, which must outlive this store.
  InstrumentedConnectorStore(std::string backend,
                             std::unique_ptr<store::ConnectorStore> inner,
                             MetricsRegistry& registry);

  void Get(const store::CallContext& context, std::string id,
           store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void List(const store::CallContext& context, store::ListQuery query,
            store::StoreCallback<store::ListPage> done) override;
  void Create(const store::CallContext& context,
              ndes::v1::NdesConnector connector,
              store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void Update(const store::CallContext& context, store::UpdateCommand command,
              store::StoreCallback<ndes::v1::NdesConnector> done) override;
  void Delete(const store::CallContext& context, std::string id,
              std::string expected_etag, store::StatusCallback done) override;
  bool Available() const override { return inner_->Available(); }

  const std::string& backend() const { return backend_; }
  store::ConnectorStore& inner() { return *inner_; }

 private:
  const std::string backend_;
  const std::unique_ptr<store::ConnectorStore> inner_;
  StoreOperationMetrics get_;
  StoreOperationMetrics list_;
  StoreOperationMetrics create_;
  StoreOperationMetrics update_;
  StoreOperationMetrics delete_;
};

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_INSTRUMENTED_CONNECTOR_STORE_H_
