#include "observability/process_metrics.h"

#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"

namespace ndes::observability {
namespace {

using ::testing::HasSubstr;

TEST(ProcessMetricsTest, ExposesBuildInfoAndProcessMetrics) {
  MetricsRegistry registry;
  AddBuildInfo(registry);
  AddProcessMetrics(registry);
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("ndes_gateway_build_info{version=\""));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("version=\"unknown\"")));
  for (const char* name :
       {"\nprocess_resident_memory_bytes ", "\nprocess_cpu_seconds_total ",
        "\nprocess_start_time_seconds ", "\nprocess_open_fds "}) {
    EXPECT_THAT(text, HasSubstr(name));
  }
}

TEST(ProcessMetricsTest, ProcessStartTimeIsInThePastAndRecent) {
  MetricsRegistry registry;
  AddProcessMetrics(registry);
  const std::string text = registry.TextExposition();
  const std::string prefix = "\nprocess_start_time_seconds ";
  const std::size_t at = text.find(prefix);
  ASSERT_NE(at, std::string::npos) << text;
  const double start =
      std::stod(text.substr(at + prefix.size(), text.find('\n', at + 1)));
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);
}

}  // namespace
}  // namespace ndes::observability
