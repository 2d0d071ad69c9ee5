// Fuzzes the update-mask planner (field_mask_plan.h) and what the service
// does with a plan: the PATCH document (graph_patch.h) and its application
// to a stored connector.
//
// Input: a serialized ndes.v1.UpdateNdesConnectorsRequest (the seeds are
// written in text format and encoded by the build), so the mutations explore
// arbitrary masks over arbitrary connectors.
//
// Invariants: the planner never crashes; a plan is non-empty, sorted and
// free of duplicates; a plan's values pass ValidateConnectorValues; its
// PATCH document holds exactly the planned properties; applying it to the
// Graph form of any valid connector succeeds and gives the planned values.

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_checks.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "translation/connector_fields.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"

namespace ndes::fuzz {
namespace {

using ::ndes::translation::ConnectorField;

// A stored connector with every property set, as a store would hold it.
web::json::value StoredConnector() {
  ndes::v1::NdesConnector stored;
  stored.set_id("stored-1");
  stored.set_display_name("stored");
  stored.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  stored.mutable_last_connection_date_time()->set_seconds(1700000000);
  stored.set_machine_name("ndes01.contoso.local");
  stored.mutable_enrolled_date_time()->set_seconds(1600000000);
  stored.add_role_scope_tag_ids("0");
  stored.set_connector_version("6.2301.1.0");
  return translation::ConnectorToGraphJson(stored);
}

void CheckPlan(const ndes::v1::UpdateNdesConnectorsRequest& request,
               const translation::FieldMaskPlan& plan) {
  Check(!plan.fields.empty(), "a plan is never empty");
  for (std::size_t i = 1; i < plan.fields.size(); ++i) {
    Check(plan.fields[i - 1] < plan.fields[i],
          "plan fields are sorted and unique");
  }
  Check(translation::ValidateConnectorValues(request.ndes_connector(),
                                             plan.fields, "ndes_connector")
            .ok(),
        "planned values are valid");

  web::json::value patch =
      translation::BuildGraphPatchDocument(request.ndes_connector(), plan);
  Check(patch.is_object(), "the PATCH document is an object");
  // "@odata.type" plus one property per planned field.
  Check(patch.size() == plan.fields.size() + 1,
        "the PATCH document holds exactly the planned properties");
  for (ConnectorField field : plan.fields) {
    Check(patch.has_field(std::string(translation::GraphPropertyName(field))),
          "every planned property is in the PATCH document");
  }

  absl::StatusOr<web::json::value> merged =
      translation::ApplyGraphPatch(StoredConnector(), patch);
  Check(merged.ok(), "a planned PATCH applies to a valid connector");
  absl::StatusOr<ndes::v1::NdesConnector> result =
      translation::ConnectorFromGraphJson(*merged);
  Check(result.ok(), "the merged document is a connector");
  Check(result->id() == "stored-1", "a PATCH never changes the id");
  for (ConnectorField field : plan.fields) {
    Check(translation::GraphPropertyValue(*result, field) ==
              translation::GraphPropertyValue(request.ndes_connector(), field),
          "every planned property has the requested value");
  }
}

}  // namespace
}  // namespace ndes::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  ndes::v1::UpdateNdesConnectorsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<ndes::translation::FieldMaskPlan> plan =
      ndes::translation::PlanFieldMask(request.update_mask(),
                                       request.ndes_connector());
  if (plan.ok()) {
    ndes::fuzz::CheckPlan(request, *plan);
  } else {
    ndes::fuzz::Check(plan.status().code() == absl::StatusCode::kInvalidArgument,
                      "a refused mask is INVALID_ARGUMENT");
    ndes::fuzz::Check(!plan.status().message().empty(),
                      "a refusal says what is wrong");
  }
  return 0;
}
