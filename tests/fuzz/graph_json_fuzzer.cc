// Fuzzes reading Graph JSON into an NdesConnector (graph_json.h): what the
// Graph backend does with every body Graph answers, and what the embedded
// stores do with every row they read.
//
// Input: any bytes; those that are JSON go to ConnectorFromGraphJson.
//
// Invariants: it never crashes or throws; an error is INVALID_ARGUMENT; a
// connector it accepts with valid values writes back (ConnectorToGraphJson)
// to JSON that reads again as the same connector.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_checks.h"
#include "google/protobuf/util/message_differencer.h"
#include "ndes/v1/connector_fields.h"
#include "translation/field_mask_plan.h"
#include "translation/graph_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using ::ndes::fuzz::Check;
  const web::json::value json = ndes::fuzz::ParseJsonOrNull(
      std::string(reinterpret_cast<const char*>(data), size));
  absl::StatusOr<ndes::v1::NdesConnector> connector =
      ndes::translation::ConnectorFromGraphJson(json);
  if (!connector.ok()) {
    Check(connector.status().code() == absl::StatusCode::kInvalidArgument,
          "unreadable Graph JSON is INVALID_ARGUMENT");
    return 0;
  }
  // ConnectorToGraphJson requires valid values; Graph's strings always give
  // them, but check rather than assume.
  if (!ndes::translation::ValidateConnectorValues(
           *connector, ndes::v1::ConnectorFieldSet::All(), "connector")
           .ok()) {
    return 0;
  }
  const web::json::value written =
      ndes::translation::ConnectorToGraphJson(*connector);
  absl::StatusOr<ndes::v1::NdesConnector> again =
      ndes::translation::ConnectorFromGraphJson(written);
  Check(again.ok(), "written Graph JSON reads back");
  Check(google::protobuf::util::MessageDifferencer::Equals(*connector, *again),
        "Graph JSON round-trips");
  Check(ndes::translation::ConnectorToGraphJson(*again) == written,
        "writing is deterministic");
  return 0;
}
