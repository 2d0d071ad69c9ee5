// MemoryConnectorStore: the embedded store that keeps connectors in process
// memory (--store=memory). Nothing survives the process; meant for tests,
// demos and local development.
//
// It follows the write rules of stored_connector.h, exactly like
// SqliteConnectorStore: connectors are kept as values with an etag, etags
// come from a store-wide revision that only grows (W/"<n>"), List reads
// its id-ordered map through query_page_reader.h.
//
// Thread-safe. Every call runs and answers inline: the callback is invoked
// before the call returns, on the caller's thread and with no lock of the
// store held, so a callback may call the store again.
//
// Errors: those of connector_store.h. INVALID_ARGUMENT for a page token
// this store did not issue; UNAVAILABLE never happens.
//
// Example:
//   MemoryConnectorStore store;
//   store.Get({}, "e71fa706", [](absl::StatusOr<NdesConnector> c) { ... });
#ifndef NDES_SERVER_STORE_MEMORY_CONNECTOR_STORE_H_
#define NDES_SERVER_STORE_MEMORY_CONNECTOR_STORE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/stored_connector.h"

namespace ndes::store {

class MemoryConnectorStore final : public ConnectorStore {
 public:
  MemoryConnectorStore() = default;
  MemoryConnectorStore(const MemoryConnectorStore&) = delete;
  MemoryConnectorStore& operator=(const MemoryConnectorStore&) = delete;
  ~MemoryConnectorStore() override = default;

  void Get(const CallContext& context, std::string id,
           StoreCallback<ndes::v1::NdesConnector> done) override;
  void List(const CallContext& context, ListQuery query,
            StoreCallback<ListPage> done) override;
  void Create(const CallContext& context, ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done) override;
  void Update(const CallContext& context, UpdateCommand command,
              StoreCallback<ndes::v1::NdesConnector> done) override;
  void Delete(const CallContext& context, std::string id,
              std::string expected_etag, StatusCallback done) override;

 private:
  // Stores `connector` under its id with the next revision's etag; answers
  // the connector as stored.
  ndes::v1::NdesConnector PutLocked(ndes::v1::NdesConnector connector)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  // Ordered by id: the rows query_page_reader.h reads.
  std::map<std::string, StoredConnector> connectors_ ABSL_GUARDED_BY(mu_);
  // The revision of the last write; the next write takes revision_ + 1.
  std::uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_MEMORY_CONNECTOR_STORE_H_
