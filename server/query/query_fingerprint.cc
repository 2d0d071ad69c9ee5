#include "query/query_fingerprint.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "query/odata_filter.h"

namespace ndes::query {
namespace {

// FNV-1a, 64 bits: tokens outlive the process and travel between replicas,
// so the hash must not be seeded per process (as absl::Hash is).
std::uint64_t Fnv1a(absl::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string QueryFingerprint(const Filter& filter, const OrderBy& order,
                             const Selection& selection) {
  // A line break never occurs in the canonical texts, so the three parts
  // cannot run into each other.
  return absl::StrFormat(
      "%016x",
      Fnv1a(absl::StrCat(ToODataFilter(filter), "\n", ToODataOrderBy(order),
                         "\n", ToODataSelect(selection))));
}

}  // namespace ndes::query
