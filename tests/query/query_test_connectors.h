// A fixed set of connectors that the query tests filter, order and select,
// chosen so that every operator separates them: mixed case, quotes, a
// literal '*', non-ASCII text, empty strings, unset date-times, the same
// instant written with two offsets, empty and several-element tag lists.
#ifndef NDES_TESTS_QUERY_QUERY_TEST_CONNECTORS_H_
#define NDES_TESTS_QUERY_QUERY_TEST_CONNECTORS_H_

#include <string>
#include <vector>

#include "ndes/v1/ndes_connector.pb.h"
#include "query/filter.h"

namespace ndes::query {

const std::vector<ndes::v1::NdesConnector>& TestConnectors();

// The ids of the test connectors that `filter` matches, in set order.
std::vector<std::string> MatchingIds(const Filter& filter);

// Every test connector id, in set order.
std::vector<std::string> AllTestIds();

}  // namespace ndes::query

#endif  // NDES_TESTS_QUERY_QUERY_TEST_CONNECTORS_H_
