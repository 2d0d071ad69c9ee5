// A small metrics registry: counters, gauges and histograms, each a family
// with fixed label names, rendered in the Prometheus text exposition format
// 0.0.4.
//
// The hot path is one or two relaxed atomic operations: a caller obtains a
// series once (WithLabels takes the family's lock and may allocate) and keeps
// the reference; updating a series never locks and never allocates.
//
//   MetricsRegistry registry;
//   CounterFamily& calls = registry.AddCounter(
//       "app_calls_total", "Calls answered.", {"method", "code"});
//   Counter& get_ok = calls.WithLabels({"Get", "OK"});  // once, kept
//   get_ok.Increment();                                  // hot path
//   std::string text = registry.TextExposition();
//
// Exposition: families in name order, series in label-value order (both
// byte-wise), so the text is stable for a given state. Each family has
// `# HELP` and `# TYPE`; label values are escaped (\\, \", \n); a
// histogram's buckets are cumulative, with `le` last among its labels, and
// end with le="+Inf", followed by `_sum` and `_count`. A family without any
// series yet is left out. An unlabelled family has its one series from the
// start, at zero.
//
// Registering an invalid or duplicate metric name, invalid label names, or
// asking a family for the wrong number of label values is a programming
// error and aborts the process with a message.
//
// Thread-safe. Series and families live as long as their registry: a
// reference to one stays valid until the registry is destroyed.
#ifndef NDES_SERVER_OBSERVABILITY_METRICS_REGISTRY_H_
#define NDES_SERVER_OBSERVABILITY_METRICS_REGISTRY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ndes::observability {

enum class MetricType { kCounter, kGauge, kHistogram };

// A monotonically increasing value.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment() { count_.fetch_add(1, std::memory_order_relaxed); }
  void Increment(std::uint64_t n) {
    count_.fetch_add(n, std::memory_order_relaxed);
  }
  // Adds a fractional amount (seconds, say). A negative or NaN amount is
  // ignored: a counter never goes down.
  void Add(double amount);
  double Value() const;

 private:
  // Whole increments stay exact in an integer; fractions go to a double.
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> fraction_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount);
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets.
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds (inclusive), strictly increasing,
  // finite; +Inf is implied. Owned by the family, which outlives this.
  explicit Histogram(const std::vector<double>* bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is >= value. NaN is
  // ignored.
  void Observe(double value);
  // Observes the duration in seconds.
  void Observe(absl::Duration duration) {
    Observe(absl::ToDoubleSeconds(duration));
  }

  struct Snapshot {
    // Cumulative: cumulative[i] counts observations <= bounds[i]; the last
    // entry (one more than bounds) is every observation.
    std::vector<std::uint64_t> cumulative;
    double sum = 0;
    std::uint64_t count = 0;
  };
  // Bucket counts, sum and count. `count` always equals the +Inf bucket;
  // taken while observations go on, `sum` may lag or lead them by the
  // observations in progress.
  Snapshot Read() const;

  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  const std::vector<double>* const bounds_;
  // Per bucket, not cumulative (cumulated when read); the last is +Inf.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// The shared part of a family: its name, help, type and label names.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the family's HELP, TYPE and samples, if it has any series.
  virtual void AppendText(std::string* out) const = 0;

  // Whether `other` describes the same metric: kind, labels, bounds.
  virtual bool SameShape(const MetricFamily& other) const {
    return type_ == other.type_ && label_names_ == other.label_names_;
  }

 protected:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names);
  // Aborts unless `values` has one value per label name.
  void CheckArity(std::size_t values) const;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

// A family of series of one kind, one series per set of label values.
template <typename Series>
class Family final : public MetricFamily {
 public:
  // The series for `label_values` (one per label name, in order), created
  // at zero on first use. Takes a lock and may allocate: on hot paths, call
  // once and keep the reference.
  Series& WithLabels(std::initializer_list<absl::string_view> label_values);
  Series& WithLabels(const std::vector<std::string>& label_values);
  // The one series of an unlabelled family.
  Series& Get() { return WithLabels({}); }

  void AppendText(std::string* out) const override;

 private:
  friend class MetricsRegistry;
  Family(std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names, std::vector<double> bounds = {});
  std::unique_ptr<Series> NewSeries() const;

  // Histogram bucket bounds (empty for other kinds).
  const std::vector<double> bounds_;
  bool SameShape(const MetricFamily& other) const override;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_
      ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Bucket bounds: `count` bounds start, start*factor, start*factor^2, ...
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Names: [a-zA-Z_:][a-zA-Z0-9_:]*. Label names: [a-zA-Z_][a-zA-Z0-9_]*,
  // not starting "__", distinct; a histogram's may not be "le". Help is one
  // line of text (a newline is escaped).
  //
  // Adding a family that exists already (the same name, kind, label names
  // and, for a histogram, bounds) returns the existing one, so that each
  // component can add the families it records into, and two components
  // of one kind (two stores, say) share them. The same name with another
  // kind, other labels or other bounds is a programming error: it aborts.
  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  // `bounds`: strictly increasing, finite, at least one.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<double> bounds,
                                std::vector<std::string> label_names = {});

  // An unlabelled counter or gauge whose value is read at each exposition
  // (process metrics from /proc, say). `read` runs on the exposing thread,
  // without the registry's lock; nullopt leaves the metric out of that
  // exposition.
  void AddCallback(std::string name, std::string help, MetricType type,
                   std::function<std::optional<double>()> read);

  // Every family, in the text exposition format 0.0.4.
  std::string TextExposition() const;

 private:
  class CallbackFamily;
  // `family`, or the equal one registered before (see AddCounter).
  MetricFamily& Register(std::unique_ptr<MetricFamily> family);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_
      ABSL_GUARDED_BY(mu_);
};

// The Content-Type of TextExposition().
inline constexpr char kTextExpositionContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// How the exposition writes a sample value: shortest text that reads back
// as the same double; NaN, +Inf, -Inf.
std::string FormatSampleValue(double value);

// A label value escaped for the exposition (\\, \", \n).
std::string EscapeLabelValue(absl::string_view value);

}  // namespace ndes::observability

#endif  // NDES_SERVER_OBSERVABILITY_METRICS_REGISTRY_H_
