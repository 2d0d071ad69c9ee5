#include "logging/library_logs.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "logging/log.h"

namespace ndes::logging {
namespace {

// A token bucket of lines shared by every library.
class LineBudget {
 public:
  // True when a line may be logged now; `dropped` then holds how many were
  // refused since the last one that was not.
  bool Take(int* dropped) {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    tokens_ = std::min<double>(
        kLibraryLineBurst, tokens_ + absl::ToDoubleSeconds(now - refilled_) *
                                         kMaxLibraryLinesPerSecond);
    refilled_ = now;
    if (tokens_ < 1) {
      ++dropped_;
      return false;
    }
    tokens_ -= 1;
    *dropped = dropped_;
    dropped_ = 0;
    return true;
  }

 private:
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_) = kLibraryLineBurst;
  absl::Time refilled_ ABSL_GUARDED_BY(mu_) = absl::Now();
  int dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

LineBudget& Budget() {
  static LineBudget* const budget = new LineBudget;
  return *budget;
}

void LogLimited(LogSeverity severity, absl::string_view library,
                absl::string_view file, int line, absl::string_view message) {
  int dropped = 0;
  if (!Budget().Take(&dropped)) return;
  if (dropped == 0) {
    LogLibraryLine(severity, library, file, line, message);
    return;
  }
  LogLibraryLine(severity, library, file, line,
                 absl::StrCat(message, " (", dropped,
                              " gRPC/protobuf line(s) dropped before this "
                              "one: more than ",
                              kMaxLibraryLinesPerSecond, " a second)"));
}

void FromGrpc(gpr_log_func_args* args) {
  LogSeverity severity;
  switch (args->severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      return;
    case GPR_LOG_SEVERITY_INFO:
      severity = LogSeverity::kInfo;
      break;
    default:
      severity = LogSeverity::kWarning;
      break;
  }
  LogLimited(severity, "grpc", args->file == nullptr ? "" : args->file,
             args->line, args->message == nullptr ? "" : args->message);
}

void FromProtobuf(google::protobuf::LogLevel level, const char* file, int line,
                  const std::string& message) {
  LogSeverity severity;
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      severity = LogSeverity::kInfo;
      break;
    case google::protobuf::LOGLEVEL_WARNING:
      severity = LogSeverity::kWarning;
      break;
    default:
      severity = LogSeverity::kError;
      break;
  }
  LogLimited(severity, "protobuf", file == nullptr ? "" : file, line, message);
}

}  // namespace

void RouteLibraryLogs() {
  gpr_set_log_function(FromGrpc);
  google::protobuf::SetLogHandler(FromProtobuf);
}

}  // namespace ndes::logging
