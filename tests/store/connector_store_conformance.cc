#include "store/connector_store_conformance.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"
#include "store/store_test_support.h"

namespace ndes::store::testing {

// Backends instantiate the suite in their own test binaries.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ConnectorStoreConformanceTest);

std::string ConnectorStoreConformanceParamName(
    const ::testing::TestParamInfo<ConnectorStoreConformanceParam>& info) {
  return info.param.name;
}

void ConnectorStoreConformanceTest::SetUp() {
  scratch_dir_ = MakeScratchDir();
  absl::StatusOr<std::unique_ptr<ConnectorStore>> store =
      GetParam().make_store(scratch_dir_);
  ASSERT_THAT(store, IsOk());
  store_ = *std::move(store);
  sync_.emplace(*store_);
  counts_ = sync_->counts();
}

void ConnectorStoreConformanceTest::TearDown() {
  DestroyStore();
  if (counts_ != nullptr) {
    EXPECT_EQ(counts_->invoked.load(), counts_->issued.load())
        << "every callback handed to the store must be invoked exactly once";
    EXPECT_EQ(counts_->repeated.load(), 0)
        << "a callback was invoked more than once";
  }
  if (!scratch_dir_.empty()) RemoveScratchDir(scratch_dir_);
}

void ConnectorStoreConformanceTest::DestroyStore() {
  // The store first: callbacks it still runs may use sync_.
  store_.reset();
  sync_.reset();
}

ndes::v1::NdesConnector ConnectorStoreConformanceTest::MustCreate(
    const ndes::v1::NdesConnector& connector) {
  absl::StatusOr<ndes::v1::NdesConnector> created = sync().Create(connector);
  EXPECT_THAT(created, IsOk());
  return created.ok() ? *created : connector;
}

ndes::v1::NdesConnector ConnectorStoreConformanceTest::AsCreated(
    ndes::v1::NdesConnector connector, const ndes::v1::NdesConnector& created) {
  if (!traits().keeps_caller_ids) {
    EXPECT_NE(created.id(), connector.id())
        << "a store that assigns ids does not keep the one asked for";
    connector.set_id(created.id());
  }
  connector.clear_etag();
  return connector;
}

namespace {

using ::ndes::v1::NdesConnector;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Property;
using ::testing::ResultOf;
using ::testing::SizeIs;

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

// --- Get ---------------------------------------------------------------------

TEST_P(ConnectorStoreConformanceTest, GetOfMissingIdIsNotFoundNamingTheId) {
  EXPECT_THAT(sync().Get("ndes-missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-missing")));
}

// --- Create ------------------------------------------------------------------

TEST_P(ConnectorStoreConformanceTest,
       CreateAnswersEveryFieldAsStoredWithAnEtag) {
  const NdesConnector sample = SampleConnector("ndes-1");
  absl::StatusOr<NdesConnector> created = sync().Create(sample);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->etag(), Not(IsEmpty()));
  EXPECT_THAT(WithoutEtag(*created), EqualsProto(AsCreated(sample, *created)));
  EXPECT_THAT(sync().Get(created->id()), IsOkAndHolds(EqualsProto(*created)));
}

TEST_P(ConnectorStoreConformanceTest,
       CreateOfConnectorWithOnlyAnIdKeepsDefaults) {
  NdesConnector bare;
  bare.set_id("ndes-bare");
  absl::StatusOr<NdesConnector> created = sync().Create(bare);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(WithoutEtag(*created), EqualsProto(AsCreated(bare, *created)));
  absl::StatusOr<NdesConnector> got = sync().Get(created->id());
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->has_last_connection_date_time());
  EXPECT_FALSE(got->has_enrolled_date_time());
  EXPECT_THAT(*got, EqualsProto(*created));
}

TEST_P(ConnectorStoreConformanceTest, CreateKeepsInactiveStateAndNanos) {
  NdesConnector connector = SampleConnector("ndes-inactive");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  connector.mutable_enrolled_date_time()->set_nanos(500000000);
  absl::StatusOr<NdesConnector> created = sync().Create(connector);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(sync().Get(created->id()),
              IsOkAndHolds(ResultOf(
                  WithoutEtag, EqualsProto(AsCreated(connector, *created)))));
}

TEST_P(ConnectorStoreConformanceTest, CreateWithEmptyIdGeneratesDistinctUuids) {
  NdesConnector first = SampleConnector("");
  absl::StatusOr<NdesConnector> a = sync().Create(first);
  absl::StatusOr<NdesConnector> b = sync().Create(first);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  const std::string uuid =
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
  EXPECT_THAT(a->id(), MatchesRegex(uuid));
  EXPECT_THAT(b->id(), MatchesRegex(uuid));
  EXPECT_NE(a->id(), b->id());
  absl::StatusOr<NdesConnector> got = sync().Get(a->id());
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(*a));
}

TEST_P(ConnectorStoreConformanceTest, CreateIgnoresTheEtagItIsGiven) {
  NdesConnector connector = SampleConnector("ndes-etag");
  connector.set_etag("caller-chosen");
  absl::StatusOr<NdesConnector> created = sync().Create(connector);
  ASSERT_THAT(created, IsOk());
  EXPECT_NE(created->etag(), "caller-chosen");
  EXPECT_THAT(created->etag(), Not(IsEmpty()));
}

TEST_P(ConnectorStoreConformanceTest,
       CreateOfExistingIdIsAlreadyExistsAndKeepsTheStoredConnector) {
  const NdesConnector original = MustCreate(SampleConnector("ndes-dup"));
  NdesConnector other = SampleConnector(original.id());
  other.set_display_name("someone else");
  if (traits().keeps_caller_ids) {
    EXPECT_THAT(sync().Create(other), StatusIs(absl::StatusCode::kAlreadyExists,
                                               HasSubstr(original.id())));
  } else {
    // The id asked for is not kept: this is another connector.
    absl::StatusOr<NdesConnector> second = sync().Create(other);
    ASSERT_THAT(second, IsOk());
    EXPECT_NE(second->id(), original.id());
    EXPECT_EQ(second->display_name(), "someone else");
  }
  absl::StatusOr<NdesConnector> got = sync().Get(original.id());
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(original));
}

// --- Update ------------------------------------------------------------------

TEST_P(ConnectorStoreConformanceTest, UpdateChangesOnlyThePatchedProperties) {
  const NdesConnector original = MustCreate(SampleConnector("ndes-up"));
  NdesConnector values;
  values.set_id(original.id());
  values.set_display_name("NDES-02");
  values.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  absl::StatusOr<NdesConnector> updated =
      sync().Update(MakeUpdate(values, {"display_name", "state"}));
  ASSERT_THAT(updated, IsOk());

  NdesConnector expected = WithoutEtag(original);
  expected.set_display_name("NDES-02");
  expected.set_state(ndes::v1::NDES_CONNECTOR_STATE_INACTIVE);
  EXPECT_THAT(WithoutEtag(*updated), EqualsProto(expected));
  EXPECT_NE(updated->etag(), original.etag());
  absl::StatusOr<NdesConnector> got = sync().Get(original.id());
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(*updated));
}

TEST_P(ConnectorStoreConformanceTest, UpdateOfMaskedUnsetFieldsClearsThem) {
  const NdesConnector original = MustCreate(SampleConnector("ndes-clear"));
  NdesConnector values;
  values.set_id(original.id());
  absl::StatusOr<NdesConnector> updated = sync().Update(
      MakeUpdate(values, {"display_name", "state", "last_connection_date_time",
                          "role_scope_tag_ids"}));
  ASSERT_THAT(updated, IsOk());

  NdesConnector expected = WithoutEtag(original);
  expected.clear_display_name();
  expected.clear_state();
  expected.clear_last_connection_date_time();
  expected.clear_role_scope_tag_ids();
  EXPECT_THAT(WithoutEtag(*updated), EqualsProto(expected));
  EXPECT_THAT(sync().Get(original.id()),
              IsOkAndHolds(ResultOf(WithoutEtag, EqualsProto(expected))));
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateReplacesRoleScopeTagIdsInsteadOfAppending) {
  const std::string id =
      MustCreate(SampleConnector("ndes-tags")).id();  // tags {"0", "7"}
  NdesConnector values;
  values.set_id(id);
  values.add_role_scope_tag_ids("9");
  absl::StatusOr<NdesConnector> updated =
      sync().Update(MakeUpdate(values, {"role_scope_tag_ids"}));
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(updated->role_scope_tag_ids(), ElementsAre("9"));
  EXPECT_THAT(sync().Get(id),
              IsOkAndHolds(ResultOf(
                  [](const NdesConnector& c) { return c.role_scope_tag_ids(); },
                  ElementsAre("9"))));
}

TEST_P(ConnectorStoreConformanceTest, UpdateWithStarMaskReplacesEveryField) {
  const std::string id = MustCreate(SampleConnector("ndes-star")).id();
  NdesConnector values;
  values.set_id(id);
  values.set_machine_name("ndes02.contoso.com");
  absl::StatusOr<NdesConnector> updated =
      sync().Update(MakeUpdate(values, {"*"}));
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(WithoutEtag(*updated), EqualsProto(values));
}

TEST_P(ConnectorStoreConformanceTest, UpdateChangesTheEtagOnEveryWrite) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-e"));
  std::set<std::string> etags = {created.etag()};
  std::string last;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<NdesConnector> updated =
        sync().Update(RenameCommand(created.id(), "same name every time"));
    ASSERT_THAT(updated, IsOk());
    if (traits().new_etag_on_every_write || i == 0) {
      EXPECT_TRUE(etags.insert(updated->etag()).second)
          << "etag " << updated->etag() << " was answered before";
    } else {
      // Derived from content: the same content keeps its etag.
      EXPECT_EQ(updated->etag(), last);
    }
    last = updated->etag();
  }
  EXPECT_THAT(sync().Get(created.id()),
              IsOkAndHolds(Property(&NdesConnector::etag, last)));
  absl::StatusOr<NdesConnector> changed =
      sync().Update(RenameCommand(created.id(), "another name"));
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(etags.insert(changed->etag()).second);
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateOfMissingIdIsNotFoundNamingTheIdAndCreatesNothing) {
  EXPECT_THAT(sync().Update(RenameCommand("ndes-none", "x")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-none")));
  EXPECT_THAT(sync().Get("ndes-none"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-none")));
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateOfMissingIdWithAnEtagAndNoCreateIsNotFound) {
  EXPECT_THAT(sync().Update(RenameCommand("ndes-none", "x", "W/\"1\"")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-none")));
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateWithCreateIfMissingCreatesFromTheWholeConnector) {
  const NdesConnector sample = SampleConnector("ndes-upsert");
  // The mask names one field; a created connector takes every given field.
  UpdateCommand command = MakeUpdate(sample, {"display_name"});
  command.create_if_missing = true;
  absl::StatusOr<NdesConnector> created = sync().Update(std::move(command));
  if (!traits().keeps_caller_ids) {
    // It could only be created under another id: refused, nothing written.
    EXPECT_THAT(created, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("ndes-upsert")));
    EXPECT_THAT(sync().Get("ndes-upsert"), StatusIs(absl::StatusCode::kNotFound,
                                                    HasSubstr("ndes-upsert")));
    absl::StatusOr<std::vector<NdesConnector>> all = sync().ListAll();
    ASSERT_THAT(all, IsOk());
    EXPECT_THAT(*all, IsEmpty());
    return;
  }
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(WithoutEtag(*created), EqualsProto(sample));
  EXPECT_THAT(created->etag(), Not(IsEmpty()));
  absl::StatusOr<NdesConnector> got = sync().Get("ndes-upsert");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(*created));
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateWithCreateIfMissingOfExistingIdAppliesOnlyThePatch) {
  const NdesConnector original = MustCreate(SampleConnector("ndes-upsert"));
  NdesConnector values;
  values.set_id(original.id());
  values.set_display_name("renamed");
  UpdateCommand command = MakeUpdate(values, {"display_name"});
  command.create_if_missing = true;
  absl::StatusOr<NdesConnector> updated = sync().Update(std::move(command));
  ASSERT_THAT(updated, IsOk());
  NdesConnector expected = WithoutEtag(original);
  expected.set_display_name("renamed");
  EXPECT_THAT(WithoutEtag(*updated), EqualsProto(expected));
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateWithEtagOfMissingConnectorIsAbortedEvenWithCreateIfMissing) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-gone"));
  const std::string id = created.id();
  ASSERT_THAT(sync().Delete(id), IsOk());
  UpdateCommand command =
      MakeUpdate(SampleConnector(id), {"display_name"}, created.etag());
  command.create_if_missing = true;
  EXPECT_THAT(sync().Update(std::move(command)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(id)));
  EXPECT_THAT(sync().Get(id),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(id)));
}

TEST_P(ConnectorStoreConformanceTest, UpdateWithTheCurrentEtagSucceeds) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-cas"));
  absl::StatusOr<NdesConnector> updated =
      sync().Update(RenameCommand(created.id(), "checked", created.etag()));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name(), "checked");
  EXPECT_NE(updated->etag(), created.etag());
}

TEST_P(ConnectorStoreConformanceTest,
       UpdateWithStaleEtagIsAbortedAndWritesNothing) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-stale"));
  const std::string id = created.id();
  absl::StatusOr<NdesConnector> current =
      sync().Update(RenameCommand(id, "second"));
  ASSERT_THAT(current, IsOk());

  EXPECT_THAT(sync().Update(RenameCommand(id, "lost", created.etag())),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(id)));
  absl::StatusOr<NdesConnector> got = sync().Get(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(*current));
}

TEST_P(ConnectorStoreConformanceTest, UpdateWithMadeUpEtagIsAborted) {
  const std::string id = MustCreate(SampleConnector("ndes-made-up")).id();
  EXPECT_THAT(sync().Update(RenameCommand(id, "x", "not-an-etag")),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(id)));
}

// --- Delete ------------------------------------------------------------------

TEST_P(ConnectorStoreConformanceTest, DeleteRemovesTheConnector) {
  const std::string deleted = MustCreate(SampleConnector("ndes-del")).id();
  const std::string kept = MustCreate(SampleConnector("ndes-keep")).id();
  ASSERT_THAT(sync().Delete(deleted), IsOk());
  EXPECT_THAT(sync().Get(deleted),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(deleted)));
  absl::StatusOr<std::vector<NdesConnector>> all = sync().ListAll();
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(IdsOf(*all), ElementsAre(kept));
}

TEST_P(ConnectorStoreConformanceTest, DeleteOfMissingIdIsNotFoundNamingTheId) {
  EXPECT_THAT(sync().Delete("ndes-none"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-none")));
  EXPECT_THAT(sync().Delete("ndes-none", "W/\"1\""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ndes-none")));
}

TEST_P(ConnectorStoreConformanceTest,
       DeleteWithStaleEtagIsAbortedAndKeepsTheConnector) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-del"));
  const std::string id = created.id();
  absl::StatusOr<NdesConnector> current =
      sync().Update(RenameCommand(id, "changed"));
  ASSERT_THAT(current, IsOk());
  EXPECT_THAT(sync().Delete(id, created.etag()),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(id)));
  absl::StatusOr<NdesConnector> got = sync().Get(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(*got, EqualsProto(*current));
}

TEST_P(ConnectorStoreConformanceTest, DeleteWithTheCurrentEtagSucceeds) {
  const NdesConnector created = MustCreate(SampleConnector("ndes-del"));
  EXPECT_THAT(sync().Delete(created.id(), created.etag()), IsOk());
  EXPECT_THAT(sync().Get(created.id()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(created.id())));
}

TEST_P(ConnectorStoreConformanceTest,
       EtagsAreNeverReusedAcrossDeleteAndRecreate) {
  std::set<std::string> etags;
  auto remember = [&](const std::string& etag) {
    EXPECT_TRUE(etags.insert(etag).second) << "etag " << etag << " reused";
  };
  std::string etag_before_delete;
  for (int round = 0; round < 3; ++round) {
    // With ids the store assigns, each round is another id.
    const NdesConnector created = MustCreate(SampleConnector("ndes-again"));
    const std::string id = created.id();
    remember(created.etag());
    absl::StatusOr<NdesConnector> updated =
        sync().Update(RenameCommand(id, "same"));
    ASSERT_THAT(updated, IsOk());
    remember(updated->etag());
    if (!etag_before_delete.empty()) {
      // The etag of an earlier incarnation never matches the new one.
      EXPECT_THAT(sync().Update(RenameCommand(id, "x", etag_before_delete)),
                  StatusIs(absl::StatusCode::kAborted, HasSubstr(id)));
    }
    etag_before_delete = updated->etag();
    ASSERT_THAT(sync().Delete(id), IsOk());
  }
}

// --- List --------------------------------------------------------------------

TEST_P(ConnectorStoreConformanceTest, ListOfEmptyStoreIsOneEmptyPage) {
  absl::StatusOr<ListPage> page = sync().List(kDefaultPageSize);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->connectors, IsEmpty());
  EXPECT_THAT(page->next_page_token, IsEmpty());
}

TEST_P(ConnectorStoreConformanceTest, ListOrdersConnectorsByIdBytes) {
  std::vector<std::string> ids;
  for (const char* id : {"b", "a.1", "c", "_x", "A", "0", "a"}) {
    ids.push_back(MustCreate(SampleConnector(id)).id());
  }
  if (traits().keeps_caller_ids) {
    EXPECT_THAT(Sorted(ids), ElementsAre("0", "A", "_x", "a", "a.1", "b", "c"));
  }
  absl::StatusOr<std::vector<NdesConnector>> all = sync().ListAll();
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(IdsOf(*all), ElementsAreArray(Sorted(ids)));
}

TEST_P(ConnectorStoreConformanceTest, ListAnswersConnectorsAsGetDoes) {
  MustCreate(SampleConnector("ndes-1"));
  const std::string second = MustCreate(SampleConnector("ndes-2")).id();
  ASSERT_THAT(sync().Update(RenameCommand(second, "renamed")), IsOk());
  absl::StatusOr<std::vector<NdesConnector>> all = sync().ListAll();
  ASSERT_THAT(all, IsOk());
  ASSERT_THAT(*all, SizeIs(2));
  for (const NdesConnector& listed : *all) {
    absl::StatusOr<NdesConnector> got = sync().Get(listed.id());
    ASSERT_THAT(got, IsOk());
    EXPECT_THAT(listed, EqualsProto(*got));
  }
}

TEST_P(ConnectorStoreConformanceTest,
       ListPagesCoverEveryConnectorExactlyOnceInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    // Created out of order: 7 is coprime with 23.
    ids.push_back(
        MustCreate(SampleConnector(absl::StrCat("ndes-", (i * 7) % 23 + 100)))
            .id());
  }
  std::sort(ids.begin(), ids.end());
  for (int page_size : {1, 2, 5, 22, 23, 24, kMaxPageSize}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    std::vector<std::string> seen;
    std::string token;
    for (int pages = 0; pages <= 23; ++pages) {
      absl::StatusOr<ListPage> page = sync().List(page_size, token);
      ASSERT_THAT(page, IsOk());
      EXPECT_LE(static_cast<int>(page->connectors.size()), page_size);
      for (const NdesConnector& connector : page->connectors) {
        seen.push_back(connector.id());
      }
      token = page->next_page_token;
      if (token.empty()) break;
    }
    EXPECT_THAT(token, IsEmpty()) << "pages did not end";
    EXPECT_THAT(seen, ElementsAreArray(ids));
  }
}

TEST_P(ConnectorStoreConformanceTest,
       ListPagesStayWithinTheirBytesAndStillCoverEveryConnector) {
  // About 12 KiB each: a 40 KiB page holds three.
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    NdesConnector connector = SampleConnector(absl::StrCat("big-", i));
    connector.clear_role_scope_tag_ids();
    for (int tag = 0; tag < 100; ++tag) {
      connector.add_role_scope_tag_ids(
          absl::StrCat(tag, std::string(120, 't')));
    }
    ids.push_back(MustCreate(connector).id());
  }
  constexpr std::size_t kPageBytes = 40 * 1024;
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<ListPage> page =
        sync().List(kMaxPageSize, token, kPageBytes);
    ASSERT_THAT(page, IsOk());
    ASSERT_FALSE(page->connectors.empty());
    std::size_t bytes = 0;
    for (const NdesConnector& connector : page->connectors) {
      bytes += connector.ByteSizeLong();
      seen.push_back(connector.id());
    }
    EXPECT_LE(bytes, kPageBytes);
    token = page->next_page_token;
  } while (!token.empty() && ++pages < 20);
  EXPECT_THAT(seen, ElementsAreArray(Sorted(ids)));
  EXPECT_GE(pages, 3);
  // A page always holds at least one connector, however small its budget.
  absl::StatusOr<ListPage> one = sync().List(kMaxPageSize, "", 1);
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->connectors.size(), 1u);
  EXPECT_THAT(one->next_page_token, Not(IsEmpty()));
}

TEST_P(ConnectorStoreConformanceTest, ListRejectsPageTokensItDidNotIssue) {
  MustCreate(SampleConnector("ndes-1"));
  MustCreate(SampleConnector("ndes-2"));
  for (const char* token : {"garbage", "!!!!", "AAAA", "bm90IGEgdG9rZW4", " ",
                            "%2F..%2F", "ndes-1"}) {
    SCOPED_TRACE(token);
    EXPECT_THAT(
        sync().List(1, token),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  }
}

TEST_P(ConnectorStoreConformanceTest, ListRejectsAnAlteredPageToken) {
  MustCreate(SampleConnector("ndes-1"));
  MustCreate(SampleConnector("ndes-2"));
  absl::StatusOr<ListPage> first = sync().List(1);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(first->next_page_token, Not(IsEmpty()));
  EXPECT_THAT(
      sync().List(1, first->next_page_token + "$"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_P(ConnectorStoreConformanceTest,
       ListTokenStaysValidAfterItsLastConnectorIsDeleted) {
  std::vector<std::string> ids;
  for (const char* id : {"a", "b", "c", "d"}) {
    ids.push_back(MustCreate(SampleConnector(id)).id());
  }
  ids = Sorted(ids);
  absl::StatusOr<ListPage> first = sync().List(2);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(IdsOf(first->connectors), ElementsAre(ids[0], ids[1]));
  ASSERT_THAT(sync().Delete(ids[1]), IsOk());
  absl::StatusOr<ListPage> second = sync().List(2, first->next_page_token);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(IdsOf(second->connectors), ElementsAre(ids[2], ids[3]));
}

// --- Concurrency and callbacks -----------------------------------------------

TEST_P(ConnectorStoreConformanceTest,
       ConcurrentConditionalIncrementsLoseNoUpdate) {
  constexpr int kThreads = 8;
  constexpr int kIncrementsPerThread = 50;
  NdesConnector counter;
  counter.set_id("ndes-counter");
  counter.set_display_name("0");
  const std::string id = MustCreate(counter).id();

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        bool done = false;
        // Bounded, so a store that never lets a write through fails.
        for (int attempt = 0; !done && attempt < 100000; ++attempt) {
          absl::StatusOr<NdesConnector> current = sync().Get(id);
          int value = 0;
          if (!current.ok() ||
              !absl::SimpleAtoi(current->display_name(), &value)) {
            failures.fetch_add(1);
            return;
          }
          absl::StatusOr<NdesConnector> updated = sync().Update(
              RenameCommand(id, absl::StrCat(value + 1), current->etag()));
          if (updated.ok()) {
            done = true;
          } else if (!absl::IsAborted(updated.status())) {
            failures.fetch_add(1);
            return;
          }
        }
        if (!done) {
          failures.fetch_add(1);
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<NdesConnector> final_value = sync().Get(id);
  ASSERT_THAT(final_value, IsOk());
  EXPECT_EQ(final_value->display_name(),
            absl::StrCat(kThreads * kIncrementsPerThread));
}

TEST_P(ConnectorStoreConformanceTest,
       ConcurrentWritersOnDistinctConnectorsAllSucceed) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> kept(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<NdesConnector> created =
            sync().Create(SampleConnector(absl::StrCat("ndes-", t, "-", i)));
        const std::string id = created.ok() ? created->id() : std::string();
        absl::StatusOr<NdesConnector> renamed = sync().Update(RenameCommand(
            id, "renamed", created.ok() ? created->etag() : std::string()));
        absl::Status deleted =
            i % 2 == 0 ? sync().Delete(
                             id, renamed.ok() ? renamed->etag() : std::string())
                       : absl::OkStatus();
        if (!created.ok() || !renamed.ok() || !deleted.ok()) {
          failures.fetch_add(1);
        } else if (i % 2 == 1) {
          kept[t].push_back(id);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::vector<std::string> expected;
  for (const std::vector<std::string>& ids : kept) {
    expected.insert(expected.end(), ids.begin(), ids.end());
  }
  std::sort(expected.begin(), expected.end());
  absl::StatusOr<std::vector<NdesConnector>> all = sync().ListAll(7);
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(IdsOf(*all), ElementsAreArray(expected));
  for (const NdesConnector& connector : *all) {
    EXPECT_EQ(connector.display_name(), "renamed");
  }
}

TEST_P(ConnectorStoreConformanceTest, CallbackMayCallTheStoreAgain) {
  // Shared: should the test give up waiting, a late callback still finds it.
  auto nested = std::make_shared<std::promise<absl::StatusOr<NdesConnector>>>();
  std::future<absl::StatusOr<NdesConnector>> answer = nested->get_future();
  ConnectorStore* store_ptr = &store();
  SyncStore* sync_ptr = &sync();
  store().Create(
      CallContext(), SampleConnector("ndes-nested"),
      sync().Track(StoreCallback<NdesConnector>(
          [nested, store_ptr, sync_ptr](absl::StatusOr<NdesConnector> created) {
            if (!created.ok()) {
              nested->set_value(created.status());
              return;
            }
            // From inside a callback: must neither deadlock nor be lost.
            store_ptr->Update(
                CallContext(), RenameCommand(created->id(), "from callback"),
                sync_ptr->Track(StoreCallback<NdesConnector>(
                    [nested](absl::StatusOr<NdesConnector> updated) {
                      nested->set_value(std::move(updated));
                    })));
          })));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(60)),
            std::future_status::ready)
      << "the nested call was never answered";
  absl::StatusOr<NdesConnector> updated = answer.get();
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name(), "from callback");
}

TEST_P(ConnectorStoreConformanceTest,
       EveryCallbackRunsExactlyOnceEvenWithCallsInFlightAtDestruction) {
  const std::string busy = MustCreate(SampleConnector("ndes-busy")).id();
  std::shared_ptr<CallbackCounts> counts = sync().counts();
  constexpr int kCalls = 60;
  std::atomic<int> answered{0};
  ListQuery small_page;
  small_page.page_size = 5;
  for (int i = 0; i < kCalls; ++i) {
    const std::string id = absl::StrCat("ndes-", i);
    auto count = [&answered](auto) { answered.fetch_add(1); };
    switch (i % 4) {
      case 0:
        store().Create(CallContext(), SampleConnector(id),
                       sync().Track(StoreCallback<NdesConnector>(count)));
        break;
      case 1:
        store().Update(CallContext(), RenameCommand(busy, id),
                       sync().Track(StoreCallback<NdesConnector>(count)));
        break;
      case 2:
        store().Delete(CallContext(), id, "",
                       sync().Track(StatusCallback(count)));
        break;
      default:
        store().List(CallContext(), small_page,
                     sync().Track(StoreCallback<ListPage>(count)));
        break;
    }
  }
  DestroyStore();
  EXPECT_EQ(answered.load(), kCalls);
  EXPECT_EQ(counts->invoked.load(), counts->issued.load());
  EXPECT_EQ(counts->repeated.load(), 0);
}

}  // namespace
}  // namespace ndes::store::testing
