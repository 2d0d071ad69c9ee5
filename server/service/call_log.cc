#include "service/call_log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ndes::service {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogSeverity> g_level{LogSeverity::kInfo};

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

void WriteLine(const std::string& line) {
  // One fwrite per line: stdio locks the stream for the call.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

bool Enabled(LogSeverity severity) {
  return static_cast<int>(severity) >=
         static_cast<int>(g_level.load(std::memory_order_relaxed));
}

bool Json() {
  return g_format.load(std::memory_order_relaxed) == LogFormat::kJson;
}

absl::string_view SeverityName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return "INFO";
    case LogSeverity::kWarning:
      return "WARNING";
    case LogSeverity::kError:
      return "ERROR";
  }
  return "INFO";
}

absl::string_view JsonLevel(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return "info";
    case LogSeverity::kWarning:
      return "warning";
    case LogSeverity::kError:
      return "error";
  }
  return "info";
}

// `text` as a JSON string literal, quotes included. Control characters and
// bytes that are not valid UTF-8 come out as \u escapes, so a line is always
// valid JSON whatever a caller put in an id or a message.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
      continue;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    // A multi-byte UTF-8 sequence is copied when it is well formed; any
    // other byte becomes U+FFFD.
    int length = (c & 0xe0) == 0xc0   ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    bool valid =
        length > 0 && c >= 0xc2 && c <= 0xf4 && i + length <= text.size();
    for (int k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (valid) {
      out.append(text.data() + i, length);
      i += length - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out.push_back('"');
  return out;
}

void WriteEvent(LogSeverity severity, absl::string_view message) {
  if (Json()) {
    WriteLine(absl::StrCat("{\"time\":\"", Now(), "\",\"level\":\"",
                           JsonLevel(severity),
                           "\",\"msg\":", JsonString(message), "}\n"));
  } else {
    WriteLine(absl::StrCat(Now(), " ", SeverityName(severity), " ",
                           absl::CEscape(message), "\n"));
  }
}

LogSeverity CallSeverity(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return LogSeverity::kError;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return LogSeverity::kWarning;
    default:
      return LogSeverity::kInfo;
  }
}

}  // namespace

absl::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

bool ParseLogFormat(absl::string_view text, LogFormat* format) {
  if (text == "text") {
    *format = LogFormat::kText;
  } else if (text == "json") {
    *format = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

bool ParseLogSeverity(absl::string_view text, LogSeverity* severity) {
  if (text == "info") {
    *severity = LogSeverity::kInfo;
  } else if (text == "warning") {
    *severity = LogSeverity::kWarning;
  } else if (text == "error") {
    *severity = LogSeverity::kError;
  } else {
    return false;
  }
  return true;
}

void SetLogFormat(LogFormat format) { g_format.store(format); }
void SetLogLevel(LogSeverity severity) { g_level.store(severity); }

void LogCall(const CallRecord& call) {
  const LogSeverity severity = CallSeverity(call.code);
  if (!Enabled(severity)) return;
  const bool failed = call.code != grpc::StatusCode::OK;
  std::string line;
  if (Json()) {
    line = absl::StrFormat(
        "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"call\",\"method\":%s,"
        "\"code\":\"%s\",\"latency_ms\":%.3f,\"request_id\":%s",
        Now(), JsonLevel(severity), JsonString(call.method),
        StatusCodeName(call.code), absl::ToDoubleMilliseconds(call.latency),
        JsonString(call.request_id));
    if (!call.caller.empty()) {
      absl::StrAppend(&line, ",\"caller\":", JsonString(call.caller));
    }
    if (failed) absl::StrAppend(&line, ",\"error\":", JsonString(call.error));
    line += "}\n";
  } else {
    line = absl::StrFormat(
        "%s %s call method=%s code=%s latency_ms=%.3f "
        "request_id=%s",
        Now(), SeverityName(severity), call.method, StatusCodeName(call.code),
        absl::ToDoubleMilliseconds(call.latency),
        absl::CEscape(call.request_id));
    if (!call.caller.empty()) {
      absl::StrAppend(&line, " caller=\"", absl::CEscape(call.caller), "\"");
    }
    if (failed) {
      absl::StrAppend(&line, " error=\"", absl::CEscape(call.error), "\"");
    }
    line.push_back('\n');
  }
  WriteLine(line);
}

void LogEvent(LogSeverity severity, absl::string_view message) {
  if (!Enabled(severity)) return;
  WriteEvent(severity, message);
}

void LogLifecycle(absl::string_view message) {
  WriteEvent(LogSeverity::kInfo, message);
}

}  // namespace ndes::service
