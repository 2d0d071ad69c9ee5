// ndes-bench: a load generator for ndes-gateway. Wiring only; see
// bench_options.h for the flags and bench_runner.h for what a run does.

#include <iostream>
#include <string>
#include <vector>

#include "bench_options.h"
#include "bench_runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<ndes::bench::BenchOptions> options =
      ndes::bench::ParseBenchOptions(args);
  if (!options.ok()) {
    std::cerr << "ndes-bench: " << options.status().message()
              << "\n\n" << ndes::bench::kBenchUsage;
    return 2;
  }
  if (options->help) {
    std::cout << ndes::bench::kBenchUsage;
    return 0;
  }
  return ndes::bench::RunBench(*options, std::cout, std::cerr);
}
