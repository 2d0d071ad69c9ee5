// Fuzzes the application of a Graph PATCH document to a stored connector
// (graph_patch.h ApplyGraphPatch), which the embedded stores run on every
// update, and the merge with hostile documents.
//
// Input: two JSON texts, the stored representation and the PATCH document,
// separated by the first line "#patch". Without the separator the whole
// input is the PATCH and the stored connector is a fixed valid one.
//
// Invariants: never a crash or an exception, whatever the stored document;
// an error is INVALID_ARGUMENT; a merged result reads as a connector and
// carries no "@odata.etag". Applied to a stored connector in canonical form,
// a merge keeps the id, and applying the same PATCH again changes nothing
// (Graph's merge is idempotent).

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_checks.h"
#include "translation/connector_fields.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"

namespace {

constexpr char kSeparator[] = "\n#patch\n";

const web::json::value& DefaultStored() {
  static const web::json::value* const stored = [] {
    ndes::v1::NdesConnector connector;
    connector.set_id("e71fa706-0000-4000-8000-000000000001");
    connector.set_display_name("NDES-01");
    connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
    connector.add_role_scope_tag_ids("0");
    return new web::json::value(
        ndes::translation::ConnectorToGraphJson(connector));
  }();
  return *stored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using ::ndes::fuzz::Check;
  const std::string input(reinterpret_cast<const char*>(data), size);
  web::json::value stored;
  web::json::value patch;
  const std::size_t at = input.find(kSeparator);
  if (at == std::string::npos) {
    stored = DefaultStored();
    patch = ndes::fuzz::ParseJsonOrNull(input);
  } else {
    stored = ndes::fuzz::ParseJsonOrNull(input.substr(0, at));
    patch = ndes::fuzz::ParseJsonOrNull(
        input.substr(at + sizeof(kSeparator) - 1));
  }

  // Any stored document: no crash, no exception, a clean refusal.
  absl::StatusOr<web::json::value> merged =
      ndes::translation::ApplyGraphPatch(stored, patch);
  if (!merged.ok()) {
    Check(merged.status().code() == absl::StatusCode::kInvalidArgument,
          "a refused PATCH is INVALID_ARGUMENT");
  } else {
    Check(ndes::translation::ConnectorFromGraphJson(*merged).ok(),
          "a merged document is a connector");
    Check(!merged->has_field("@odata.etag"), "a merge drops the etag");
  }

  // The merge's properties hold for what stores keep: a valid connector in
  // the canonical form ConnectorToGraphJson writes (so, say, a stored
  // "id": null, which reads as "", is first written as "").
  absl::StatusOr<ndes::v1::NdesConnector> before =
      ndes::translation::ConnectorFromGraphJson(stored);
  if (!before.ok() ||
      !ndes::translation::ValidateConnectorValues(
           *before, ndes::translation::kWritableConnectorFields, "stored")
           .ok()) {
    return 0;
  }
  before->clear_etag();
  const web::json::value canonical =
      ndes::translation::ConnectorToGraphJson(*before);
  absl::StatusOr<web::json::value> once =
      ndes::translation::ApplyGraphPatch(canonical, patch);
  if (!once.ok()) return 0;
  absl::StatusOr<ndes::v1::NdesConnector> after =
      ndes::translation::ConnectorFromGraphJson(*once);
  Check(after.ok(), "a merged document is a connector");
  Check(after->id() == before->id(), "a merge keeps the stored id");
  absl::StatusOr<web::json::value> twice =
      ndes::translation::ApplyGraphPatch(*once, patch);
  Check(twice.ok(), "a PATCH that applied once applies again");
  Check(*twice == *once, "applying a PATCH twice changes nothing more");
  return 0;
}
