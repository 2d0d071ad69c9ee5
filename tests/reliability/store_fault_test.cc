// Store faults seen from the gateway process: a store file damaged after a
// real gateway wrote it, a store path that cannot be created even by root,
// a file held by another gateway process, and a disk that fills up in the
// middle of a write.
//
// Complements tests/server/gateway_process_test.cc (a file of garbage, a
// missing directory) and tests/store/sqlite_connector_store_test.cc (the
// same refusals at the store level, a failed commit through SQLite's fault
// hooks).

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"
#include "support/gateway_process.h"
#include "support/health_probe.h"
#include "support/temp_dir.h"

namespace ndes::testing {
namespace {

using ::ndes::v1::NdesConnector;
using ::ndes::v1::NdesConnectorService;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class Client {
 public:
  explicit Client(const GatewayProcess& gateway)
      : stub_(NdesConnectorService::NewStub(gateway.Channel())) {}

  grpc::Status Create(const std::string& id, const std::string& name) {
    v1::CreateNdesConnectorRequest request;
    request.mutable_ndes_connector()->set_id(id);
    request.mutable_ndes_connector()->set_display_name(name);
    NdesConnector out;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub_->CreateNdesConnector(&context, request, &out);
  }

  grpc::Status Rename(const std::string& id, const std::string& name) {
    v1::UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id(id);
    request.mutable_ndes_connector()->set_display_name(name);
    request.mutable_update_mask()->add_paths("display_name");
    NdesConnector out;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub_->UpdateNdesConnectors(&context, request, &out);
  }

  // Gives `id` the most scope tags of the longest ids the limits allow.
  grpc::Status TagAll(const std::string& id) {
    v1::UpdateNdesConnectorsRequest request;
    request.mutable_ndes_connector()->set_id(id);
    for (int i = 0; i < 100; ++i) {
      request.mutable_ndes_connector()->add_role_scope_tag_ids(
          absl::StrCat(i, std::string(120, 't')));
    }
    request.mutable_update_mask()->add_paths("role_scope_tag_ids");
    NdesConnector out;
    grpc::ClientContext context;
    return stub_->UpdateNdesConnectors(&context, request, &out);
  }

  grpc::Status Get(const std::string& id, NdesConnector* out) {
    v1::GetNdesConnectorRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub_->GetNdesConnector(&context, request, out);
  }

 private:
  std::unique_ptr<NdesConnectorService::Stub> stub_;
};

// A second gateway on `path` exits 1 naming the file in use, while `first`
// (which created "owned" as "by the first") keeps serving reads and writes
// on an undamaged file; "owned" is then "still the first".
void ExpectSecondRefusedWhileFirstServes(const GatewayProcess& first,
                                         const std::string& path) {
  GatewayProcess second({"--store=sqlite:" + path});
  EXPECT_EQ(second.RunToExit(), 1);
  EXPECT_THAT(second.Log(),
              AllOf(HasSubstr(path), HasSubstr("in use by another")));
  Client client(first);
  NdesConnector owned;
  ASSERT_TRUE(client.Get("owned", &owned).ok());
  EXPECT_EQ(owned.display_name(), "by the first");
  EXPECT_TRUE(client.Rename("owned", "still the first").ok());
}

TEST(StoreFaultTest, DamagedGatewayDatabaseIsRefusedAndLeftByteIdentical) {
  TempDir dir;
  const std::string path = dir.Path("damaged.db");
  {
    GatewayProcess gateway({"--store=sqlite:" + path});
    ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
    Client client(gateway);
    // Enough rows for well over 16 pages (connectors are kept as protobuf,
    // about 250 bytes each here).
    for (int i = 0; i < 400; ++i) {
      ASSERT_TRUE(client
                      .Create(absl::StrCat("c-", i),
                              std::string(200, static_cast<char>('a' + i % 26)))
                      .ok());
    }
    ASSERT_EQ(gateway.Terminate(), 0);  // checkpoints the WAL into the file
  }
  std::string bytes = ReadFile(path);
  ASSERT_GT(bytes.size(), 16u * 4096);
  // Overwrite the middle of the table's pages; the header (page 1) stays
  // intact, so only a real check of the content can notice.
  for (std::size_t i = 5 * 4096; i < 9 * 4096; ++i) bytes[i] = '\x5a';
  WriteFile(path, bytes);

  GatewayProcess gateway({"--store=sqlite:" + path});
  EXPECT_EQ(gateway.RunToExit(), 1) << gateway.Log();
  EXPECT_THAT(gateway.Log(), HasSubstr(path));
  EXPECT_EQ(ReadFile(path), bytes) << "a refused file was modified";
  // SQLite's read-only check of a WAL-mode file leaves an empty -wal (and a
  // -shm index) beside it: nothing that could ever be replayed into it.
  EXPECT_TRUE(!std::filesystem::exists(path + "-wal") ||
              std::filesystem::file_size(path + "-wal") == 0);
}

TEST(StoreFaultTest, DeletedLockFileLetsNoSecondGatewayOpenTheFile) {
  TempDir dir;
  const std::string path = dir.Path("shared.db");
  GatewayProcess first({"--store=sqlite:" + path});
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  ASSERT_TRUE(Client(first).Create("owned", "by the first").ok());
  ASSERT_TRUE(std::filesystem::remove(path + ".lock"));

  ExpectSecondRefusedWhileFirstServes(first, path);
  EXPECT_EQ(first.Terminate(), 0);
}

// Polls the health of `gateway` until it is `expected`; false after 10 s.
bool HealthBecomes(const GatewayProcess& gateway, const std::string& expected) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (CheckHealth(gateway.Channel()) != expected) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

TEST(StoreFaultTest, DeletedStoreFileTurnsNotServingAndRefusesWrites) {
  TempDir dir;
  const std::string path = dir.Path("deleted.db");
  GatewayProcess gateway({"--store=sqlite:" + path});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  Client client(gateway);
  ASSERT_TRUE(client.Create("before", "acknowledged").ok());
  NdesConnector before;
  ASSERT_TRUE(client.Get("before", &before).ok());
  ASSERT_TRUE(std::filesystem::remove(path));

  const grpc::Status refused = client.Create("after", "into nothing");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(),
              AllOf(HasSubstr(path), HasSubstr("was deleted")));
  EXPECT_TRUE(HealthBecomes(gateway, "NOT_SERVING")) << gateway.Log();
  EXPECT_THAT(gateway.Log(), AllOf(HasSubstr("ERROR"), HasSubstr(path),
                                   HasSubstr("was deleted")));
  // What was acknowledged is still read, over the connection open to the
  // old file.
  EXPECT_TRUE(client.Get("before", &before).ok());
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(StoreFaultTest, ReplacedStoreFileTurnsNotServingAndRefusesWrites) {
  TempDir dir;
  const std::string path = dir.Path("replaced.db");
  GatewayProcess gateway({"--store=sqlite:" + path});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  Client client(gateway);
  ASSERT_TRUE(client.Create("before", "acknowledged").ok());
  // A restore of a copy, as a backup tool would do it: renamed over.
  std::filesystem::copy_file(path, dir.Path("copy.db"));
  std::filesystem::rename(dir.Path("copy.db"), path);

  const grpc::Status refused = client.Create("after", "into the old file");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(),
              AllOf(HasSubstr(path), HasSubstr("was replaced")));
  EXPECT_TRUE(HealthBecomes(gateway, "NOT_SERVING")) << gateway.Log();
  EXPECT_EQ(gateway.Terminate(), 0);
}

// Root ignores permission bits, so "unwritable" is a path no one can
// create: its directory is a regular file.
TEST(StoreFaultTest, StorePathUnderARegularFileIsRefusedNamingIt) {
  TempDir dir;
  WriteFile(dir.Path("plain-file"), "not a directory");
  const std::string path = dir.Path("plain-file/connectors.db");
  GatewayProcess gateway({"--store=sqlite:" + path});
  EXPECT_EQ(gateway.RunToExit(), 1);
  EXPECT_THAT(gateway.Log(), HasSubstr(path));
  EXPECT_EQ(ReadFile(dir.Path("plain-file")), "not a directory");
}

TEST(StoreFaultTest, FileInUseByAnotherGatewayIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.Path("shared.db");
  GatewayProcess first({"--store=sqlite:" + path});
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  {
    Client client(first);
    ASSERT_TRUE(client.Create("owned", "by the first").ok());
  }

  ExpectSecondRefusedWhileFirstServes(first, path);
  EXPECT_EQ(first.Terminate(), 0);

  // Once the first is gone, the file opens again.
  GatewayProcess third({"--store=sqlite:" + path});
  ASSERT_TRUE(third.Start().ok()) << third.Log();
  {
    Client client(third);
    NdesConnector owned;
    ASSERT_TRUE(client.Get("owned", &owned).ok());
    EXPECT_EQ(owned.display_name(), "still the first");
  }
  EXPECT_EQ(third.Terminate(), 0);
}

// Disk full: RLIMIT_FSIZE on the running gateway caps every file it writes,
// so the next write that grows the WAL fails (EFBIG) as it would on a full
// disk. The write must be answered with an error, the gateway must keep
// serving, and what was acknowledged before must survive a restart.
void RunDiskFullScenario() {
  TempDir dir;
  const std::string path = dir.Path("full.db");
  const std::string store = "--store=sqlite:" + path;
  {
    GatewayProcess gateway({store});
    ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
    Client client(gateway);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          client.Create(absl::StrCat("before-", i), "acknowledged").ok());
    }
    std::uintmax_t largest = std::filesystem::file_size(path);
    if (std::filesystem::exists(path + "-wal")) {
      largest = std::max(largest, std::filesystem::file_size(path + "-wal"));
    }
    rlimit limit{largest + 4 * 1024, RLIM_INFINITY};
    ASSERT_EQ(prlimit(gateway.pid(), RLIMIT_FSIZE, &limit, nullptr), 0)
        << std::strerror(errno);

    // The largest connector the field limits allow (about 13 KiB of scope
    // tags) needs more WAL frames than the limit leaves.
    grpc::Status big = client.TagAll("before-0");
    EXPECT_FALSE(big.ok()) << "a write past the file size limit was acknowledged";
    EXPECT_EQ(big.error_code(), grpc::StatusCode::UNAVAILABLE)
        << big.error_message();
    ASSERT_EQ(CheckHealth(gateway.Channel()), "SERVING")
        << "exit status " << gateway.WaitForExit(absl::Seconds(1))
        << " (-25 is SIGXFSZ)\n"
        << gateway.Log();

    NdesConnector before;
    ASSERT_TRUE(client.Get("before-0", &before).ok()) << gateway.Log();
    EXPECT_EQ(before.display_name(), "acknowledged");

    // Space is back: writes work again without a restart.
    limit = {RLIM_INFINITY, RLIM_INFINITY};
    ASSERT_EQ(prlimit(gateway.pid(), RLIMIT_FSIZE, &limit, nullptr), 0);
    grpc::Status after = client.Rename("before-1", "after the fault");
    EXPECT_TRUE(after.ok()) << after.error_message() << "\n" << gateway.Log();
    EXPECT_EQ(gateway.Terminate(), 0) << gateway.Log();
  }
  GatewayProcess restarted({store});
  ASSERT_TRUE(restarted.Start().ok()) << restarted.Log();
  Client client(restarted);
  for (int i = 0; i < 20; ++i) {
    NdesConnector stored;
    ASSERT_TRUE(client.Get(absl::StrCat("before-", i), &stored).ok()) << i;
    EXPECT_EQ(stored.display_name(),
              i == 1 ? "after the fault" : "acknowledged")
        << i;
  }
  EXPECT_EQ(restarted.Terminate(), 0);
}

// The gateway's own disposition of SIGXFSZ is what a real file size limit
// (ulimit -f, a container's) meets: the gateway ignores it, so write(2)
// fails with EFBIG and SQLite reports an I/O error instead of the default
// action killing the process at the first write past the limit.
TEST(StoreFaultTest, DiskFullWriteIsAnErrorAndTheGatewayKeepsServing) {
  RunDiskFullScenario();
}

// The store's part alone: with SIGXFSZ ignored (inherited through
// posix_spawn), the write fails with EFBIG and SQLite reports it.
TEST(StoreFaultTest, DiskFullWithSigxfszIgnoredIsAnErrorAndLosesNothing) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous = {};
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &previous), 0);
  RunDiskFullScenario();
  sigaction(SIGXFSZ, &previous, nullptr);
}

}  // namespace
}  // namespace ndes::testing
