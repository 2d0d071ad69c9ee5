#include "bench_options.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(BenchOptionsTest, DefaultsNeedOnlyATarget) {
  absl::StatusOr<BenchOptions> options =
      ParseBenchOptions({"--target=127.0.0.1:50051"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->mode, BenchMode::kHealth);
  EXPECT_EQ(options->concurrency, 16);
  EXPECT_EQ(options->channels, 1);
  EXPECT_EQ(options->duration, absl::Seconds(10));
  EXPECT_EQ(options->warmup, absl::Seconds(1));
  EXPECT_EQ(options->requests, 0);
  EXPECT_FALSE(options->json);
  EXPECT_TRUE(options->compare.empty());
}

TEST(BenchOptionsTest, ParsesEveryFlag) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(
      {"--target=unix:/tmp/gw.sock", "--mode=update_spread",
       "--concurrency=64", "--channels=4", "--requests=200", "--warmup=0",
       "--deadline=500ms", "--json", "--spread_rows=10", "--list_rows=7",
       "--page_size=5", "--id=hot-1", "--skip_setup=true",
       "--metadata=Authorization=Bearer a=b", "--rounds=3",
       "--round_duration=1.5"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->target, "unix:/tmp/gw.sock");
  EXPECT_EQ(options->mode, BenchMode::kUpdateSpread);
  EXPECT_EQ(options->concurrency, 64);
  EXPECT_EQ(options->channels, 4);
  EXPECT_EQ(options->requests, 200);
  EXPECT_EQ(options->warmup, absl::ZeroDuration());
  EXPECT_EQ(options->call_deadline, absl::Milliseconds(500));
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->spread_rows, 10);
  EXPECT_EQ(options->list_rows, 7);
  EXPECT_EQ(options->page_size, 5);
  EXPECT_EQ(options->id, "hot-1");
  EXPECT_TRUE(options->skip_setup);
  // The key is lower-cased (gRPC metadata); the value keeps its '='.
  EXPECT_THAT(options->metadata,
              ElementsAre(Pair("authorization", "Bearer a=b")));
  EXPECT_EQ(options->rounds, 3);
  EXPECT_EQ(options->round_duration, absl::Milliseconds(1500));
}

TEST(BenchOptionsTest, CompareListsModesInOrder) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(
      {"--target=localhost:1", "--compare=health, get,update,update_spread"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_THAT(options->compare,
              ElementsAre(BenchMode::kHealth, BenchMode::kGet,
                          BenchMode::kUpdate, BenchMode::kUpdateSpread));
}

TEST(BenchOptionsTest, HttpGetNeedsAnHttpTarget) {
  EXPECT_TRUE(ParseBenchOptions(
                  {"--target=http://127.0.0.1:8080/beta", "--mode=http_get"})
                  .ok());
  absl::StatusOr<BenchOptions> grpc_target =
      ParseBenchOptions({"--target=127.0.0.1:8080", "--mode=http_get"});
  EXPECT_EQ(grpc_target.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(grpc_target.status().message(), HasSubstr("http://"));
  absl::StatusOr<BenchOptions> http_for_grpc =
      ParseBenchOptions({"--target=http://127.0.0.1:8080", "--mode=get"});
  EXPECT_EQ(http_for_grpc.status().code(),
            absl::StatusCode::kInvalidArgument);
}

struct BadArguments {
  std::vector<std::string> args;
  std::string message;  // a part of the error that names the problem
};

class BenchOptionsRejectTest : public ::testing::TestWithParam<BadArguments> {
};

TEST_P(BenchOptionsRejectTest, RejectsWithAMessageNamingTheFlag) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(GetParam().args);
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BenchOptionsRejectTest,
    ::testing::Values(
        BadArguments{{"--mode=get"}, "--target"},
        BadArguments{{"--target=a:1", "--mode=delete"}, "unknown mode"},
        BadArguments{{"--target=a:1", "--concurrency=0"}, "--concurrency"},
        BadArguments{{"--target=a:1", "--concurrency=x"}, "--concurrency"},
        BadArguments{{"--target=a:1", "--duration=soon"}, "--duration"},
        BadArguments{{"--target=a:1", "--duration=0s"}, "--duration"},
        BadArguments{{"--target=a:1", "--requests=10", "--duration=1s"},
                     "either"},
        BadArguments{{"--target=a:1", "--concurrency=2", "--channels=3"},
                     "--channels"},
        BadArguments{{"--target=a:1", "--json=maybe"}, "--json"},
        BadArguments{{"--target=a:1", "--metadata=novalue"}, "KEY=VALUE"},
        BadArguments{{"--target=a:1", "--compare=get,nope"}, "unknown mode"},
        BadArguments{{"--target=a:1", "--compare=health,http_get"},
                     "http_get"},
        BadArguments{{"--target=a:1", "--colour=red"}, "unknown flag --colour"},
        BadArguments{{"--target=a:1", "stray"}, "unexpected argument"}));

TEST(BenchOptionsTest, HelpNeedsNoTarget) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions({"--help"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->help);
}

}  // namespace
}  // namespace ndes::bench
