#include "store/store_test_support.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "ndes/v1/connector_fields.h"
#include "translation/field_mask_plan.h"

namespace ndes::store::testing {
namespace {

// Long enough for a loaded CI machine with sanitizers; only reached when a
// store never answers.
constexpr auto kCallbackTimeout = std::chrono::seconds(60);

// Wraps `done` so that every invocation is counted and only the first one
// reaches it.
template <typename Arg>
absl::AnyInvocable<void(Arg) &&> Counted(
    std::shared_ptr<CallbackCounts> counts,
    absl::AnyInvocable<void(Arg) &&> done) {
  counts->issued.fetch_add(1);
  return [counts = std::move(counts), done = std::move(done),
          called = false](Arg result) mutable {
    counts->invoked.fetch_add(1);
    if (called) {
      counts->repeated.fetch_add(1);
      return;
    }
    called = true;
    std::move(done)(std::move(result));
  };
}

// Runs `start` with a callback and waits for the callback's argument.
template <typename Arg, typename Start>
Arg Await(Start start, Arg on_timeout) {
  auto promise = std::make_shared<std::promise<Arg>>();
  std::future<Arg> future = promise->get_future();
  start(
      [promise](Arg result) mutable { promise->set_value(std::move(result)); });
  if (future.wait_for(kCallbackTimeout) != std::future_status::ready) {
    ADD_FAILURE() << "the store did not invoke the callback within "
                  << kCallbackTimeout.count() << "s";
    return on_timeout;
  }
  return future.get();
}

absl::Status Timeout() {
  return absl::DeadlineExceededError("the store never invoked the callback");
}

}  // namespace

ndes::v1::NdesConnector SampleConnector(const std::string& id) {
  ndes::v1::NdesConnector connector;
  connector.set_id(id);
  connector.set_display_name("NDES-01");
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  // 2026-11-28T10:15:30.6670033Z, with Graph's 7 fractional digits.
  connector.mutable_last_connection_date_time()->set_seconds(1795860930);
  connector.mutable_last_connection_date_time()->set_nanos(667003300);
  connector.set_machine_name("ndes01.contoso.com");
  // 2017-01-01T07:58:36Z.
  connector.mutable_enrolled_date_time()->set_seconds(1483257516);
  connector.add_role_scope_tag_ids("0");
  connector.add_role_scope_tag_ids("7");
  connector.set_connector_version("6.2301.1.0");
  return connector;
}

ndes::v1::NdesConnector WithoutEtag(ndes::v1::NdesConnector connector) {
  connector.clear_etag();
  return connector;
}

std::vector<std::string> IdsOf(
    const std::vector<ndes::v1::NdesConnector>& connectors) {
  std::vector<std::string> ids;
  for (const ndes::v1::NdesConnector& connector : connectors) {
    ids.push_back(connector.id());
  }
  return ids;
}

UpdateCommand MakeUpdate(const ndes::v1::NdesConnector& values,
                         const std::vector<std::string>& mask_paths,
                         std::string expected_etag) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : mask_paths) mask.add_paths(path);
  UpdateCommand command;
  command.id = values.id();
  command.expected_etag = std::move(expected_etag);
  absl::StatusOr<translation::FieldMaskPlan> plan =
      translation::PlanFieldMask(mask, values);
  if (!plan.ok()) {
    ADD_FAILURE() << "PlanFieldMask refused the test's mask: " << plan.status();
    return command;
  }
  command.fields = plan->fields;
  command.values = values;
  return command;
}

UpdateCommand RenameCommand(const std::string& id,
                            const std::string& display_name,
                            std::string expected_etag) {
  // Built directly, not planned: stores take a name of any length (the
  // field limits are the service's), and store tests write long ones.
  UpdateCommand command;
  command.id = id;
  command.expected_etag = std::move(expected_etag);
  command.fields = v1::ConnectorFieldSet{v1::ConnectorField::kDisplayName};
  command.values.set_id(id);
  command.values.set_display_name(display_name);
  return command;
}

absl::StatusOr<ndes::v1::NdesConnector> SyncStore::Get(const std::string& id) {
  using Result = absl::StatusOr<ndes::v1::NdesConnector>;
  return Await<Result>(
      [&](StoreCallback<ndes::v1::NdesConnector> done) {
        store_->Get(CallContext(), id, Track(std::move(done)));
      },
      Timeout());
}

absl::StatusOr<ListPage> SyncStore::List(int page_size,
                                         const std::string& page_token,
                                         std::size_t max_page_bytes) {
  ListQuery query;
  query.page_size = page_size;
  query.page_token = page_token;
  return List(std::move(query), max_page_bytes);
}

absl::StatusOr<ListPage> SyncStore::List(ListQuery query,
                                         std::size_t max_page_bytes) {
  using Result = absl::StatusOr<ListPage>;
  CallContext context;
  context.max_page_bytes = max_page_bytes;
  return Await<Result>(
      [&](StoreCallback<ListPage> done) {
        store_->List(context, std::move(query), Track(std::move(done)));
      },
      Timeout());
}

absl::StatusOr<ndes::v1::NdesConnector> SyncStore::Create(
    ndes::v1::NdesConnector connector) {
  using Result = absl::StatusOr<ndes::v1::NdesConnector>;
  return Await<Result>(
      [&](StoreCallback<ndes::v1::NdesConnector> done) {
        store_->Create(CallContext(), std::move(connector),
                       Track(std::move(done)));
      },
      Timeout());
}

absl::StatusOr<ndes::v1::NdesConnector> SyncStore::Update(
    UpdateCommand command) {
  using Result = absl::StatusOr<ndes::v1::NdesConnector>;
  return Await<Result>(
      [&](StoreCallback<ndes::v1::NdesConnector> done) {
        store_->Update(CallContext(), std::move(command),
                       Track(std::move(done)));
      },
      Timeout());
}

absl::Status SyncStore::Delete(const std::string& id,
                               const std::string& expected_etag) {
  return Await<absl::Status>(
      [&](StatusCallback done) {
        store_->Delete(CallContext(), id, expected_etag,
                       Track(std::move(done)));
      },
      Timeout());
}

absl::StatusOr<std::vector<ndes::v1::NdesConnector>> SyncStore::ListAll(
    int page_size) {
  std::vector<ndes::v1::NdesConnector> all;
  std::string token;
  // Far more pages than any test creates connectors: a store whose tokens
  // never end fails here instead of looping forever.
  for (int pages = 0; pages < 10000; ++pages) {
    absl::StatusOr<ListPage> page = List(page_size, token);
    if (!page.ok()) return page.status();
    for (ndes::v1::NdesConnector& connector : page->connectors) {
      all.push_back(std::move(connector));
    }
    if (page->next_page_token.empty()) return all;
    token = page->next_page_token;
  }
  ADD_FAILURE() << "List kept answering page tokens";
  return all;
}

StoreCallback<ndes::v1::NdesConnector> SyncStore::Track(
    StoreCallback<ndes::v1::NdesConnector> done) {
  return Counted<absl::StatusOr<ndes::v1::NdesConnector>>(counts_,
                                                          std::move(done));
}

StoreCallback<ListPage> SyncStore::Track(StoreCallback<ListPage> done) {
  return Counted<absl::StatusOr<ListPage>>(counts_, std::move(done));
}

StatusCallback SyncStore::Track(StatusCallback done) {
  return Counted<absl::Status>(counts_, std::move(done));
}

std::string MakeScratchDir() {
  std::string pattern = ::testing::TempDir();
  if (pattern.empty() || pattern.back() != '/') pattern += '/';
  pattern += "ndes-store-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot make a scratch directory from " << pattern;
    return ::testing::TempDir();
  }
  return pattern;
}

void RemoveScratchDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  EXPECT_FALSE(error) << "cannot remove " << dir << ": " << error.message();
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

}  // namespace ndes::store::testing
