// Fuzzes the reading of a Graph PATCH document (graph_patch.h
// ParseGraphPatchDocument), which turns a hostile Graph-style PATCH into the
// fields and values the stores apply, and its round trip through
// BuildGraphPatchDocument, which the Graph backend sends.
//
// Input: a JSON text, the PATCH document. For the seeds of the earlier
// format (a stored representation, a line "#patch", then the PATCH), only
// the part after the separator is read.
//
// Invariants: never a crash or an exception; an error is INVALID_ARGUMENT.
// A document that reads gives valid values; the document built from what
// was read reads back to the same fields and values; applying what was read
// to a stored connector keeps its id, and applying it twice changes nothing
// more (Graph's merge is idempotent).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "fuzz/fuzz_checks.h"
#include "google/protobuf/util/message_differencer.h"
#include "ndes/v1/connector_fields.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/status_details.h"

namespace {

constexpr char kSeparator[] = "\n#patch\n";
constexpr char kId[] = "e71fa706-0000-4000-8000-000000000001";

const ndes::v1::NdesConnector& Stored() {
  static const ndes::v1::NdesConnector* const stored = [] {
    auto* connector = new ndes::v1::NdesConnector;
    connector->set_id(kId);
    connector->set_display_name("NDES-01");
    connector->set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
    connector->add_role_scope_tag_ids("0");
    return connector;
  }();
  return *stored;
}

bool Same(const ndes::v1::NdesConnector& a, const ndes::v1::NdesConnector& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using ::ndes::fuzz::Check;
  std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t at = input.find(kSeparator);
  if (at != std::string::npos)
    input = input.substr(at + sizeof(kSeparator) - 1);
  const web::json::value patch = ndes::fuzz::ParseJsonOrNull(input);

  absl::StatusOr<ndes::translation::GraphPatch> read =
      ndes::translation::ParseGraphPatchDocument(patch, kId);
  if (!read.ok()) {
    Check(read.status().code() == absl::StatusCode::kInvalidArgument,
          "a refused PATCH is INVALID_ARGUMENT");
    return 0;
  }
  // Reading checks types and ranges; lengths (field_limits.h) are the
  // write path's to check, so a value over its length is the only thing
  // validation may still find.
  const absl::Status valid = ndes::translation::ValidateConnectorValues(
      read->values, read->fields, "patch");
  for (const ndes::translation::FieldViolation& violation :
       ndes::translation::FieldViolationsOf(valid)) {
    Check(absl::StrContains(violation.description, " allowed"),
          "a PATCH that reads holds valid values, but for lengths");
  }
  Check(valid.ok() || !ndes::translation::FieldViolationsOf(valid).empty(),
        "a PATCH that reads and is refused names its fields");

  const web::json::value rebuilt =
      ndes::translation::BuildGraphPatchDocument(read->values, read->fields);
  absl::StatusOr<ndes::translation::GraphPatch> again =
      ndes::translation::ParseGraphPatchDocument(rebuilt, kId);
  Check(again.ok(), "a built PATCH document reads");
  Check(again->fields == read->fields, "a round trip keeps the fields");
  ndes::v1::NdesConnector first;
  ndes::v1::NdesConnector second;
  ndes::v1::CopyFields(read->values, read->fields, &first);
  ndes::v1::CopyFields(again->values, again->fields, &second);
  Check(Same(first, second), "a round trip keeps the values");

  ndes::v1::NdesConnector once = Stored();
  ndes::v1::CopyFields(read->values, read->fields, &once);
  Check(once.id() == kId, "applying a PATCH keeps the stored id");
  ndes::v1::NdesConnector twice = once;
  ndes::v1::CopyFields(read->values, read->fields, &twice);
  Check(Same(once, twice), "applying a PATCH twice changes nothing more");
  return 0;
}
