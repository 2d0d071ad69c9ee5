#include "service/connector_requests.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ndes/v1/connector_fields.h"
#include "query/aip_filter.h"
#include "query/order_by.h"
#include "query/selection.h"
#include "translation/field_mask_plan.h"
#include "translation/resource_id.h"
#include "translation/status_details.h"

namespace ndes::service {

absl::StatusOr<store::UpdateCommand> UpdateCommandOf(
    ndes::v1::UpdateNdesConnectorsRequest request) {
  const ndes::v1::NdesConnector& connector = request.ndes_connector();
  if (absl::Status id =
          translation::ValidateConnectorId(connector.id(), "ndes_connector.id");
      !id.ok()) {
    return id;
  }
  absl::StatusOr<translation::FieldMaskPlan> plan =
      translation::PlanFieldMask(request.update_mask(), connector);
  if (!plan.ok()) return plan.status();
  if (request.allow_missing()) {
    if (absl::Status values = translation::ValidateConnectorValues(
            connector, ndes::v1::ConnectorFieldSet::All(), "ndes_connector");
        !values.ok()) {
      return values;
    }
  }
  store::UpdateCommand command;
  command.id = connector.id();
  command.fields = plan->fields;
  command.expected_etag = connector.etag();
  command.create_if_missing = request.allow_missing();
  command.values = std::move(*request.mutable_ndes_connector());
  command.values.clear_etag();
  return command;
}

absl::StatusOr<ConnectorRead> ConnectorReadOf(
    const ndes::v1::GetNdesConnectorRequest& request) {
  if (absl::Status id = translation::ValidateConnectorId(request.id(), "id");
      !id.ok()) {
    return id;
  }
  absl::StatusOr<query::Selection> selection =
      query::SelectionFromReadMask(request.read_mask());
  if (!selection.ok()) return selection.status();
  return ConnectorRead{request.id(), *std::move(selection)};
}

absl::StatusOr<store::ListQuery> ListQueryOf(
    const ndes::v1::ListNdesConnectorsRequest& request) {
  store::ListQuery query;
  if (request.page_size() < 0) {
    return translation::InvalidArgumentWithViolations(
        "page_size must not be negative",
        {{"page_size", "must be 0 (the default size) or positive"}});
  }
  if (request.page_size() > 0) {
    query.page_size = std::min(request.page_size(), store::kMaxPageSize);
  }
  query.page_token = request.page_token();
  absl::StatusOr<query::Filter> filter =
      query::ParseAipFilter(request.filter());
  if (!filter.ok()) return filter.status();
  query.filter = *std::move(filter);
  absl::StatusOr<query::OrderBy> order =
      query::ParseAipOrderBy(request.order_by());
  if (!order.ok()) return order.status();
  query.order = *std::move(order);
  absl::StatusOr<query::Selection> selection =
      query::SelectionFromReadMask(request.read_mask());
  if (!selection.ok()) return selection.status();
  query.selection = *std::move(selection);
  return query;
}

absl::StatusOr<ndes::v1::NdesConnector> ConnectorToCreate(
    const ndes::v1::CreateNdesConnectorRequest& request) {
  ndes::v1::NdesConnector connector = request.ndes_connector();
  if (!connector.id().empty()) {
    if (absl::Status id = translation::ValidateConnectorId(connector.id(),
                                                           "ndes_connector.id");
        !id.ok()) {
      return id;
    }
  }
  if (absl::Status values = translation::ValidateConnectorValues(
          connector, ndes::v1::ConnectorFieldSet::All(), "ndes_connector");
      !values.ok()) {
    return values;
  }
  connector.clear_etag();
  return connector;
}

absl::StatusOr<std::string> IdToDelete(
    const ndes::v1::DeleteNdesConnectorRequest& request) {
  if (absl::Status id = translation::ValidateConnectorId(request.id(), "id");
      !id.ok()) {
    return id;
  }
  return request.id();
}

}  // namespace ndes::service
