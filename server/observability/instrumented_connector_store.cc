#include "observability/instrumented_connector_store.h"

#include <chrono>
#include <utility>

namespace ndes::observability {
namespace {

using Clock = std::chrono::steady_clock;

absl::StatusCode CodeOf(const absl::Status& status) { return status.code(); }
template <typename T>
absl::StatusCode CodeOf(const absl::StatusOr<T>& result) {
  return result.status().code();
}

// Wraps `done` so that its result is recorded in `series` before it runs.
template <typename Result>
absl::AnyInvocable<void(Result) &&> Recording(
    StoreOperationMetrics& series, absl::AnyInvocable<void(Result) &&> done) {
  return [&series, start = Clock::now(),
          done = std::move(done)](Result result) mutable {
    series.Record(CodeOf(result), absl::FromChrono(Clock::now() - start));
    std::move(done)(std::move(result));
  };
}

}  // namespace

absl::string_view StoreOperationName(StoreOperation operation) {
  switch (operation) {
    case StoreOperation::kGet:
      return "get";
    case StoreOperation::kList:
      return "list";
    case StoreOperation::kCreate:
      return "create";
    case StoreOperation::kUpdate:
      return "update";
    case StoreOperation::kDelete:
      return "delete";
  }
  return "unknown";
}

StoreOperationMetrics::StoreOperationMetrics(MetricsRegistry& registry,
                                             absl::string_view backend,
                                             StoreOperation operation)
    : duration_(
          registry
              .AddHistogram("ndes_gateway_store_operation_duration_seconds",
                            "Time a store takes to answer an operation, by "
                            "backend and operation.",
                            LatencyBuckets(), {"backend", "operation"})
              .WithLabels({backend, StoreOperationName(operation)})),
      operations_(
          &registry.AddCounter(
              "ndes_gateway_store_operations_total",
              "Store operations answered, by backend, operation and "
              "status code.",
              {"backend", "operation", "code"}),
          {std::string(backend), std::string(StoreOperationName(operation))}) {}

void StoreOperationMetrics::Record(absl::StatusCode code,
                                   absl::Duration latency) {
  operations_.For(static_cast<int>(code)).Increment();
  duration_.Observe(latency);
}

InstrumentedConnectorStore::InstrumentedConnectorStore(
    std::string backend, std::unique_ptr<store::ConnectorStore> inner,
    MetricsRegistry& registry)
    : backend_(std::move(backend)),
      inner_(std::move(inner)),
      get_(registry, backend_, StoreOperation::kGet),
      list_(registry, backend_, StoreOperation::kList),
      create_(registry, backend_, StoreOperation::kCreate),
      update_(registry, backend_, StoreOperation::kUpdate),
      delete_(registry, backend_, StoreOperation::kDelete) {}

void InstrumentedConnectorStore::Get(
    const store::CallContext& context, std::string id,
    store::StoreCallback<ndes::v1::NdesConnector> done) {
  inner_->Get(context, std::move(id),
              Recording<absl::StatusOr<ndes::v1::NdesConnector>>(
                  get_, std::move(done)));
}

void InstrumentedConnectorStore::List(
    const store::CallContext& context, store::ListQuery query,
    store::StoreCallback<store::ListPage> done) {
  inner_->List(
      context, std::move(query),
      Recording<absl::StatusOr<store::ListPage>>(list_, std::move(done)));
}

void InstrumentedConnectorStore::Create(
    const store::CallContext& context, ndes::v1::NdesConnector connector,
    store::StoreCallback<ndes::v1::NdesConnector> done) {
  inner_->Create(context, std::move(connector),
                 Recording<absl::StatusOr<ndes::v1::NdesConnector>>(
                     create_, std::move(done)));
}

void InstrumentedConnectorStore::Update(
    const store::CallContext& context, store::UpdateCommand command,
    store::StoreCallback<ndes::v1::NdesConnector> done) {
  inner_->Update(context, std::move(command),
                 Recording<absl::StatusOr<ndes::v1::NdesConnector>>(
                     update_, std::move(done)));
}

void InstrumentedConnectorStore::Delete(const store::CallContext& context,
                                        std::string id,
                                        std::string expected_etag,
                                        store::StatusCallback done) {
  inner_->Delete(context, std::move(id), std::move(expected_etag),
                 Recording<absl::Status>(delete_, std::move(done)));
}

}  // namespace ndes::observability
