// Fuzzes the update-mask planner (field_mask_plan.h) and what the service
// does with a plan: the PATCH document (graph_patch.h) and its application
// to a stored connector.
//
// Input: a serialized ndes.v1.UpdateNdesConnectorsRequest (the seeds are
// written in text format and encoded by the build), so the mutations explore
// arbitrary masks over arbitrary connectors.
//
// Invariants: the planner never crashes; a plan is non-empty; a plan's
// values pass ValidateConnectorValues; its PATCH document holds exactly the
// planned properties and reads back (as Graph would read it) to the planned
// fields; applying the plan to a stored connector keeps its id and gives the
// planned values.

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_checks.h"
#include "ndes/v1/connector_fields.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"

namespace ndes::fuzz {
namespace {

// A stored connector with every property set, as a store would hold it.
ndes::v1::NdesConnector StoredConnector() {
  ndes::v1::NdesConnector stored;
  stored.set_id("stored-1");
  stored.set_display_name("stored");
  stored.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  stored.mutable_last_connection_date_time()->set_seconds(1700000000);
  stored.set_machine_name("ndes01.contoso.local");
  stored.mutable_enrolled_date_time()->set_seconds(1600000000);
  stored.add_role_scope_tag_ids("0");
  stored.set_connector_version("6.2301.1.0");
  return stored;
}

void CheckPlan(const ndes::v1::UpdateNdesConnectorsRequest& request,
               const translation::FieldMaskPlan& plan) {
  Check(!plan.fields.empty(), "a plan is never empty");
  Check(translation::ValidateConnectorValues(request.ndes_connector(),
                                             plan.fields, "ndes_connector")
            .ok(),
        "planned values are valid");

  web::json::value patch = translation::BuildGraphPatchDocument(
      request.ndes_connector(), plan.fields);
  Check(patch.is_object(), "the PATCH document is an object");
  // "@odata.type" plus one property per planned field.
  Check(patch.size() == static_cast<std::size_t>(plan.fields.size()) + 1,
        "the PATCH document holds exactly the planned properties");
  absl::StatusOr<translation::GraphPatch> read =
      translation::ParseGraphPatchDocument(patch,
                                           request.ndes_connector().id());
  Check(read.ok(), "a planned PATCH document reads as Graph would read it");
  Check(read->fields == plan.fields, "it names exactly the planned fields");

  ndes::v1::NdesConnector result = StoredConnector();
  ndes::v1::CopyFields(request.ndes_connector(), plan.fields, &result);
  Check(result.id() == "stored-1", "an update never changes the id");
  for (v1::ConnectorField field : plan.fields.Fields()) {
    Check(translation::GraphPropertyValue(result, field) ==
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
    ndes::fuzz::Check(
        plan.status().code() == absl::StatusCode::kInvalidArgument,
        "a refused mask is INVALID_ARGUMENT");
    ndes::fuzz::Check(!plan.status().message().empty(),
                      "a refusal says what is wrong");
  }
  return 0;
}
