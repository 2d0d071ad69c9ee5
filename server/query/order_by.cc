#include "query/order_by.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "query/internal/property_values.h"
#include "query/internal/query_error_builder.h"
#include "query/internal/query_list.h"
#include "query/query_properties.h"

namespace ndes::query {
namespace {

using internal::QuoteForMessage;

enum class Syntax { kOData, kAip };

absl::StatusOr<OrderBy> ParseOrderBy(Syntax syntax, absl::string_view text) {
  const absl::string_view parameter =
      syntax == Syntax::kOData ? "$orderby" : "order_by";
  absl::StatusOr<std::vector<internal::ListItem>> items =
      internal::SplitQueryList(parameter, text);
  if (!items.ok()) return items.status();
  OrderBy order;
  for (const internal::ListItem& item : *items) {
    const internal::ListWord& name = item.words[0];
    if (syntax == Syntax::kOData && name.text.find('/') != name.text.npos) {
      return internal::UnsupportedQuery(parameter, name.offset,
                                        "ordering by a path into a property "
                                        "is not supported");
    }
    std::optional<Property> property = syntax == Syntax::kOData
                                           ? PropertyByGraphName(name.text)
                                           : PropertyByProtoName(name.text);
    if (!property.has_value()) {
      return internal::InvalidQuery(
          parameter, name.offset,
          syntax == Syntax::kOData
              ? absl::StrCat("Could not find a property named ",
                             QuoteForMessage(name.text),
                             " on type 'microsoft.graph.ndesConnector'.")
              : absl::StrCat(QuoteForMessage(name.text),
                             " is not a field of NdesConnector"));
    }
    if (property->type() == PropertyType::kStringCollection) {
      return internal::InvalidQuery(
          parameter, name.offset,
          absl::StrCat("cannot order by ", name.text, ": it is a collection"));
    }
    for (const OrderKey& earlier : order.keys) {
      if (earlier.property == *property) {
        return internal::InvalidQuery(
            parameter, name.offset,
            absl::StrCat(name.text, " appears more than once"));
      }
    }
    OrderKey key{*property, false};
    if (item.words.size() >= 2) {
      const internal::ListWord& direction = item.words[1];
      if (direction.text == "desc") {
        key.descending = true;
      } else if (direction.text != "asc" || syntax == Syntax::kAip) {
        return internal::InvalidQuery(
            parameter, direction.offset,
            absl::StrCat("expected ",
                         syntax == Syntax::kOData ? "asc, desc" : "desc",
                         ", a comma or the end after ", name.text, ", found ",
                         QuoteForMessage(direction.text)));
      }
    }
    if (item.words.size() > 2) {
      return internal::InvalidQuery(
          parameter, item.words[2].offset,
          absl::StrCat("expected a comma or the end, found ",
                       QuoteForMessage(item.words[2].text)));
    }
    order.keys.push_back(key);
  }
  return order;
}

int CompareKey(const OrderKey& key, const ndes::v1::NdesConnector& a,
               const ndes::v1::NdesConnector& b) {
  switch (key.property.type()) {
    case PropertyType::kString: {
      std::string scratch_a;
      std::string scratch_b;
      return internal::CompareFoldingCase(
          internal::StringValue(a, key.property, &scratch_a),
          internal::StringValue(b, key.property, &scratch_b));
    }
    case PropertyType::kState: {
      const int x = internal::StateValue(a, key.property);
      const int y = internal::StateValue(b, key.property);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case PropertyType::kDateTime: {
      const std::optional<DateTimeLiteral> x =
          internal::DateTimeValue(a, key.property);
      const std::optional<DateTimeLiteral> y =
          internal::DateTimeValue(b, key.property);
      if (!x.has_value() || !y.has_value()) {
        return x.has_value() ? 1 : (y.has_value() ? -1 : 0);
      }
      if (x->seconds != y->seconds) return x->seconds < y->seconds ? -1 : 1;
      if (x->nanos != y->nanos) return x->nanos < y->nanos ? -1 : 1;
      return 0;
    }
    case PropertyType::kStringCollection:
      return 0;
  }
  return 0;
}

}  // namespace

absl::StatusOr<OrderBy> ParseODataOrderBy(absl::string_view text) {
  return ParseOrderBy(Syntax::kOData, text);
}

absl::StatusOr<OrderBy> ParseAipOrderBy(absl::string_view text) {
  return ParseOrderBy(Syntax::kAip, text);
}

std::string ToODataOrderBy(const OrderBy& order) {
  std::string out;
  for (const OrderKey& key : order.keys) {
    if (!out.empty()) out.push_back(',');
    absl::StrAppend(&out, key.property.graph_name(),
                    key.descending ? " desc" : "");
  }
  return out;
}

int CompareConnectors(const OrderBy& order, const ndes::v1::NdesConnector& a,
                      const ndes::v1::NdesConnector& b) {
  for (const OrderKey& key : order.keys) {
    const int result = CompareKey(key, a, b);
    if (result != 0) return key.descending ? -result : result;
  }
  return a.id().compare(b.id());
}

}  // namespace ndes::query
