// ndes-populate-store: fills a SQLite store file with many connectors fast,
// through the store's own code, for measurements at scale.
//
//   ndes-populate-store --path=/tmp/x/bench.db --rows=1000000
//
// Creates connectors "row-0000000", "row-0000001", ... (ids of 7 digits, so
// that a load generator can name any of them with a fixed-width id) with
// SqliteConnectorStore::Create, queuing --batch of them at a time so that
// the store's writer commits each burst in one transaction, and closes the
// store cleanly, so that the next Open skips the full check. The file must
// not hold those ids yet (a missing file is created). Prints one JSON line:
// {"rows":N,"seconds":..,"rows_per_second":..}. Exit 1 on any failed
// write, 2 on a usage error.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/sqlite_connector_store.h"

ABSL_FLAG(std::string, path, "", "the SQLite store file to fill");
ABSL_FLAG(int64_t, rows, 1000, "how many connectors to create");
ABSL_FLAG(int64_t, first, 0, "the number of the first id");
ABSL_FLAG(int64_t, batch, 20000, "creates queued at once (one transaction)");

namespace {

// The id of connector number `n`, as load generators name it.
std::string RowId(int64_t n) { return absl::StrFormat("row-%07d", n); }

ndes::v1::NdesConnector RowConnector(int64_t n) {
  ndes::v1::NdesConnector connector;
  connector.set_id(RowId(n));
  connector.set_display_name(absl::StrFormat("NDES %d", n));
  connector.set_state(ndes::v1::NDES_CONNECTOR_STATE_ACTIVE);
  connector.mutable_last_connection_date_time()->set_seconds(1795860930);
  connector.set_machine_name(absl::StrFormat("ndes%d.contoso.local", n));
  connector.mutable_enrolled_date_time()->set_seconds(1483257516);
  connector.add_role_scope_tag_ids("0");
  connector.set_connector_version("6.2301.1.0");
  return connector;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "fills a SQLite store with connectors row-0000000, row-0000001, ...");
  absl::ParseCommandLine(argc, argv);
  const std::string path = absl::GetFlag(FLAGS_path);
  const int64_t rows = absl::GetFlag(FLAGS_rows);
  const int64_t first = absl::GetFlag(FLAGS_first);
  const int64_t batch = absl::GetFlag(FLAGS_batch);
  if (path.empty() || rows < 0 || first < 0 || batch < 1 ||
      first + rows > 10000000) {
    std::fprintf(stderr,
                 "usage: ndes-populate-store --path=FILE --rows=N "
                 "[--first=N] [--batch=N] (ids up to row-9999999)\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<ndes::store::SqliteConnectorStore>> store =
      ndes::store::SqliteConnectorStore::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  for (int64_t begin = first; begin < first + rows; begin += batch) {
    const int64_t end = std::min(first + rows, begin + batch);
    std::vector<std::future<absl::Status>> done;
    done.reserve(static_cast<std::size_t>(end - begin));
    for (int64_t n = begin; n < end; ++n) {
      auto promise = std::make_shared<std::promise<absl::Status>>();
      done.push_back(promise->get_future());
      (*store)->Create(
          {}, RowConnector(n),
          [promise](absl::StatusOr<ndes::v1::NdesConnector> created) {
            promise->set_value(created.status());
          });
    }
    for (std::future<absl::Status>& result : done) {
      if (absl::Status status = result.get(); !status.ok()) {
        std::fprintf(stderr, "%s\n", status.ToString().c_str());
        return 1;
      }
    }
  }
  store->reset();  // a clean close
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("{\"rows\":%lld,\"seconds\":%.3f,\"rows_per_second\":%.0f}\n",
              static_cast<long long>(rows), seconds,
              seconds > 0 ? static_cast<double>(rows) / seconds : 0.0);
  return 0;
}
