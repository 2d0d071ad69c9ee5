// Sends what gRPC and protobuf log through the gateway's own log
// (log.h: text or JSON, --log_level), instead of their own format on
// standard error, which would break a JSON log pipeline.
//
// Levels: gRPC's DEBUG is dropped, INFO is info, ERROR is warning (gRPC
// logs many a peer's mistake as an error: the gateway's errors are its own
// faults); protobuf's INFO, WARNING and ERROR keep their level, FATAL is an
// error (protobuf aborts after it).
//
// Cheap and non-blocking: a peer can make gRPC log (a malformed header is
// logged with its value), so lines never wait for a write(2) and at most
// kMaxLibraryLinesPerSecond are logged (bursts of up to
// kLibraryLineBurst); the next line logged says how many were dropped.
//
// Thread-safe. Call once, early in main (before any gRPC server starts).
#ifndef NDES_SERVER_LOGGING_LIBRARY_LOGS_H_
#define NDES_SERVER_LOGGING_LIBRARY_LOGS_H_

namespace ndes::logging {

inline constexpr int kMaxLibraryLinesPerSecond = 20;
inline constexpr int kLibraryLineBurst = 50;

void RouteLibraryLogs();

}  // namespace ndes::logging

#endif  // NDES_SERVER_LOGGING_LIBRARY_LOGS_H_
