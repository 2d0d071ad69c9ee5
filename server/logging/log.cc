#include "logging/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "text/status_code_name.h"

namespace ndes::logging {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogSeverity> g_level{LogSeverity::kInfo};

// The buffer is written out early once it holds this much.
constexpr std::size_t kFlushBytes = 64 * 1024;
// The most of a library's message a line carries.
constexpr std::size_t kMaxLibraryMessage = 1024;

// Appends "2026-11-28T10:15:30.123Z" to `out`. The part up to the second
// is formatted once per second per thread; the rest is arithmetic.
void AppendNow(std::string* out) {
  struct Cache {
    std::int64_t second = INT64_MIN;
    std::string prefix;
  };
  thread_local Cache cache;
  const absl::Time now = absl::Now();
  const std::int64_t second = absl::ToUnixSeconds(now);
  if (second != cache.second) {
    cache.second = second;
    cache.prefix =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
  }
  const std::int64_t millis =
      absl::ToInt64Milliseconds(now - absl::FromUnixSeconds(second));
  absl::StrAppend(out, cache.prefix, ".", absl::Dec(millis, absl::kZeroPad3),
                  "Z");
}

// "2026-11-28T10:15:30.123Z".
std::string Now() {
  std::string now;
  AppendNow(&now);
  return now;
}

// Writes all of `text` to stderr, retrying short writes and EINTR. A failed
// write (stderr closed, a full disk) drops the rest: the log must never stop
// the gateway.
void WriteAll(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t written =
        ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    done += static_cast<std::size_t>(written);
  }
}

// Where lines go: straight to stderr, or through a buffer that one thread
// writes out (see log.h). Never destroyed, so it outlives every thread
// that may log at exit.
class LogSink {
 public:
  // Writes `line` now, after whatever is buffered.
  void WriteNow(absl::string_view line) {
    absl::MutexLock write_lock(&write_mu_);
    std::string text;
    {
      absl::MutexLock lock(&mu_);
      text.swap(pending_);
    }
    text.append(line.data(), line.size());
    WriteAll(text);
  }

  // Buffers `line` when the background writer runs; otherwise writes it now.
  void Write(absl::string_view line) {
    {
      absl::MutexLock lock(&mu_);
      if (running_) {
        pending_.append(line.data(), line.size());
        return;
      }
    }
    WriteNow(line);
  }

  void Start() {
    absl::MutexLock lock(&mu_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
    thread_ = std::thread([this] { Run(); });
    static const bool registered = std::atexit([] { Sink().Stop(); }) == 0;
    (void)registered;
  }

  void Stop() {
    std::thread thread;
    {
      absl::MutexLock lock(&mu_);
      if (!running_ || stopping_) return;
      stopping_ = true;
      thread.swap(thread_);
    }
    thread.join();
    {
      absl::MutexLock lock(&mu_);
      running_ = false;
      stopping_ = false;
    }
    WriteNow("");
  }

  static LogSink& Sink() {
    static LogSink* const sink = new LogSink;
    return *sink;
  }

 private:
  void Run() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        // Idle until there is something to write, then give the lines of
        // concurrent calls kLogFlushDelay to join it in one write.
        mu_.Await(absl::Condition(
            +[](LogSink* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return self->stopping_ || !self->pending_.empty();
            },
            this));
        if (!stopping_) {
          mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](LogSink* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                    return self->stopping_ ||
                           self->pending_.size() >= kFlushBytes;
                  },
                  this),
              kLogFlushDelay);
        }
      }
      WriteNow("");
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
  }

  // Held across a write(2), so that what one writer took from the buffer
  // reaches stderr before what the next one takes.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex mu_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

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
    LogSink::Sink().WriteNow(absl::StrCat(
        "{\"time\":\"", Now(), "\",\"level\":\"", JsonLevel(severity),
        "\",\"msg\":", JsonString(message), "}\n"));
  } else {
    LogSink::Sink().WriteNow(absl::StrCat(Now(), " ", SeverityName(severity),
                                          " ", absl::CEscape(message), "\n"));
  }
}

// Appends `text` as CEscape would, without a copy in the usual case of
// text that needs no escaping (request ids are ASCII letters, digits and
// ._:-).
void AppendEscaped(std::string* out, absl::string_view text) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '\\') {
      out->append(absl::CEscape(text));
      return;
    }
  }
  out->append(text.data(), text.size());
}

// Appends a latency in milliseconds with three decimals, as "%.3f" would
// (rounded to the microsecond).
void AppendMilliseconds(std::string* out, absl::Duration latency) {
  const std::int64_t micros = std::max<std::int64_t>(
      0, absl::ToInt64Microseconds(latency + absl::Nanoseconds(500)));
  absl::StrAppend(out, micros / 1000, ".",
                  absl::Dec(micros % 1000, absl::kZeroPad3));
}

LogSeverity CallSeverity(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return LogSeverity::kError;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return LogSeverity::kWarning;
    default:
      return LogSeverity::kInfo;
  }
}

}  // namespace

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

void StartBackgroundLogWriter() { LogSink::Sink().Start(); }
void StopBackgroundLogWriter() { LogSink::Sink().Stop(); }

void LogCall(const CallRecord& call) {
  const LogSeverity severity = CallSeverity(call.code);
  if (!Enabled(severity)) return;
  const bool failed = call.code != absl::StatusCode::kOk;
  // Built by appending: one line per call, so no format string is parsed.
  std::string line;
  line.reserve(160 + call.error.size());
  if (Json()) {
    line.append("{\"time\":\"");
    AppendNow(&line);
    absl::StrAppend(&line, "\",\"level\":\"", JsonLevel(severity),
                    "\",\"msg\":\"call\",\"method\":", JsonString(call.method),
                    ",\"code\":\"", text::StatusCodeName(call.code), "\"");
    if (call.http_status != 0) {
      absl::StrAppend(&line, ",\"http_status\":", call.http_status);
    }
    line.append(",\"latency_ms\":");
    AppendMilliseconds(&line, call.latency);
    absl::StrAppend(&line, ",\"request_id\":", JsonString(call.request_id));
    if (!call.caller.empty()) {
      absl::StrAppend(&line, ",\"caller\":", JsonString(call.caller));
    }
    if (failed) absl::StrAppend(&line, ",\"error\":", JsonString(call.error));
    line += "}\n";
  } else {
    AppendNow(&line);
    absl::StrAppend(&line, " ", SeverityName(severity),
                    " call method=", call.method,
                    " code=", text::StatusCodeName(call.code));
    if (call.http_status != 0) {
      absl::StrAppend(&line, " http_status=", call.http_status);
    }
    line.append(" latency_ms=");
    AppendMilliseconds(&line, call.latency);
    line.append(" request_id=");
    AppendEscaped(&line, call.request_id);
    if (!call.caller.empty()) {
      line.append(" caller=\"");
      AppendEscaped(&line, call.caller);
      line.push_back('"');
    }
    if (failed) {
      line.append(" error=\"");
      AppendEscaped(&line, call.error);
      line.push_back('"');
    }
    line.push_back('\n');
  }
  // Warnings and errors are written at once: such a line may be the last
  // before the gateway dies of whatever caused it.
  if (severity == LogSeverity::kInfo) {
    LogSink::Sink().Write(line);
  } else {
    LogSink::Sink().WriteNow(line);
  }
}

void LogEvent(LogSeverity severity, absl::string_view message) {
  if (!Enabled(severity)) return;
  WriteEvent(severity, message);
}

void LogLifecycle(absl::string_view message) {
  WriteEvent(LogSeverity::kInfo, message);
}

void LogLibraryLine(LogSeverity severity, absl::string_view library,
                    absl::string_view file, int line,
                    absl::string_view message) {
  if (!Enabled(severity)) return;
  if (message.size() > kMaxLibraryMessage) {
    message = message.substr(0, kMaxLibraryMessage);
  }
  // Only the file's name: the build's directories say nothing.
  if (const std::size_t slash = file.rfind('/');
      slash != absl::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  std::string text;
  if (Json()) {
    text = absl::StrCat(
        "{\"time\":\"", Now(), "\",\"level\":\"", JsonLevel(severity),
        "\",\"msg\":", JsonString(message), ",\"logger\":", JsonString(library),
        ",\"file\":", JsonString(file), ",\"line\":", line, "}\n");
  } else {
    text = absl::StrCat(Now(), " ", SeverityName(severity), " ",
                        absl::CEscape(library), " ", absl::CEscape(file), ":",
                        line, " ", absl::CEscape(message), "\n");
  }
  LogSink::Sink().Write(text);
}

}  // namespace ndes::logging
