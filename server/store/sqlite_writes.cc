#include "store/sqlite_writes.h"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "store/sqlite_connector_rows.h"
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
  // What Apply stored; answered once committed.
  ndes::v1::NdesConnector result_;

 private:
  StoreCallback<ndes::v1::NdesConnector> done_;
};

class CreateWrite final : public ConnectorWrite {
 public:
  CreateWrite(ndes::v1::NdesConnector connector,
              StoreCallback<ndes::v1::NdesConnector> done)
      : ConnectorWrite(std::move(done)), connector_(std::move(connector)) {}

  absl::Status Apply(Connection& writer, std::uint64_t* revision) override {
    {
      absl::StatusOr<Statement> stmt =
          writer.Prepare("SELECT 1 FROM connectors WHERE id = ?1");
      if (!stmt.ok()) return stmt.status();
      stmt->BindText(1, connector_.id());
      const int rc = stmt->Step();
      if (rc == SQLITE_ROW) return ConnectorAlreadyExists(connector_.id());
      if (rc != SQLITE_DONE) {
        return writer.Error(rc, absl::StrCat("reading NDES connector \"",
                                             connector_.id(), "\""));
      }
    }
    absl::StatusOr<ndes::v1::NdesConnector> stored =
        PutStored(writer, connector_, revision);
    if (!stored.ok()) return stored.status();
    result_ = *std::move(stored);
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

  absl::Status Apply(Connection& writer, std::uint64_t* revision) override {
    absl::StatusOr<std::optional<StoredConnector>> current =
        ReadStored(writer, command_.id);
    if (!current.ok()) return current.status();
    absl::StatusOr<ndes::v1::NdesConnector> next =
        NextConnectorForUpdate(*current, command_);
    if (!next.ok()) return next.status();
    absl::StatusOr<ndes::v1::NdesConnector> stored =
        PutStored(writer, *std::move(next), revision);
    if (!stored.ok()) return stored.status();
    result_ = *std::move(stored);
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

  absl::Status Apply(Connection& writer, std::uint64_t* /*revision*/) override {
    {
      absl::StatusOr<Statement> stmt =
          writer.Prepare("SELECT revision FROM connectors WHERE id = ?1");
      if (!stmt.ok()) return stmt.status();
      stmt->BindText(1, id_);
      const int rc = stmt->Step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return writer.Error(
            rc, absl::StrCat("reading NDES connector \"", id_, "\""));
      }
      std::optional<std::string> etag;
      if (rc == SQLITE_ROW) {
        etag =
            EtagForRevision(static_cast<std::uint64_t>(stmt->ColumnInt64(0)));
      }
      absl::Status allowed = CheckDelete(id_, etag, expected_etag_);
      if (!allowed.ok()) return allowed;
    }
    absl::StatusOr<Statement> stmt =
        writer.Prepare("DELETE FROM connectors WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, id_);
    const int rc = stmt->Step();
    if (rc != SQLITE_DONE) {
      return writer.Error(
          rc, absl::StrCat("deleting NDES connector \"", id_, "\""));
    }
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
