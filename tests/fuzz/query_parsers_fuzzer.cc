// Fuzzes the query parsers (server/query/): OData $filter, AIP-160 filter,
// $orderby, AIP-132 order_by and $select, all on the same input.
//
// Input: any bytes, read as the text of each query parameter.
//
// Invariants: no parser crashes; a refusal is INVALID_ARGUMENT whose message
// starts with "invalid " or "unsupported " and holds no control character.
// What a parser accepts, written as Graph query text (ToODataFilter,
// ToODataOrderBy, ToODataSelect), reads back with the OData parser as an
// equal value (text over the size limit excepted), writing is deterministic,
// and an AIP-160 filter and its OData form select the same connectors.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_checks.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/aip_filter.h"
#include "query/filter.h"
#include "query/filter_evaluator.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "query/query_errors.h"
#include "query/selection.h"

namespace ndes::fuzz {
namespace {

using ::ndes::query::Filter;

void CheckRefusal(const absl::Status& status) {
  Check(status.code() == absl::StatusCode::kInvalidArgument,
        "a refused query is INVALID_ARGUMENT");
  Check(absl::StartsWith(status.message(), query::kInvalidQueryPrefix) ||
            absl::StartsWith(status.message(), query::kUnsupportedQueryPrefix),
        "a refusal says invalid or unsupported");
  for (unsigned char c : status.message()) {
    Check(c >= 0x20 && c != 0x7f, "a refusal holds no control character");
  }
}

const ndes::v1::NdesConnector& Probe(int which) {
  static const ndes::v1::NdesConnector* const probes = [] {
    auto* set = new ndes::v1::NdesConnector[2];
    set[0].set_id("Probe-1");
    set[0].set_display_name("NDES 'x' *");
    set[0].set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
    set[0].mutable_last_connection_date_time()->set_seconds(1767225600);
    set[0].add_role_scope_tag_ids("0");
    set[1].set_id("probe-2");
    set[1].set_machine_name("ndes");
    return set;
  }();
  return probes[which];
}

// `filter` written as $filter reads back equal and selects alike.
void CheckODataForm(const Filter& filter) {
  const std::string text = query::ToODataFilter(filter);
  Check(query::ToODataFilter(filter) == text, "writing is deterministic");
  if (text.size() > query::kMaxQueryLength) return;
  absl::StatusOr<Filter> again = query::ParseODataFilter(text);
  Check(again.ok(), "a written $filter parses");
  Check(*again == filter, "a written $filter reads back equal");
  for (int i = 0; i < 2; ++i) {
    Check(query::Matches(*again, Probe(i)) == query::Matches(filter, Probe(i)),
          "the written $filter selects the same connectors");
  }
}

template <typename T>
void CheckList(const absl::StatusOr<T>& parsed, std::string (*write)(const T&),
               absl::StatusOr<T> (*read_odata)(absl::string_view)) {
  if (!parsed.ok()) {
    CheckRefusal(parsed.status());
    return;
  }
  const std::string text = write(*parsed);
  absl::StatusOr<T> again = read_odata(text);
  Check(again.ok(), "written OData list text parses");
  Check(*again == *parsed, "written OData list text reads back equal");
}

}  // namespace
}  // namespace ndes::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace ::ndes;  // NOLINT: a fuzz entry point
  const std::string input(reinterpret_cast<const char*>(data), size);

  for (bool aip : {false, true}) {
    absl::StatusOr<query::Filter> filter =
        aip ? query::ParseAipFilter(input) : query::ParseODataFilter(input);
    if (filter.ok()) {
      for (int i = 0; i < 2; ++i) query::Matches(*filter, fuzz::Probe(i));
      fuzz::CheckODataForm(*filter);
    } else {
      fuzz::CheckRefusal(filter.status());
    }
  }
  fuzz::CheckList(query::ParseODataOrderBy(input), &query::ToODataOrderBy,
                  &query::ParseODataOrderBy);
  fuzz::CheckList(query::ParseAipOrderBy(input), &query::ToODataOrderBy,
                  &query::ParseODataOrderBy);
  fuzz::CheckList(query::ParseODataSelect(input), &query::ToODataSelect,
                  &query::ParseODataSelect);
  return 0;
}
