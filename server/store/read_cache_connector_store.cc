#include "store/read_cache_connector_store.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/hash/hash.h"

namespace ndes::store {

using ndes::v1::NdesConnector;

ReadCacheConnectorStore::ReadCacheConnectorStore(
    std::unique_ptr<ConnectorStore> store, std::size_t capacity)
    : capacity_(capacity),
      recent_misses_(kRecentMisses, 0),
      store_(std::move(store)) {}

ReadCacheConnectorStore::~ReadCacheConnectorStore() {
  // Before the cache's own members: see the declaration of store_.
  store_.reset();
}

void ReadCacheConnectorStore::Get(const CallContext& context, std::string id,
                                  StoreCallback<NdesConnector> done) {
  if (capacity_ == 0) {
    store_->Get(context, std::move(id), std::move(done));
    return;
  }
  std::optional<NdesConnector> hit;
  std::uint64_t finished_before = 0;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = entries_.find(id); it != entries_.end()) {
      ++hits_;
      hit = it->second;
    } else {
      finished_before = writes_finished_;
    }
  }
  if (hit.has_value()) {
    std::move(done)(*std::move(hit));
    return;
  }
  store_->Get(context, id,
              [this, id, finished_before, done = std::move(done)](
                  absl::StatusOr<NdesConnector> connector) mutable {
                if (connector.ok()) {
                  absl::MutexLock lock(&mu_);
                  if (writes_finished_ == finished_before && Admit(id)) {
                    if (entries_.size() >= capacity_) {
                      entries_.erase(entries_.begin());
                    }
                    entries_.insert_or_assign(std::move(id), *connector);
                  }
                }
                std::move(done)(std::move(connector));
              });
}

void ReadCacheConnectorStore::List(const CallContext& context, ListQuery query,
                                   StoreCallback<ListPage> done) {
  store_->List(context, std::move(query), std::move(done));
}

void ReadCacheConnectorStore::Create(const CallContext& context,
                                     NdesConnector connector,
                                     StoreCallback<NdesConnector> done) {
  std::string id = connector.id();
  WriteStarted(id);
  store_->Create(context, std::move(connector),
                 [this, id = std::move(id), done = std::move(done)](
                     absl::StatusOr<NdesConnector> created) mutable {
                   WriteFinished(id, created.ok() ? created->id() : id);
                   std::move(done)(std::move(created));
                 });
}

void ReadCacheConnectorStore::Update(const CallContext& context,
                                     UpdateCommand command,
                                     StoreCallback<NdesConnector> done) {
  std::string id = command.id;
  WriteStarted(id);
  store_->Update(context, std::move(command),
                 [this, id = std::move(id), done = std::move(done)](
                     absl::StatusOr<NdesConnector> updated) mutable {
                   WriteFinished(id, id);
                   std::move(done)(std::move(updated));
                 });
}

void ReadCacheConnectorStore::Delete(const CallContext& context, std::string id,
                                     std::string expected_etag,
                                     StatusCallback done) {
  WriteStarted(id);
  store_->Delete(
      context, id, std::move(expected_etag),
      [this, id, done = std::move(done)](absl::Status status) mutable {
        WriteFinished(id, id);
        std::move(done)(std::move(status));
      });
}

bool ReadCacheConnectorStore::Available() const { return store_->Available(); }

std::uint64_t ReadCacheConnectorStore::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

bool ReadCacheConnectorStore::Admit(const std::string& id) {
  if (entries_.size() < capacity_) return true;
  const std::size_t hash = absl::Hash<std::string>()(id);
  std::size_t& slot = recent_misses_[hash % kRecentMisses];
  if (slot == hash) return true;
  slot = hash;
  return false;
}

void ReadCacheConnectorStore::WriteStarted(const std::string& id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(id);
}

void ReadCacheConnectorStore::WriteFinished(const std::string& id,
                                            const std::string& created_id) {
  absl::MutexLock lock(&mu_);
  ++writes_finished_;
  entries_.erase(id);
  entries_.erase(created_id);
}

}  // namespace ndes::store
