#include "auth/key_source.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/jwt_minter.h"

namespace ndes::auth {
namespace {

using ::ndes::testing::JwtMinter;
using ::testing::HasSubstr;

// A clock the test moves by hand.
class FakeClock {
 public:
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1795860000);
};

class JwksFileKeySourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    minter_ = new JwtMinter;
    minter_->AddRsaKey("k1");
    minter_->AddEcKey("k2");
  }
  static void TearDownTestSuite() {
    delete minter_;
    minter_ = nullptr;
  }

  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "ndes-key-source-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/jwks.json";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  JwksFileOptions Options() {
    JwksFileOptions options;
    options.path = path_;
    options.clock = [this] { return clock_.Now(); };
    return options;
  }

  std::unique_ptr<JwksFileKeySource> Create() {
    absl::StatusOr<std::unique_ptr<JwksFileKeySource>> source =
        JwksFileKeySource::Create(Options());
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }

  static JwtMinter* minter_;
  FakeClock clock_;
  std::string dir_;
  std::string path_;
};

JwtMinter* JwksFileKeySourceTest::minter_ = nullptr;

TEST_F(JwksFileKeySourceTest, FindsKeysOfTheFile) {
  minter_->WriteJwks(path_, {"k1", "k2"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const JsonWebKey> k1 = source->FindKey("k1");
  ASSERT_NE(k1, nullptr);
  EXPECT_EQ(k1->kid, "k1");
  EXPECT_EQ(k1->type, KeyType::kRsa);
  ASSERT_NE(source->FindKey("k2"), nullptr);
  EXPECT_EQ(source->FindKey("k2")->type, KeyType::kEcP256);
  EXPECT_EQ(source->FindKey("k3"), nullptr);
  EXPECT_EQ(source->Current()->size(), 2u);
  EXPECT_EQ(source->file_reads(), 1);
  EXPECT_TRUE(source->last_reload_status().ok());
}

TEST_F(JwksFileKeySourceTest, CreateNamesAMissingFile) {
  absl::StatusOr<std::unique_ptr<JwksFileKeySource>> source =
      JwksFileKeySource::Create(Options());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(source.status().message(), HasSubstr(path_));
}

TEST_F(JwksFileKeySourceTest, CreateNamesAFileWithoutUsableKeys) {
  { std::ofstream(path_) << R"({"keys":[{"kty":"oct","kid":"s","k":"AA"}]})"; }
  absl::StatusOr<std::unique_ptr<JwksFileKeySource>> source =
      JwksFileKeySource::Create(Options());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr(path_));
  EXPECT_THAT(source.status().message(), HasSubstr("no usable signing key"));
}

TEST_F(JwksFileKeySourceTest,
       UnknownKidPicksUpARotatedKeyOnceTheIntervalPassed) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  minter_->WriteJwks(path_, {"k1", "k2"});

  clock_.Advance(absl::Seconds(9));
  EXPECT_EQ(source->FindKey("k2"), nullptr);
  EXPECT_EQ(source->file_reads(), 1);

  clock_.Advance(absl::Seconds(1));
  std::shared_ptr<const JsonWebKey> k2 = source->FindKey("k2");
  ASSERT_NE(k2, nullptr);
  EXPECT_EQ(k2->kid, "k2");
  EXPECT_EQ(source->file_reads(), 2);
  EXPECT_NE(source->FindKey("k1"), nullptr);
}

TEST_F(JwksFileKeySourceTest, AFloodOfUnknownKidsReadsTheFileOncePerInterval) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);

  clock_.Advance(absl::Seconds(10));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(source->FindKey(absl::StrCat("made-up-", i)), nullptr);
  }
  EXPECT_EQ(source->file_reads(), 2);

  clock_.Advance(absl::Seconds(9));
  for (int i = 0; i < 100; ++i) source->FindKey("made-up");
  EXPECT_EQ(source->file_reads(), 2);

  clock_.Advance(absl::Seconds(1));
  for (int i = 0; i < 100; ++i) source->FindKey("made-up");
  EXPECT_EQ(source->file_reads(), 3);
}

TEST_F(JwksFileKeySourceTest, FloodFromManyThreadsReadsTheFileOnce) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  clock_.Advance(absl::Seconds(10));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&source, t] {
      for (int i = 0; i < 200; ++i) {
        source->FindKey(absl::StrCat("t", t, "-", i));
        source->FindKey("k1");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(source->file_reads(), 2);
}

TEST_F(JwksFileKeySourceTest, AnUnchangedFileIsNotReadForKnownKids) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(10));
    EXPECT_NE(source->FindKey("k1"), nullptr);
  }
  EXPECT_EQ(source->file_reads(), 1);
}

TEST_F(JwksFileKeySourceTest, AWithdrawnKeyGoesOnceTheFileChanged) {
  minter_->WriteJwks(path_, {"k1", "k2"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  minter_->WriteJwks(path_, {"k2"});

  clock_.Advance(absl::Seconds(5));
  EXPECT_NE(source->FindKey("k1"), nullptr);  // not looked at yet
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(source->FindKey("k1"), nullptr);
  EXPECT_EQ(source->file_reads(), 2);
  EXPECT_NE(source->FindKey("k2"), nullptr);
}

// Kubernetes mounts a Secret as name -> ..data/name, ..data -> a
// timestamped directory, and updates it by swapping ..data atomically.
TEST_F(JwksFileKeySourceTest, FollowsAKubernetesSymlinkSwap) {
  namespace fs = std::filesystem;
  fs::create_directory(dir_ + "/ts1");
  fs::create_directory(dir_ + "/ts2");
  minter_->WriteJwks(dir_ + "/ts1/jwks.json", {"k1"});
  minter_->WriteJwks(dir_ + "/ts2/jwks.json", {"k2"});
  fs::create_directory_symlink("ts1", dir_ + "/..data");
  fs::create_symlink("..data/jwks.json", path_);

  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  EXPECT_NE(source->FindKey("k1"), nullptr);

  fs::create_directory_symlink("ts2", dir_ + "/..data_tmp");
  fs::rename(dir_ + "/..data_tmp", dir_ + "/..data");
  clock_.Advance(absl::Seconds(10));
  EXPECT_NE(source->FindKey("k2"), nullptr);
  EXPECT_EQ(source->FindKey("k1"), nullptr);
}

TEST_F(JwksFileKeySourceTest, ABrokenFileKeepsTheKeysInUse) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  { std::ofstream(path_) << "{\"keys\": [trunc"; }

  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(source->FindKey("k2"), nullptr);
  EXPECT_EQ(source->file_reads(), 2);
  EXPECT_EQ(source->last_reload_status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source->last_reload_status().message(), HasSubstr(path_));
  EXPECT_NE(source->FindKey("k1"), nullptr);

  // Fixed again: picked up at the next look.
  minter_->WriteJwks(path_, {"k1", "k2"});
  clock_.Advance(absl::Seconds(10));
  EXPECT_NE(source->FindKey("k2"), nullptr);
  EXPECT_TRUE(source->last_reload_status().ok());
}

TEST_F(JwksFileKeySourceTest, AMissingFileKeepsTheKeysInUse) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  std::remove(path_.c_str());
  clock_.Advance(absl::Seconds(10));
  EXPECT_NE(source->FindKey("k1"), nullptr);
  EXPECT_EQ(source->file_reads(), 2);
  EXPECT_EQ(source->last_reload_status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(JwksFileKeySourceTest, ReloadIgnoresTheRateLimit) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  minter_->WriteJwks(path_, {"k2"});
  EXPECT_TRUE(source->Reload().ok());
  EXPECT_EQ(source->file_reads(), 2);
  EXPECT_NE(source->FindKey("k2"), nullptr);
}

TEST_F(JwksFileKeySourceTest, AKeyOutlivesTheSnapshotItCameFrom) {
  minter_->WriteJwks(path_, {"k1"});
  std::unique_ptr<JwksFileKeySource> source = Create();
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const JsonWebKey> k1 = source->FindKey("k1");
  ASSERT_NE(k1, nullptr);
  minter_->WriteJwks(path_, {"k2"});
  ASSERT_TRUE(source->Reload().ok());
  source.reset();
  EXPECT_EQ(k1->kid, "k1");
  EXPECT_NE(k1->public_key, nullptr);
}

TEST(StaticKeySourceTest, FindsItsKeys) {
  JwtMinter minter;
  minter.AddEcKey("e1");
  absl::StatusOr<Jwks> jwks = Jwks::Parse(minter.Jwks(), "test");
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  StaticKeySource source(*std::move(jwks));
  ASSERT_NE(source.FindKey("e1"), nullptr);
  EXPECT_EQ(source.FindKey("e1")->kid, "e1");
  EXPECT_EQ(source.FindKey("e2"), nullptr);
}

}  // namespace
}  // namespace ndes::auth
