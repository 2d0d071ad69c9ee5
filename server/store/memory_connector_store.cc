#include "store/memory_connector_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/page_token.h"
#include "store/query_page_reader.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

constexpr absl::string_view kPageTokenTag = "memory";

}  // namespace

void MemoryConnectorStore::Get(const CallContext& /*context*/, std::string id,
                               StoreCallback<ndes::v1::NdesConnector> done) {
  absl::StatusOr<ndes::v1::NdesConnector> result = ConnectorNotFound(id);
  {
    absl::MutexLock lock(&mu_);
    auto it = connectors_.find(id);
    if (it != connectors_.end()) result = AnsweredConnector(it->second);
  }
  std::move(done)(std::move(result));
}

void MemoryConnectorStore::List(const CallContext& context, ListQuery query,
                                StoreCallback<ListPage> done) {
  absl::StatusOr<ListPosition> position = DecodePageToken(kPageTokenTag, query);
  if (!position.ok()) {
    std::move(done)(position.status());
    return;
  }
  absl::StatusOr<ListPage> page = ReadQueryPage(
      kPageTokenTag, query, *position, context.max_page_bytes,
      [this](absl::string_view after_id, int limit)
          -> absl::StatusOr<std::vector<ndes::v1::NdesConnector>> {
        std::vector<ndes::v1::NdesConnector> rows;
        absl::MutexLock lock(&mu_);
        // Every id is non-empty, so upper_bound("") starts at the first one.
        for (auto it = connectors_.upper_bound(std::string(after_id));
             it != connectors_.end() && static_cast<int>(rows.size()) < limit;
             ++it) {
          rows.push_back(AnsweredConnector(it->second));
        }
        return rows;
      });
  std::move(done)(std::move(page));
}

void MemoryConnectorStore::Create(const CallContext& /*context*/,
                                  ndes::v1::NdesConnector connector,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  if (connector.id().empty()) {
    connector.set_id(translation::GenerateConnectorId());
  }
  absl::StatusOr<ndes::v1::NdesConnector> result;
  {
    absl::MutexLock lock(&mu_);
    if (connectors_.count(connector.id()) != 0) {
      result = ConnectorAlreadyExists(connector.id());
    } else {
      result = PutLocked(std::move(connector));
    }
  }
  std::move(done)(std::move(result));
}

void MemoryConnectorStore::Update(const CallContext& /*context*/,
                                  UpdateCommand command,
                                  StoreCallback<ndes::v1::NdesConnector> done) {
  absl::StatusOr<ndes::v1::NdesConnector> result;
  {
    absl::MutexLock lock(&mu_);
    std::optional<StoredConnector> current;
    auto it = connectors_.find(command.id);
    if (it != connectors_.end()) current = it->second;
    absl::StatusOr<ndes::v1::NdesConnector> next =
        NextConnectorForUpdate(current, command);
    if (next.ok()) {
      result = PutLocked(*std::move(next));
    } else {
      result = next.status();
    }
  }
  std::move(done)(std::move(result));
}

void MemoryConnectorStore::Delete(const CallContext& /*context*/,
                                  std::string id, std::string expected_etag,
                                  StatusCallback done) {
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    auto it = connectors_.find(id);
    std::optional<absl::string_view> current_etag;
    if (it != connectors_.end()) current_etag = it->second.etag;
    status = CheckDelete(id, current_etag, expected_etag);
    if (status.ok()) connectors_.erase(it);
  }
  std::move(done)(std::move(status));
}

ndes::v1::NdesConnector MemoryConnectorStore::PutLocked(
    ndes::v1::NdesConnector connector) {
  connector.clear_etag();
  StoredConnector& stored = connectors_[connector.id()];
  stored.connector = std::move(connector);
  stored.etag = EtagForRevision(++revision_);
  return AnsweredConnector(stored);
}

}  // namespace ndes::store
