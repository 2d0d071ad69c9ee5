// HTTP GET of one connector straight from a Graph (in practice the fake
// Graph of the benchmarks) with cpprestsdk's http_client: the same HTTP
// stack the gateway uses upstream, so that `--store=graph` can be measured
// beside the path it adds to.
//
//   absl::StatusOr<std::unique_ptr<CallIssuer>> issuer =
//       MakeHttpGetIssuer(options);  // options.target = http://HOST:P/beta
//
// Unless options.skip_setup, the hot row (options.id) is first created with
// a POST to the collection (201, or 409 when it exists). A call succeeds on
// 200 with its body read; any other status or a transport failure is an
// error. One http_client per channel (cpprestsdk pools connections per
// client, as the gateway's CpprestHttpClient does per origin).
#ifndef NDES_CLIENT_BENCH_HTTP_CALLS_H_
#define NDES_CLIENT_BENCH_HTTP_CALLS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bench_options.h"
#include "load_generator.h"

namespace ndes::bench {

absl::StatusOr<std::unique_ptr<CallIssuer>> MakeHttpGetIssuer(
    const BenchOptions& options);

}  // namespace ndes::bench

#endif  // NDES_CLIENT_BENCH_HTTP_CALLS_H_
