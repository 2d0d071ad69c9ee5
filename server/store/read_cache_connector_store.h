// ReadCacheConnectorStore: answers Get from memory for a store whose every
// write passes through this process (the embedded stores: SQLite, whose file
// one gateway holds exclusively, and memory).
//
// A Get that misses is answered by the wrapped store, and its connector kept
// (up to `capacity` connectors; a full cache drops an arbitrary one). A hit
// costs a map lookup and a copy instead of a read transaction and a parse.
// A full cache takes a new id in only when the same id missed a little
// earlier too (its hash is among the last misses, kRecentMisses slots), so
// that Gets of ids that come once — random reads over far more rows than
// the cache holds, a scan — cost no copy and no eviction each, and do not
// push out the ids that are read again and again.
//
// Never stale for a caller: a write (Create, Update, Delete) drops the
// connector's entry before it is sent to the wrapped store and again before
// its callback runs, so once a write is acknowledged no Get sees the value
// it replaced. A Get's answer is kept only if no write (to any id) finished
// while that Get ran: a Get that read the old value and answers after the
// write dropped the entry is still answered, just not kept. List is not
// cached.
//
// Not for stores that other processes write (PostgreSQL replicas, Graph):
// their writes would never drop an entry. A SQLite file edited by another
// program while the gateway runs is not supported either.
//
// Thread-safe. Callbacks run where the wrapped store runs them (a hit: before
// Get returns).
#ifndef NDES_SERVER_STORE_READ_CACHE_CONNECTOR_STORE_H_
#define NDES_SERVER_STORE_READ_CACHE_CONNECTOR_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::store {

class ReadCacheConnectorStore final : public ConnectorStore {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;
  // Slots of the hashes of recent misses (a power of two).
  static constexpr std::size_t kRecentMisses = 4096;

  explicit ReadCacheConnectorStore(std::unique_ptr<ConnectorStore> store,
                                   std::size_t capacity = kDefaultCapacity);
  ~ReadCacheConnectorStore() override;

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
  bool Available() const override;

  // Gets answered from memory since construction. For tests; thread-safe.
  std::uint64_t hits() const;

 private:
  // A write to `id` starts: its entry goes.
  void WriteStarted(const std::string& id);
  // A write to `id` (and, for a Create, to the id it was given) finished.
  void WriteFinished(const std::string& id, const std::string& created_id);
  // Whether `id`, just read after a miss, is to be kept.
  bool Admit(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::size_t capacity_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, ndes::v1::NdesConnector> entries_
      ABSL_GUARDED_BY(mu_);
  // Writes answered since construction.
  std::uint64_t writes_finished_ ABSL_GUARDED_BY(mu_) = 0;
  // The hash of the last missed id of each slot (slot = hash % size).
  std::vector<std::size_t> recent_misses_ ABSL_GUARDED_BY(mu_);
  std::uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;

  // Declared last so that it is destroyed first: the wrapped store answers
  // its pending calls as it closes, and their callbacks use the members
  // above.
  std::unique_ptr<ConnectorStore> store_;
};

}  // namespace ndes::store

#endif  // NDES_SERVER_STORE_READ_CACHE_CONNECTOR_STORE_H_
