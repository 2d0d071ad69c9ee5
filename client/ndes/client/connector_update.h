// ConnectorUpdate: a masked update of one NDES connector, built by naming the
// fields to change. Every setter and Clear() adds that field to the
// update_mask, so the request changes exactly the fields named and nothing
// else — including fields set to their default value (an empty string, state
// none), which a request without a mask could not express.
//
//   auto update = ndes::client::ConnectorUpdate("ndes-01")
//                     .SetDisplayName("NDES-01 (primary)")
//                     .SetState(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE)
//                     .Clear(ndes::client::ConnectorField::kMachineName);
//   update.ToRequest();  // update_mask: display_name, state, machine_name
//
// Naming a field twice keeps one mask path; the last value given wins (so
// SetDisplayName("x").Clear(kDisplayName) clears it). An update that names
// no field is refused by the gateway with INVALID_ARGUMENT ("at least one
// property must be changed").
//
// A value type: copyable, not synchronised (use one per thread or lock).
#ifndef NDES_CLIENT_NDES_CLIENT_CONNECTOR_UPDATE_H_
#define NDES_CLIENT_NDES_CLIENT_CONNECTOR_UPDATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "ndes/v1/ndes_connector_service.pb.h"

namespace ndes::client {

// A writable field of ndes.v1.NdesConnector (all but id and etag). The
// field table (mask paths, Graph names, every field in order) is
// ndes/v1/connector_fields.h: ndes::v1::MaskPath, ndes::v1::GraphName,
// ndes::v1::WritableConnectorFields.
using ConnectorField = ::ndes::v1::ConnectorField;

// The field named by `name`, its proto name ("display_name") or its Graph
// name ("displayName"). INVALID_ARGUMENT for anything else (including id
// and etag, which cannot be written), listing the accepted names.
absl::StatusOr<ConnectorField> ParseConnectorField(absl::string_view name);

class ConnectorUpdate {
 public:
  // An update of the connector `id`, naming no field yet.
  explicit ConnectorUpdate(std::string id);

  ConnectorUpdate& SetDisplayName(std::string value);
  ConnectorUpdate& SetState(ndes::v1::NdesConnectorState value);
  ConnectorUpdate& SetLastConnectionDateTime(absl::Time value);
  ConnectorUpdate& SetLastConnectionDateTime(
      const google::protobuf::Timestamp& value);
  ConnectorUpdate& SetMachineName(std::string value);
  ConnectorUpdate& SetEnrolledDateTime(absl::Time value);
  ConnectorUpdate& SetEnrolledDateTime(
      const google::protobuf::Timestamp& value);
  // Replaces the whole list (never appends).
  ConnectorUpdate& SetRoleScopeTagIds(std::vector<std::string> value);
  ConnectorUpdate& SetConnectorVersion(std::string value);

  // Clears `field` (Graph null; a list becomes empty, state becomes none).
  ConnectorUpdate& Clear(ConnectorField field);

  // Makes the update conditional: the gateway answers ABORTED, and writes
  // nothing, unless the stored connector still has this etag. Empty (the
  // default) means no check. Also makes the update safe to retry.
  ConnectorUpdate& SetEtag(std::string etag);

  // If the connector does not exist: false (default) fails with NOT_FOUND;
  // true creates it from the fields set here.
  ConnectorUpdate& SetAllowMissing(bool allow_missing);

  const std::string& id() const { return connector_.id(); }
  const std::string& etag() const { return connector_.etag(); }
  bool allow_missing() const { return allow_missing_; }
  // The fields named so far, in the order first named.
  const std::vector<ConnectorField>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

  // The request: the connector with the id, etag and values set, and an
  // update_mask holding the path of every field named (in that order).
  ndes::v1::UpdateNdesConnectorsRequest ToRequest() const;

 private:
  ConnectorUpdate& Name(ConnectorField field);

  ndes::v1::NdesConnector connector_;
  std::vector<ConnectorField> fields_;
  bool allow_missing_ = false;
};

// absl::Time <-> google.protobuf.Timestamp, exact to the nanosecond.
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace ndes::client

#endif  // NDES_CLIENT_NDES_CLIENT_CONNECTOR_UPDATE_H_
