// Splits the comma-separated lists of $orderby, order_by and $select into
// items with their offsets. For this library only.
//
// Thread-safe: pure function.
#ifndef NDES_SERVER_QUERY_INTERNAL_QUERY_LIST_H_
#define NDES_SERVER_QUERY_INTERNAL_QUERY_LIST_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ndes::query::internal {

// One word of an item, with its byte offset in the whole text.
struct ListWord {
  absl::string_view text;
  std::size_t offset = 0;
};

// One comma-separated item: its words (split at spaces and tabs) and the
// offset where it starts.
struct ListItem {
  std::vector<ListWord> words;
  std::size_t offset = 0;
};

// The items of `text`; none for empty or blank text. INVALID_ARGUMENT naming
// `parameter` for text over kMaxQueryLength bytes, a control character, or an
// empty item ("a,,b", "a,").
absl::StatusOr<std::vector<ListItem>> SplitQueryList(
    absl::string_view parameter, absl::string_view text);

}  // namespace ndes::query::internal

#endif  // NDES_SERVER_QUERY_INTERNAL_QUERY_LIST_H_
