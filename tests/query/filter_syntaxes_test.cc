// Every supported operator written in both syntaxes: OData $filter and the
// AIP-160 filter select the same connectors of a fixed set, parse into the
// same tree where the spellings correspond one to one, and the AIP-160 tree
// survives the trip to Graph's $filter (what graph mode sends upstream).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/aip_filter.h"
#include "query/filter.h"
#include "query/odata_filter.h"
#include "query/query_test_connectors.h"

namespace ndes::query {
namespace {

using ::testing::ElementsAreArray;

struct SyntaxCase {
  std::string name;
  std::string odata;
  std::string aip;
  std::vector<std::string> ids;
  // The two spellings correspond one to one, so the trees are equal; false
  // where AIP-160 needs another shape (null is `NOT field:*`).
  bool same_tree = true;
};

std::vector<std::string> AllBut(const std::vector<std::string>& excluded) {
  std::vector<std::string> ids;
  for (const std::string& id : AllTestIds()) {
    bool skip = false;
    for (const std::string& e : excluded) skip = skip || e == id;
    if (!skip) ids.push_back(id);
  }
  return ids;
}

std::vector<SyntaxCase> Cases() {
  return {
      {"StringEq",
       "displayName eq 'NDES-01'",
       "display_name = \"NDES-01\"",
       {"c1"}},
      {"StringEqIgnoresAsciiCase",
       "displayName eq 'ndes-01'",
       "display_name = 'ndes-01'",
       {"c1"}},
      {"StringNe", "displayName ne 'NDES-01'", "display_name != \"NDES-01\"",
       AllBut({"c1"})},
      {"StringWithQuotes",
       "displayName eq 'O''Brien''s connector'",
       "display_name = \"O'Brien's connector\"",
       {"c4"}},
      {"EmptyString", "displayName eq ''", "display_name = \"\"", {"c5"}},
      {"StringNull",
       "displayName eq null",
       "NOT display_name:*",
       {"c5"},
       false},
      {"StringNotNull", "displayName ne null", "display_name:*",
       AllBut({"c5"})},
      {"IdEqIgnoresAsciiCase", "id eq 'C1'", "id = C1", {"c1"}},
      {"UnquotedAipText",
       "machineName eq 'ndes05'",
       "machine_name = ndes05",
       {"c5"}},
      {"VersionEq",
       "connectorVersion eq '7.0'",
       "connector_version = \"7.0\"",
       {"c4", "c5"}},
      {"LiteralStar",
       "displayName eq 'star*name'",
       "display_name = \"star\\*name\"",
       {"c7"}},
      {"NonAsciiExactAsciiFolded",
       "displayName eq '\xC3\x9CNDES'",
       "display_name = \"\xC3\x9CNDES\"",
       {"c6"}},
      {"NonAsciiNotFolded",
       "displayName eq '\xC3\xBCndes'",
       "display_name = \"\xC3\xBCndes\"",
       {}},
      {"StateEq", "state eq 'active'", "state = ACTIVE", {"c1", "c4", "c7"}},
      {"StateFullEnumName",
       "state eq 'inactive'",
       "state = NDES_CONNECTOR_STATE_INACTIVE",
       {"c2", "c5"}},
      {"StateNe", "state ne 'none'", "state != NONE", AllBut({"c3", "c6"})},
      {"StateIn", "state in ('active','inactive')",
       "state = (ACTIVE OR INACTIVE)", AllBut({"c3", "c6"})},
      {"InOneValue", "state in ('none')", "state = (NONE)", {"c3", "c6"}},
      {"StringIn",
       "displayName in ('NDES-01', 'ndes-03')",
       "display_name = (\"NDES-01\" OR \"ndes-03\")",
       {"c1", "c3"}},
      {"DateTimeEq",
       "lastConnectionDateTime eq 2026-01-01T00:00:00Z",
       "last_connection_date_time = \"2026-01-01T00:00:00Z\"",
       {"c1"}},
      {"DateTimeOffsetNormalised",
       "lastConnectionDateTime eq 2026-01-01T00:00:00+01:00",
       "last_connection_date_time = \"2025-12-31T23:00:00Z\"",
       {"c4"}},
      {"DateTimeFraction",
       "lastConnectionDateTime eq 2026-01-01T00:00:00.5000000Z",
       "last_connection_date_time = '2026-01-01T00:00:00.5Z'",
       {"c2"}},
      {"DateTimeNe", "lastConnectionDateTime ne 2026-01-01T00:00:00Z",
       "last_connection_date_time != \"2026-01-01T00:00:00Z\"", AllBut({"c1"})},
      {"DateTimeNull",
       "lastConnectionDateTime eq null",
       "NOT last_connection_date_time:*",
       {"c3", "c5", "c6"},
       false},
      {"DateTimeNotNull",
       "enrolledDateTime ne null",
       "enrolled_date_time:*",
       {"c1", "c4", "c5"}},
      {"DateTimeInWithNull",
       "lastConnectionDateTime in (2026-01-01T00:00:00Z,null)",
       "last_connection_date_time = \"2026-01-01T00:00:00Z\" OR "
       "NOT last_connection_date_time:*",
       {"c1", "c3", "c5", "c6"},
       false},
      {"StartsWith",
       "startswith(machineName,'ndes')",
       "starts_with(machine_name, \"ndes\")",
       {"c1", "c2", "c5", "c6"}},
      {"StartsWithEmpty", "startswith(displayName,'')",
       "starts_with(display_name, \"\")", AllTestIds()},
      {"Contains",
       "contains(displayName,'DES-0')",
       "contains(display_name, \"DES-0\")",
       {"c1", "c2", "c3"}},
      {"ContainsQuote",
       "contains(displayName,'''')",
       "contains(display_name, \"'\")",
       {"c4"}},
      {"ContainsStarIsLiteral",
       "contains(machineName,'*')",
       "contains(machine_name, \"*\")",
       {"c7"}},
      {"Membership",
       "roleScopeTagIds/any(t:t eq '0')",
       "role_scope_tag_ids:\"0\"",
       {"c1", "c2", "c7"}},
      {"MembershipIgnoresAsciiCase",
       "roleScopeTagIds/any(x: x eq 'tag-a')",
       "role_scope_tag_ids:tag-a",
       {"c4", "c7"}},
      {"NotMembership",
       "not roleScopeTagIds/any(t:t eq '0')",
       "NOT role_scope_tag_ids:\"0\"",
       {"c3", "c4", "c5", "c6"}},
      {"And",
       "state eq 'active' and startswith(machineName,'ndes')",
       "state = ACTIVE AND starts_with(machine_name, \"ndes\")",
       {"c1"}},
      {"AipSequenceIsAnd",
       "state eq 'active' and startswith(machineName,'ndes')",
       "state = ACTIVE starts_with(machine_name, \"ndes\")",
       {"c1"}},
      {"Or",
       "state eq 'none' or connectorVersion eq '7.0'",
       "state = NONE OR connector_version = \"7.0\"",
       {"c3", "c4", "c5", "c6"}},
      {"ODataAndBindsTighter",
       "displayName eq 'NDES-01' and startswith(machineName,'ndes') or "
       "not (state eq 'inactive')",
       "(display_name = \"NDES-01\" AND starts_with(machine_name, \"ndes\")) "
       "OR NOT state = INACTIVE",
       AllBut({"c2", "c5"})},
      {"AipOrBindsTighter",
       "displayName eq 'NDES-02' and (startswith(machineName,'x') or "
       "not (state eq 'active'))",
       "display_name = \"NDES-02\" AND starts_with(machine_name, \"x\") OR "
       "NOT state = ACTIVE",
       {"c2"}},
      {"NotAsMinus",
       "not (state eq 'active')",
       "-state = ACTIVE",
       {"c2", "c3", "c5", "c6"}},
      {"DoubleNot",
       "not (not (state eq 'active'))",
       "NOT (NOT state = ACTIVE)",
       {"c1", "c4", "c7"}},
      {"Grouping",
       "(state eq 'active' or state eq 'none') and contains(displayName,'des')",
       "(state = ACTIVE OR state = NONE) AND contains(display_name, \"des\")",
       {"c1", "c3", "c6"}},
      {"Empty", "", "", AllTestIds()},
      {"Blank", "  \t ", " \n ", AllTestIds()},
      {"Spacing",
       "  state   eq   'active'  ",
       "  state=ACTIVE  ",
       {"c1", "c4", "c7"}},
  };
}

class FilterSyntaxesTest : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(FilterSyntaxesTest, BothSyntaxesSelectTheSameConnectors) {
  const SyntaxCase& c = GetParam();
  absl::StatusOr<Filter> odata = ParseODataFilter(c.odata);
  ASSERT_TRUE(odata.ok()) << c.odata << ": " << odata.status();
  absl::StatusOr<Filter> aip = ParseAipFilter(c.aip);
  ASSERT_TRUE(aip.ok()) << c.aip << ": " << aip.status();

  EXPECT_THAT(MatchingIds(*odata), ElementsAreArray(c.ids)) << c.odata;
  EXPECT_THAT(MatchingIds(*aip), ElementsAreArray(c.ids)) << c.aip;
  if (c.same_tree) {
    EXPECT_TRUE(*odata == *aip)
        << ToODataFilter(*odata) << " vs " << ToODataFilter(*aip);
  }
}

TEST_P(FilterSyntaxesTest, AipFilterBecomesAnEquivalentODataFilter) {
  const SyntaxCase& c = GetParam();
  absl::StatusOr<Filter> aip = ParseAipFilter(c.aip);
  ASSERT_TRUE(aip.ok()) << aip.status();
  const std::string upstream = ToODataFilter(*aip);
  absl::StatusOr<Filter> again = ParseODataFilter(upstream);
  ASSERT_TRUE(again.ok()) << upstream << ": " << again.status();
  EXPECT_TRUE(*again == *aip) << upstream;
  EXPECT_THAT(MatchingIds(*again), ElementsAreArray(c.ids)) << upstream;
}

INSTANTIATE_TEST_SUITE_P(Operators, FilterSyntaxesTest,
                         ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<SyntaxCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace ndes::query
