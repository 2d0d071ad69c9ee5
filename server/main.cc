// ndes-gateway: the gRPC gateway to Intune NDES connectors.
//
// Wiring only: the configuration from flags (gateway_config.h), the store,
// the authorizer, the server, the metrics endpoint, and SIGTERM/SIGINT.

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/jwt_authorizer.h"
#include "gateway_config.h"
#include "gateway_server.h"
#include "logging/library_logs.h"
#include "logging/log.h"
#include "observability/metrics_http_server.h"
#include "observability/metrics_registry.h"
#include "observability/process_metrics.h"
#include "pplx/threadpool.h"
#include "process/descriptor_limit.h"
#include "process/memory_trimmer.h"
#include "rest/rest_face.h"
#include "store_factory.h"

namespace {

using ndes::logging::LogEvent;
using ndes::logging::LogLifecycle;
using ndes::logging::LogSeverity;

constexpr absl::Duration kStoreCloseTimeout = absl::Seconds(3);

// Exit codes: 2 for a usage error, 1 for anything that stops the start.
constexpr int kUsageError = 2;
constexpr int kStartFailed = 1;

// Blocks the shutdown signals in the calling thread, before any other
// thread starts, so that every thread inherits the mask and only sigwait in
// main receives them.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

std::string TransportDescription(const ndes::GatewayConfig& config) {
  const ndes::TlsOptions& tls = config.server.tls;
  return absl::StrCat(tls.enabled()
                          ? (tls.client_ca_file.empty() ? "TLS" : "mutual TLS")
                          : "plaintext",
                      config.jwt.has_value() ? " with JWT auth" : "");
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts: fewer arenas keep less freed memory resident
  // (see process/memory_trimmer.h).
  ndes::process::LimitMallocArenas(2);
  // A peer that goes away mid-write must not kill the process; a file that
  // grows past RLIMIT_FSIZE must fail the write (EFBIG), not the process.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  sigset_t shutdown_signals = BlockShutdownSignals();

  // Debian's Abseil checks every mutex acquisition for lock-order cycles,
  // a few percent of a call's CPU; the gateway's lock order is fixed by
  // design and covered by the sanitizer build.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives every thread that allocates under contention an arena of
  // its own, up to 8 per core, each holding freed memory for later: under
  // load that is several MiB of resident memory for no measurable speed on
  // a small machine. (MALLOC_ARENA_MAX in the environment still wins.)
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // cpprestsdk (Graph requests) runs every step of a request as a task on
  // its pool, 40 threads by default: on a small machine their wake-ups cost
  // more than the work. None of those tasks blocks.
  crossplat::threadpool::initialize_with_threads(
      std::max(4u, std::thread::hardware_concurrency()));

  ndes::ConfigureGatewayUsage();
  if (absl::Status environment = ndes::ApplyEnvironment(); !environment.ok()) {
    LogEvent(LogSeverity::kError, environment.message());
    return kUsageError;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    LogEvent(LogSeverity::kError,
             absl::StrCat("unexpected argument \"", positional[1],
                          "\"; see ndes-gateway --help"));
    return kUsageError;
  }
  absl::StatusOr<ndes::GatewayConfig> config = ndes::ConfigFromFlags();
  if (!config.ok()) {
    LogEvent(LogSeverity::kError, config.status().message());
    return kUsageError;
  }
  ndes::logging::SetLogFormat(config->log_format);
  ndes::logging::SetLogLevel(config->log_level);
  ndes::logging::StartBackgroundLogWriter();
  ndes::logging::RouteLibraryLogs();

  // Every client connection takes a descriptor.
  if (absl::StatusOr<ndes::process::DescriptorLimit> descriptors =
          ndes::process::RaiseDescriptorLimit();
      !descriptors.ok()) {
    LogEvent(LogSeverity::kWarning, descriptors.status().message());
  } else if (descriptors->after != descriptors->before) {
    LogLifecycle(absl::StrCat("raised the descriptor limit from ",
                              descriptors->before, " to ", descriptors->after));
  } else {
    LogLifecycle(absl::StrCat("descriptor limit ", descriptors->after,
                              " (the hard limit)"));
  }
  // Returns what bursts and floods leave free in malloc's arenas.
  ndes::process::MemoryTrimmer memory_trimmer;

  std::unique_ptr<ndes::auth::JwtAuthorizer> authorizer;
  if (config->jwt.has_value()) {
    absl::StatusOr<std::unique_ptr<ndes::auth::JwtAuthorizer>> created =
        ndes::auth::JwtAuthorizer::Create(*config->jwt);
    if (!created.ok()) {
      LogEvent(LogSeverity::kError, absl::StrCat("cannot use --jwt_jwks_file: ",
                                                 created.status().message()));
      return kStartFailed;
    }
    authorizer = *std::move(created);
    for (const std::string& skipped : authorizer->SkippedKeys()) {
      LogEvent(LogSeverity::kWarning, absl::StrCat("JWKS: ", skipped));
    }
    config->server.authorizer = authorizer.get();
  }

  // Every component records into the registry it is handed; /metrics
  // serves this one. Declared before the store and the server, which record
  // into it until they are gone.
  ndes::observability::MetricsRegistry metrics_registry;
  ndes::observability::AddBuildInfo(metrics_registry);
  ndes::observability::AddProcessMetrics(metrics_registry);
  config->server.metrics = &metrics_registry;

  // The Graph backend says here what Graph turns out to do.
  config->store.log = [](absl::string_view line) { LogLifecycle(line); };
  const std::string store_name = ndes::RedactedStoreSpec(config->store_spec);
  absl::StatusOr<std::unique_ptr<ndes::store::ConnectorStore>> store =
      ndes::OpenConnectorStore(config->store_spec, config->store,
                               &metrics_registry);
  if (!store.ok()) {
    LogEvent(LogSeverity::kError,
             absl::StrCat("cannot open --store=", store_name, ": ",
                          store.status().message()));
    return kStartFailed;
  }

  absl::StatusOr<std::unique_ptr<ndes::GatewayServer>> server =
      ndes::GatewayServer::Start(config->server, **store);
  if (!server.ok()) {
    LogEvent(LogSeverity::kError, server.status().message());
    return kStartFailed;
  }
  std::unique_ptr<ndes::observability::MetricsHttpServer> metrics;
  if (!config->metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<ndes::observability::MetricsHttpServer>>
        started = ndes::observability::MetricsHttpServer::Start(
            config->metrics_listen, metrics_registry);
    if (!started.ok()) {
      LogEvent(LogSeverity::kError,
               absl::StrCat("--metrics_listen: ", started.status().message()));
      (*server)->Shutdown(absl::ZeroDuration());
      return kStartFailed;
    }
    metrics = *std::move(started);
  }
  std::unique_ptr<ndes::rest::RestFace> rest;
  if (!config->rest_listen.empty()) {
    ndes::rest::RestFaceOptions options;
    options.listen_address = config->rest_listen;
    options.tls = config->server.tls;
    options.max_body_bytes =
        static_cast<std::size_t>(config->server.max_message_bytes);
    options.max_page_bytes = options.max_body_bytes / 2;
    options.authorizer = config->server.authorizer;
    options.metrics = &metrics_registry;
    absl::StatusOr<std::unique_ptr<ndes::rest::RestFace>> started =
        ndes::rest::RestFace::Start(options, **store);
    if (!started.ok()) {
      LogEvent(LogSeverity::kError,
               absl::StrCat("--rest_listen: ", started.status().message()));
      (*server)->Shutdown(absl::ZeroDuration());
      return kStartFailed;
    }
    rest = *std::move(started);
  }
  LogLifecycle(absl::StrCat("ndes-gateway serving on ", (*server)->address(),
                            " (store: ", store_name, ") over ",
                            TransportDescription(*config)));
  if (!(*server)->health_address().empty()) {
    LogLifecycle(
        absl::StrCat("health probes on ", (*server)->health_address()));
  }
  if (metrics != nullptr) {
    LogLifecycle(absl::StrCat("metrics on ", metrics->url()));
  }
  if (rest != nullptr) {
    LogLifecycle(absl::StrCat("REST face on ", rest->url()));
  }

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  LogLifecycle(absl::StrCat("received ",
                            signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                            "; health NOT_SERVING, draining for up to ",
                            absl::FormatDuration(config->shutdown_grace)));
  // The REST face stops first: its requests in flight are answered (up to
  // a few seconds) while the gRPC face still serves.
  if (rest != nullptr) rest->Stop();
  (*server)->Shutdown(config->shutdown_grace);
  server->reset();
  if (metrics != nullptr) metrics->Stop();
  // A call abandoned when the drain time ran out may still have a request
  // out to Graph; closing the store waits for it, but not past Kubernetes'
  // patience: every call has been answered by now, so exiting is safe.
  absl::Notification closed;
  std::thread closer([&store, &closed] {
    store->reset();
    closed.Notify();
  });
  if (!closed.WaitForNotificationWithTimeout(kStoreCloseTimeout)) {
    LogEvent(LogSeverity::kWarning,
             "the store did not close in time; exiting without waiting");
    LogLifecycle("stopped");
    std::fflush(stderr);
    std::_Exit(0);
  }
  closer.join();
  LogLifecycle("stopped");
  ndes::logging::StopBackgroundLogWriter();
  return 0;
}
