// What ndes-bench does once its options are parsed: set up the rows, run
// one mode (or interleave several with --compare), print the figures.
//
//   int exit_code = RunBench(options, std::cout, std::cerr);
//
// Exit code: 0 when every measured call succeeded, 1 when any failed (the
// figures are printed all the same), 2 when the setup failed.
#ifndef NDES_CLIENT_BENCH_BENCH_RUNNER_H_
#define NDES_CLIENT_BENCH_BENCH_RUNNER_H_

#include <ostream>

#include "bench_options.h"

namespace ndes::bench {

int RunBench(const BenchOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_BENCH_RUNNER_H_
