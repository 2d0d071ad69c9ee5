// The gateway's log: one line per finished call, plus start-up and shutdown
// events, on standard error.
//
//   2026-11-28T10:15:30.123Z INFO call method=UpdateNdesConnectors code=OK
//   latency_ms=0.84 2026-11-28T10:15:31.002Z INFO call method=GetNdesConnector
//   code=NOT_FOUND latency_ms=0.12 error="connector \"x\" not found"
//
// Nothing from request metadata is ever logged, so a bearer token cannot
// reach the log. Each line is written with one call, so lines from
// concurrent calls never interleave.
//
// Thread-safe.
#ifndef NDES_SERVER_SERVICE_CALL_LOG_H_
#define NDES_SERVER_SERVICE_CALL_LOG_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace ndes::service {

// "OK", "INVALID_ARGUMENT", ...
absl::string_view StatusCodeName(grpc::StatusCode code);

// Logs a finished call of `method` (the RPC's short name).
void LogCall(absl::string_view method, const grpc::Status& status,
             absl::Duration latency);

enum class LogSeverity { kInfo, kWarning, kError };

// Logs a free-form event (start-up, shutdown, store faults).
void LogEvent(LogSeverity severity, absl::string_view message);

}  // namespace ndes::service

#endif  // NDES_SERVER_SERVICE_CALL_LOG_H_
