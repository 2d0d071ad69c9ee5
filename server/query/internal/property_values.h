// Reads a property of a connector through its descriptor, and compares
// strings the way queries do. Shared by the filter evaluator and ordering.
//
// Thread-safe: pure functions.
#ifndef NDES_SERVER_QUERY_INTERNAL_PROPERTY_VALUES_H_
#define NDES_SERVER_QUERY_INTERNAL_PROPERTY_VALUES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter.h"
#include "query/query_properties.h"

namespace ndes::query::internal {

// The value of a kString property ("" when unset).
const std::string& StringValue(const ndes::v1::NdesConnector& connector,
                               const Property& property, std::string* scratch);

// The enum number of a kState property.
int StateValue(const ndes::v1::NdesConnector& connector,
               const Property& property);

// The instant of a kDateTime property; nullopt when unset.
std::optional<DateTimeLiteral> DateTimeValue(
    const ndes::v1::NdesConnector& connector, const Property& property);

// -1, 0 or 1: `a` against `b` with A-Z folded to a-z, byte by byte.
int CompareFoldingCase(absl::string_view a, absl::string_view b);

// Whether `text` contains `infix`, folding ASCII case.
bool ContainsFoldingCase(absl::string_view text, absl::string_view infix);

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_PROPERTY_VALUES_H_
