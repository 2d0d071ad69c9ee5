#include "rest/odata_options.h"

#include <algorithm>
#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "query/odata_filter.h"
#include "query/order_by.h"
#include "text/untrusted_text.h"

namespace ndes::rest {
namespace {

// System query options by name without "$"; `supported` ones are read by
// the resources that take them.
struct SystemOption {
  absl::string_view name;
  bool supported;
};

constexpr SystemOption kSystemOptions[] = {
    {"top", true},     {"skip", true},        {"skiptoken", true},
    {"count", true},   {"select", true},      {"orderby", true},
    {"filter", true},  {"expand", false},     {"search", false},
    {"apply", false},  {"compute", false},    {"format", false},
    {"levels", false}, {"deltatoken", false}, {"id", false},
};

const SystemOption* FindSystemOption(absl::string_view name) {
  for (const SystemOption& option : kSystemOptions) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

// One option's value, by its name without "$".
struct NamedValue {
  std::string name;
  const std::string* value;
};

// The system options of `parameters`, each at most once; unknown "$"
// names and unsupported options refused.
absl::StatusOr<std::vector<NamedValue>> SystemOptionsOf(
    const QueryParameters& parameters) {
  std::vector<NamedValue> options;
  absl::flat_hash_set<std::string> seen;
  for (const auto& [name, value] : parameters) {
    absl::string_view bare = name;
    const bool prefixed = absl::ConsumePrefix(&bare, "$");
    const SystemOption* option = FindSystemOption(bare);
    if (option == nullptr) {
      if (!prefixed) continue;  // not an OData option: ignored, as Graph does
      return absl::InvalidArgumentError(absl::StrCat(
          "Query option '", text::EscapeUntrusted(name), "' is not allowed."));
    }
    if (!option->supported) {
      return absl::UnimplementedError(
          absl::StrCat("The query option '$", bare, "' is not supported."));
    }
    if (!seen.insert(std::string(bare)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Query option '$", bare, "' was specified more than once."));
    }
    options.push_back(NamedValue{std::string(bare), &value});
  }
  return options;
}

absl::StatusOr<int64_t> NonNegativeInteger(absl::string_view option,
                                           absl::string_view value) {
  int64_t number = 0;
  if (!absl::SimpleAtoi(value, &number) || number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid value '", text::EscapeUntrusted(value), "' for $",
                     option, " query option found. The $", option,
                     " query option requires a non-negative integer value."));
  }
  return number;
}

absl::Status NotOnThisResource(absl::string_view option) {
  return absl::InvalidArgumentError(absl::StrCat(
      "The query option '$", option, "' is not allowed on a single entity."));
}

}  // namespace

absl::StatusOr<CollectionOptions> ParseCollectionOptions(
    const QueryParameters& parameters) {
  absl::StatusOr<std::vector<NamedValue>> options = SystemOptionsOf(parameters);
  if (!options.ok()) return options.status();
  CollectionOptions parsed;
  parsed.list.page_size = kDefaultRestPageSize;
  for (const NamedValue& option : *options) {
    const std::string& value = *option.value;
    if (option.name == "top") {
      absl::StatusOr<int64_t> top = NonNegativeInteger("top", value);
      if (!top.ok()) return top.status();
      parsed.empty_page = *top == 0;
      parsed.list.page_size =
          static_cast<int>(std::clamp<int64_t>(*top, 1, store::kMaxPageSize));
    } else if (option.name == "skip") {
      absl::StatusOr<int64_t> skip = NonNegativeInteger("skip", value);
      if (!skip.ok()) return skip.status();
      parsed.skip = *skip;
    } else if (option.name == "skiptoken") {
      parsed.list.page_token = value;
    } else if (option.name == "count") {
      if (value != "true" && value != "false") {
        return absl::InvalidArgumentError(absl::StrCat(
            "Invalid value '", text::EscapeUntrusted(value),
            "' for $count query option found. Valid values are 'true' and "
            "'false'."));
      }
      parsed.count = value == "true";
    } else if (option.name == "select") {
      absl::StatusOr<query::Selection> selection =
          query::ParseODataSelect(value);
      if (!selection.ok()) return selection.status();
      parsed.list.selection = *std::move(selection);
      parsed.select_text = value;
    } else if (option.name == "orderby") {
      absl::StatusOr<query::OrderBy> order = query::ParseODataOrderBy(value);
      if (!order.ok()) return order.status();
      parsed.list.order = *std::move(order);
    } else if (option.name == "filter") {
      absl::StatusOr<query::Filter> filter = query::ParseODataFilter(value);
      if (!filter.ok()) return filter.status();
      parsed.list.filter = *std::move(filter);
    }
  }
  for (const auto& parameter : parameters) {
    absl::string_view bare = parameter.first;
    absl::ConsumePrefix(&bare, "$");
    if (bare != "skip" && bare != "skiptoken") {
      parsed.carried.push_back(parameter);
    }
  }
  return parsed;
}

absl::StatusOr<ItemOptions> ParseItemOptions(
    const QueryParameters& parameters) {
  absl::StatusOr<std::vector<NamedValue>> options = SystemOptionsOf(parameters);
  if (!options.ok()) return options.status();
  ItemOptions parsed;
  for (const NamedValue& option : *options) {
    if (option.name != "select") return NotOnThisResource(option.name);
    absl::StatusOr<query::Selection> selection =
        query::ParseODataSelect(*option.value);
    if (!selection.ok()) return selection.status();
    parsed.selection = *std::move(selection);
    parsed.select_text = *option.value;
  }
  return parsed;
}

}  // namespace ndes::rest
