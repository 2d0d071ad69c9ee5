#include "query/internal/query_list.h"

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/internal/query_error_builder.h"

namespace ndes::query::internal {

absl::StatusOr<std::vector<ListItem>> SplitQueryList(
    absl::string_view parameter, absl::string_view text) {
  if (absl::Status status = CheckQueryLength(parameter, text); !status.ok()) {
    return status;
  }
  std::vector<ListItem> items;
  ListItem item;
  std::size_t word_start = 0;
  bool in_word = false;
  bool blank = true;
  for (std::size_t at = 0; at <= text.size(); ++at) {
    const char c = at < text.size() ? text[at] : ',';
    const bool separator = c == ' ' || c == '\t' || c == ',';
    if (!separator && IsControlByte(c)) {
      return ControlCharacterError(parameter, text, at);
    }
    if (in_word && separator) {
      item.words.push_back(
          {text.substr(word_start, at - word_start), word_start});
      in_word = false;
    } else if (!in_word && !separator) {
      if (item.words.empty()) item.offset = at;
      word_start = at;
      in_word = true;
      blank = false;
    }
    if (c != ',') continue;
    if (item.words.empty()) {
      // A blank text is an empty list; a blank item between commas is not.
      if (at == text.size() && items.empty() && blank) break;
      return InvalidQuery(parameter, at == text.size() ? at - 1 : at,
                          "empty item in the list");
    }
    items.push_back(std::move(item));
    item = ListItem();
  }
  return items;
}

}  // namespace ndes::query::internal
