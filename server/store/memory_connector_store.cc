#include "store/memory_connector_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "translation/resource_id.h"

namespace ndes::store {
namespace {

constexpr absl::string_view kPageTokenTag = "memory";
}  // namespace

void MemoryConnectorStore::Get(const CallContext& /*context*/, std::string id,
                               StoreCallback<ndes::v1::NdesConnector> done) {
  std::optional<StoredConnector> stored;
  {
    absl::MutexLock lock(&mu_);
    auto it = connectors_.find(id);
    if (it != connectors_.end()) stored = it->second;
  }
  if (!stored.has_value()) {
    std::move(done)(ConnectorNotFound(id));
    return;
  }
  std::move(done)(ConnectorOf(*stored));
}

void MemoryConnectorStore::List(const CallContext& /*context*/, int page_size,
                                std::string page_token,
                                StoreCallback<ListPage> done) {
  std::string after;
  if (!page_token.empty()) {
    absl::StatusOr<std::string> decoded =
        DecodePageToken(kPageTokenTag, page_token);
    if (!decoded.ok()) {
      std::move(done)(decoded.status());
      return;
    }
    after = *std::move(decoded);
  }
  std::vector<StoredConnector> stored;
  bool more = false;
  {
    absl::MutexLock lock(&mu_);
    // Every id is non-empty, so upper_bound("") starts at the first one.
    for (auto it = connectors_.upper_bound(after); it != connectors_.end();
         ++it) {
      if (static_cast<int>(stored.size()) == page_size) {
        more = true;
        break;
      }
      stored.push_back(it->second);
    }
  }
  ListPage page;
  page.connectors.reserve(stored.size());
  for (const StoredConnector& entry : stored) {
    absl::StatusOr<ndes::v1::NdesConnector> connector = ConnectorOf(entry);
    if (!connector.ok()) {
      std::move(done)(connector.status());
      return;
    }
    page.connectors.push_back(*std::move(connector));
  }
  if (more && !page.connectors.empty()) {
    page.next_page_token =
        EncodePageToken(kPageTokenTag, page.connectors.back().id());
  }
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
      result = absl::AlreadyExistsError(absl::StrCat(
          "NDES connector \"", connector.id(), "\" already exists"));
    } else {
      result = PutLocked(connector.id(), StoredBodyOf(connector));
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
    absl::StatusOr<web::json::value> next = NextBodyForUpdate(current, command);
    if (next.ok()) {
      result = PutLocked(command.id, *std::move(next));
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
    if (it == connectors_.end()) {
      status = ConnectorNotFound(id);
    } else if (!expected_etag.empty() && it->second.etag != expected_etag) {
      status = absl::AbortedError(
          absl::StrCat("NDES connector \"", id, "\" was changed since etag ",
                       expected_etag, " was read; read it again and retry"));
    } else {
      connectors_.erase(it);
    }
  }
  std::move(done)(std::move(status));
}

absl::StatusOr<ndes::v1::NdesConnector> MemoryConnectorStore::PutLocked(
    const std::string& id, web::json::value body) {
  StoredConnector next{std::move(body), EtagForRevision(++revision_)};
  // Reading the body back before storing it keeps the rule that a failed
  // write stores nothing, and answers exactly what a later Get will.
  absl::StatusOr<ndes::v1::NdesConnector> connector = ConnectorOf(next);
  if (connector.ok()) connectors_[id] = std::move(next);
  return connector;
}

}  // namespace ndes::store
