#include "graph/graph_list_query.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "query/selection.h"

namespace ndes::graph {
namespace {

bool SentAsIs(unsigned char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("-._~'(),/:").find(static_cast<char>(c)) !=
             absl::string_view::npos;
}

void AppendOption(absl::string_view name, absl::string_view value,
                  std::string* out) {
  if (value.empty()) return;
  absl::StrAppend(out, "&", name, "=");
  for (unsigned char c : value) {
    if (SentAsIs(c)) {
      out->push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(out, "%%%02X", c);
    }
  }
}

}  // namespace

std::string GraphListQueryString(const store::ListQuery& query) {
  std::string out = absl::StrCat("$top=", query.page_size);
  AppendOption("$filter", query::ToODataFilter(query.filter), &out);
  AppendOption("$orderby", query::ToODataOrderBy(query.order), &out);
  AppendOption("$select", query::ToODataSelect(query.selection), &out);
  return out;
}

}  // namespace ndes::graph
