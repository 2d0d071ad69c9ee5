// The gateway's log, on standard error: one line per finished call, plus
// start-up, shutdown and fault events. Two formats (--log_format):
//
// text (the default, for people):
//   2026-11-28T10:15:30.123Z INFO call method=UpdateNdesConnectors code=OK
//     latency_ms=0.840 request_id=6f1c... caller=app-1
// A request to the REST face is logged as the RPC it amounts to, with the
// HTTP status it was answered (`http_status=204` after `code`).
// json (one object per line, for log pipelines):
//   {"time":"2026-11-28T10:15:30.123Z","level":"info","msg":"call",
//    "method":"UpdateNdesConnectors","code":"OK","latency_ms":0.84,
//    "request_id":"6f1c...","caller":"app-1"}
// (each shown folded here; a real entry is one line). `error` is added for a
// failed call; `caller` only when inbound auth is on.
//
// A call's level follows its code: the server's own faults (INTERNAL,
// UNKNOWN, DATA_LOSS) are errors, UNAVAILABLE and DEADLINE_EXCEEDED
// warnings, everything else (including the caller's mistakes) info.
// --log_level drops lines below it (except the start-up and shutdown lines).
//
// Nothing from request metadata except the request id is ever logged, so a
// bearer token cannot reach the log. Lines are written whole, so lines from
// concurrent calls never interleave.
//
// Writing: until StartBackgroundLogWriter() is called, every line is written
// to stderr at once, with one write(2). After it, INFO call lines are
// appended to a buffer that one background thread writes out, many lines per
// write(2), at most kLogFlushDelay after the first of them was logged (or
// sooner, when the buffer grows large): a call no longer pays for a system
// call. Warnings, errors, events and the start-up and shutdown lines are
// still written at once, after whatever is buffered, so the order of lines
// is kept and a fault is on stderr before the gateway can die of it. The
// buffer is written out at exit (std::atexit) and by StopBackgroundLogWriter;
// a process killed with SIGKILL loses at most the last kLogFlushDelay of INFO
// call lines.
//
// Thread-safe. Configure (SetLogFormat, SetLogLevel) before serving.
#ifndef NDES_SERVER_LOGGING_LOG_H_
#define NDES_SERVER_LOGGING_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ndes::logging {

enum class LogSeverity { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// "text" or "json"; false for anything else.
bool ParseLogFormat(absl::string_view text, LogFormat* format);
// "info", "warning" or "error"; false for anything else.
bool ParseLogSeverity(absl::string_view text, LogSeverity* severity);

void SetLogFormat(LogFormat format);
// Lines below `severity` are not written.
void SetLogLevel(LogSeverity severity);

// The longest an INFO call line waits in the buffer once the background
// writer runs.
inline constexpr absl::Duration kLogFlushDelay = absl::Milliseconds(5);

// Starts the background writer (see the header comment); idempotent. The
// gateway binary calls it once its flags are parsed.
void StartBackgroundLogWriter();
// Writes out what is buffered, stops the background writer and joins its
// thread; lines logged afterwards are written at once again. Idempotent; also
// run at exit.
void StopBackgroundLogWriter();

// What is logged of one finished call.
struct CallRecord {
  // The RPC's short name, e.g. "UpdateNdesConnectors".
  absl::string_view method;
  absl::StatusCode code = absl::StatusCode::kOk;
  // The error message sent to the caller (empty for OK).
  absl::string_view error;
  absl::Duration latency;
  absl::string_view request_id;
  // The caller's identity claim (appid/azp/sub); empty without inbound auth.
  absl::string_view caller;
  // The HTTP status a REST request was answered with; 0 for a gRPC call
  // (then not logged).
  int http_status = 0;
};

void LogCall(const CallRecord& call);

// Logs a free-form event (store faults, warnings).
void LogEvent(LogSeverity severity, absl::string_view message);

// Logs a start-up or shutdown line at INFO whatever --log_level says: where
// the gateway serves and when it stops are always worth a line.
void LogLifecycle(absl::string_view message);

// Logs a line of a library the gateway links (gRPC, protobuf), with where
// it comes from:
//   text: 2026-11-28T10:15:30.123Z WARNING grpc hpack_parser.cc:1218 Error...
//   json: {"time":...,"level":"warning","msg":"Error...","logger":"grpc",
//          "file":"hpack_parser.cc","line":1218}
// Unlike events, such a line never makes the caller wait for a write(2),
// whatever its level: it goes through the buffer of INFO call lines once
// the background writer runs (a peer can make a library log). `message` is
// cut to 1 KiB.
void LogLibraryLine(LogSeverity severity, absl::string_view library,
                    absl::string_view file, int line,
                    absl::string_view message);

}  // namespace ndes::logging

#endif  // NDES_SERVER_LOGGING_LOG_H_
