// Fuzzes the application of a Graph PATCH document to a stored connector
// (graph_patch.h ApplyGraphPatch), which the embedded stores run on every
// update, and the merge with hostile documents.
//
// Input: two JSON texts, the stored representation and the PATCH document,
// separated by the first line "#patch". Without the separator the whole
// input is the PATCH and the stored connector is a fixed valid one.
//
// Invariants: never a crash or an exception; an error is INVALID_ARGUMENT;
// a merged result reads as a connector, keeps the stored id, carries no
// "@odata.etag", and applying the same PATCH to it again changes nothing
// (Graph's merge is idempotent).

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_checks.h"
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

  absl::StatusOr<web::json::value> merged =
      ndes::translation::ApplyGraphPatch(stored, patch);
  if (!merged.ok()) {
    Check(merged.status().code() == absl::StatusCode::kInvalidArgument,
          "a refused PATCH is INVALID_ARGUMENT");
    return 0;
  }
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      ndes::translation::ConnectorFromGraphJson(*merged);
  Check(connector.ok(), "a merged document is a connector");
  Check(!merged->has_field("@odata.etag"), "a merge drops the etag");
  if (stored.has_field("id")) {
    Check(merged->has_field("id") && merged->at("id") == stored.at("id"),
          "a merge keeps the stored id");
  }
  absl::StatusOr<web::json::value> twice =
      ndes::translation::ApplyGraphPatch(*merged, patch);
  Check(twice.ok(), "a PATCH that applied once applies again");
  Check(*twice == *merged, "applying a PATCH twice changes nothing more");
  return 0;
}
