#include "graph/coalesced_update.h"

#include "ndes/v1/connector_fields.h"

namespace ndes::graph {

bool CanCoalesce(const store::UpdateCommand& earlier,
                 const store::UpdateCommand& later) {
  return earlier.id == later.id && earlier.expected_etag.empty() &&
         later.expected_etag.empty() &&
         (earlier.create_if_missing || !later.create_if_missing);
}

void Coalesce(store::UpdateCommand* earlier,
              const store::UpdateCommand& later) {
  ndes::v1::CopyFields(later.values, later.fields, &earlier->values);
  earlier->fields |= later.fields;
}

}  // namespace ndes::graph
