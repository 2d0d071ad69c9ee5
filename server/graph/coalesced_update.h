// Merging two updates of one connector into one, when one PATCH of the
// merged update does exactly what the two would do applied one after the
// other (the earlier first).
//
// Per field the later update wins: the merged update writes the fields of
// both, with the later one's values for its fields. Only unconditional
// updates merge (an etag check belongs to its own write). create_if_missing
// merges as sequential application allows:
//
//   earlier  later   merged   why
//   false    false   false    both NOT_FOUND, or both applied
//   true     true    true     created from the earlier's values, then the
//                             later's fields on top: the merged values
//   true     false   true     the same
//   false    true    (never)  alone the later would create from its own
//                             values only, without the earlier's
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_GRAPH_COALESCED_UPDATE_H_
#define NDES_SERVER_GRAPH_COALESCED_UPDATE_H_

#include "store/connector_store.h"

namespace ndes::graph {

// Whether `later` may be merged into `earlier` (as above; same id).
bool CanCoalesce(const store::UpdateCommand& earlier,
                 const store::UpdateCommand& later);

// Merges `later` into `*earlier`. Requires CanCoalesce(*earlier, later).
void Coalesce(store::UpdateCommand* earlier, const store::UpdateCommand& later);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_COALESCED_UPDATE_H_
