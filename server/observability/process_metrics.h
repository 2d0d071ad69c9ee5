// The metrics of the process itself, added by main() to the registry it
// exposes:
//
//   ndes_gateway_build_info{version}  gauge, always 1
//   process_resident_memory_bytes, process_cpu_seconds_total,
//   process_start_time_seconds, process_open_fds
//
// the last four in the names every Prometheus client library uses, read
// from /proc/self at each exposition (left out where /proc cannot be read).
//
// Call once per registry, before serving.
#ifndef NDES_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
#define NDES_SERVER_OBSERVABILITY_PROCESS_METRICS_H_

#include "observability/metrics_registry.h"

namespace ndes::observability {

void AddBuildInfo(MetricsRegistry& registry);
void AddProcessMetrics(MetricsRegistry& registry);

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
