#include "store/sqlite_writes.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/stored_connector.h"

namespace ndes::store::sqlite_internal {
namespace {

// A write that answers the connector as stored.
class ConnectorWrite : public PendingWrite {
 public:
  explicit ConnectorWrite(StoreCallback<ndes::v1::NdesConnector> done)
      : done_(std::move(done)) {}

  void Answer(absl::Status outcome) && override {
    if (outcome.ok()) {
      std::move(done_)(std::move(result_));
    } else {
      std::move(done_)(std::move(outcome));
    }
  }

 protected:
  // Keeps `stored`, written at `revision`, with its etag as the answer.
  void Keep(const ndes::v1::NdesConnector& stored, std::uint64_t revision) {
    result_ = stored;
    result_.set_etag(EtagForRevision(revision));
  }

 private:
  // What Apply stored; answered once committed.
  ndes::v1::NdesConnector result_;
  StoreCallback<ndes::v1::NdesConnector> done_;
};

class CreateWrite final : public ConnectorWrite {
 public:
  CreateWrite(ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done)
      : ConnectorWrite(std::move(done)), connector_(std::move(connector)) {
    connector_.clear_etag();
  }

  absl::Status Apply(BatchRows& rows, std::uint64_t* revision) override {
    absl::StatusOr<BatchRow*> row = rows.Find(connector_.id());
    if (!row.ok()) return row.status();
    if ((*row)->exists()) return ConnectorAlreadyExists(connector_.id());
    Keep(connector_, ++*revision);
    (*row)->Put(std::move(connector_), *revision);
    return absl::OkStatus();
  }

 private:
  ndes::v1::NdesConnector connector_;
};

class UpdateWrite final : public ConnectorWrite {
 public:
  UpdateWrite(UpdateCommand command,
              StoreCallback<ndes::v1::NdesConnector> done)
      : ConnectorWrite(std::move(done)), command_(std::move(command)) {}

  absl::Status Apply(BatchRows& rows, std::uint64_t* revision) override {
    absl::StatusOr<BatchRow*> row = rows.Find(command_.id);
    if (!row.ok()) return row.status();
    absl::StatusOr<const ndes::v1::NdesConnector*> current =
        (*row)->Value(rows.writer(), command_.id);
    if (!current.ok()) return current.status();
    const bool exists = *current != nullptr;
    // The etag matters only to a conditional update.
    const std::string current_etag = command_.expected_etag.empty() || !exists
                                         ? std::string()
                                         : (*row)->etag();
    if (absl::Status allowed = CheckUpdate(exists, current_etag, command_);
        !allowed.ok()) {
      return allowed;
    }
    // Patched in place: the batch's copy of the row is the one to write.
    ndes::v1::NdesConnector* stored = (*row)->Edit(++*revision);
    ApplyUpdate(command_, exists, stored);
    Keep(*stored, *revision);
    return absl::OkStatus();
  }

 private:
  UpdateCommand command_;
};

class DeleteWrite final : public PendingWrite {
 public:
  DeleteWrite(std::string id, std::string expected_etag, StatusCallback done)
      : id_(std::move(id)),
        expected_etag_(std::move(expected_etag)),
        done_(std::move(done)) {}

  absl::Status Apply(BatchRows& rows, std::uint64_t* /*revision*/) override {
    absl::StatusOr<BatchRow*> row = rows.Find(id_);
    if (!row.ok()) return row.status();
    // A damaged row can still be deleted: only its etag is read.
    std::optional<std::string> etag;
    if ((*row)->exists()) etag = (*row)->etag();
    absl::Status allowed = CheckDelete(id_, etag, expected_etag_);
    if (!allowed.ok()) return allowed;
    (*row)->Remove();
    return absl::OkStatus();
  }

  void Answer(absl::Status outcome) && override {
    std::move(done_)(std::move(outcome));
  }

 private:
  std::string id_;
  std::string expected_etag_;
  StatusCallback done_;
};

}  // namespace

BatchRow::BatchRow(std::optional<StoredRow> stored)
    : exists_(stored.has_value()), stored_(std::move(stored)) {
  if (stored_.has_value()) revision_ = stored_->revision;
}

std::string BatchRow::etag() const { return EtagForRevision(revision_); }

absl::StatusOr<const ndes::v1::NdesConnector*> BatchRow::Value(
    const Connection& connection, absl::string_view id) {
  if (!exists_) return nullptr;
  if (!value_.has_value()) {
    absl::StatusOr<ndes::v1::NdesConnector> decoded =
        DecodeRow(connection, id, *stored_);
    if (!decoded.ok()) return decoded.status();
    value_ = *std::move(decoded);
    stored_.reset();
  }
  return &*value_;
}

void BatchRow::Put(ndes::v1::NdesConnector value, std::uint64_t revision) {
  exists_ = true;
  revision_ = revision;
  stored_.reset();
  value_ = std::move(value);
  changed_ = true;
}

ndes::v1::NdesConnector* BatchRow::Edit(std::uint64_t revision) {
  if (!exists_ || !value_.has_value()) value_.emplace();
  exists_ = true;
  revision_ = revision;
  stored_.reset();
  changed_ = true;
  return &*value_;
}

void BatchRow::Remove() {
  exists_ = false;
  stored_.reset();
  value_.reset();
  changed_ = true;
}

absl::StatusOr<BatchRow*> BatchRows::Find(const std::string& id) {
  if (auto it = rows_.find(id); it != rows_.end()) return &it->second;
  absl::StatusOr<std::optional<StoredRow>> stored = ReadRow(writer_, id);
  if (!stored.ok()) return stored.status();
  return &rows_.try_emplace(id, *std::move(stored)).first->second;
}

absl::Status BatchRows::WriteBack() {
  std::vector<std::pair<const std::string*, BatchRow*>> changed;
  for (auto& [id, row] : rows_) {
    if (row.changed_) changed.emplace_back(&id, &row);
  }
  // In key order, the B-tree's own: neighbouring rows share pages.
  std::sort(changed.begin(), changed.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [id, row] : changed) {
    absl::Status written = row->exists_
                               ? PutRow(writer_, *row->value_, row->revision_)
                               : DeleteRow(writer_, *id);
    if (!written.ok()) return written;
  }
  return absl::OkStatus();
}

std::unique_ptr<PendingWrite> MakeCreateWrite(
    ndes::v1::NdesConnector connector,
    StoreCallback<ndes::v1::NdesConnector> done) {
  return std::make_unique<CreateWrite>(std::move(connector), std::move(done));
}

std::unique_ptr<PendingWrite> MakeUpdateWrite(
    UpdateCommand command, StoreCallback<ndes::v1::NdesConnector> done) {
  return std::make_unique<UpdateWrite>(std::move(command), std::move(done));
}

std::unique_ptr<PendingWrite> MakeDeleteWrite(std::string id,
                                              std::string expected_etag,
                                              StatusCallback done) {
  return std::make_unique<DeleteWrite>(std::move(id), std::move(expected_etag),
                                       std::move(done));
}

}  // namespace ndes::store::sqlite_internal
