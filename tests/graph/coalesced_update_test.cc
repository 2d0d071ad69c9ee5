#include "graph/coalesced_update.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store_test_support.h"

namespace ndes::graph {
namespace {

using ::ndes::store::UpdateCommand;
using ::ndes::store::testing::EqualsProto;
using ::ndes::store::testing::MakeUpdate;
using ::ndes::store::testing::SampleConnector;
using ::ndes::v1::NdesConnector;

UpdateCommand Update(std::vector<std::string> mask, NdesConnector values,
                     bool create_if_missing = false) {
  values.set_id("ndes-1");
  UpdateCommand command = MakeUpdate(values, mask);
  command.create_if_missing = create_if_missing;
  return command;
}

// Applies `command` the way every store does (Graph's PATCH merge), or
// creates from its values when `stored` is missing and it may.
std::optional<NdesConnector> Apply(std::optional<NdesConnector> stored,
                                   const UpdateCommand& command) {
  if (!stored.has_value()) {
    if (!command.create_if_missing) return std::nullopt;
    NdesConnector created = command.values;
    created.set_id(command.id);
    return created;
  }
  ndes::v1::CopyFields(command.values, command.fields, &*stored);
  return stored;
}

TEST(CoalescedUpdateTest, TheLaterCallWinsPerFieldAsIfAppliedInOrder) {
  NdesConnector first;
  first.set_display_name("first");
  first.set_machine_name("first.contoso.com");
  NdesConnector second;
  second.set_display_name("second");
  second.add_role_scope_tag_ids("9");
  const UpdateCommand a = Update({"display_name", "machine_name"}, first);
  const UpdateCommand b =
      Update({"display_name", "role_scope_tag_ids", "state"}, second);
  ASSERT_TRUE(CanCoalesce(a, b));
  UpdateCommand merged = a;
  Coalesce(&merged, b);

  const NdesConnector stored = SampleConnector("ndes-1");
  EXPECT_THAT(*Apply(stored, merged), EqualsProto(*Apply(Apply(stored, a), b)));
  EXPECT_EQ(Apply(stored, merged)->display_name(), "second");
  EXPECT_EQ(Apply(stored, merged)->machine_name(), "first.contoso.com");
  EXPECT_EQ(Apply(stored, merged)->state(),
            ndes::v1::NDES_CONNECTOR_STATE_NONE);  // cleared by b
}

TEST(CoalescedUpdateTest, MergesOnlyWhatSequentialApplicationAllows) {
  NdesConnector values = SampleConnector("ndes-1");
  const UpdateCommand plain = Update({"display_name"}, values);
  const UpdateCommand upsert = Update({"display_name"}, values, true);
  UpdateCommand conditional = plain;
  conditional.expected_etag = "W/\"1\"";
  UpdateCommand other = plain;
  other.id = "ndes-2";

  EXPECT_TRUE(CanCoalesce(plain, plain));
  EXPECT_TRUE(CanCoalesce(upsert, upsert));
  EXPECT_TRUE(CanCoalesce(upsert, plain));
  EXPECT_FALSE(CanCoalesce(plain, upsert));
  EXPECT_FALSE(CanCoalesce(plain, conditional));
  EXPECT_FALSE(CanCoalesce(conditional, plain));
  EXPECT_FALSE(CanCoalesce(plain, other));
}

TEST(CoalescedUpdateTest, MergedUpsertsCreateWhatTheSequenceWouldHave) {
  // Missing connector: the first creates from its values, the later ones
  // patch it.
  NdesConnector first = SampleConnector("ndes-1");
  first.set_display_name("created");
  NdesConnector second;
  second.set_machine_name("later.contoso.com");
  NdesConnector third;
  third.set_display_name("renamed");
  const std::vector<UpdateCommand> calls = {
      Update({"display_name"}, first, true),
      Update({"machine_name"}, second, false),
      Update({"display_name"}, third, true)};
  std::optional<NdesConnector> sequential;
  UpdateCommand merged = calls[0];
  for (std::size_t i = 0; i < calls.size(); ++i) {
    sequential = Apply(sequential, calls[i]);
    if (i > 0) {
      ASSERT_TRUE(CanCoalesce(merged, calls[i]));
      Coalesce(&merged, calls[i]);
    }
  }
  ASSERT_TRUE(sequential.has_value());
  EXPECT_THAT(*Apply(std::nullopt, merged), EqualsProto(*sequential));
  EXPECT_THAT(*Apply(SampleConnector("ndes-1"), merged),
              EqualsProto(*Apply(
                  Apply(Apply(SampleConnector("ndes-1"), calls[0]), calls[1]),
                  calls[2])));
}

}  // namespace
}  // namespace ndes::graph
