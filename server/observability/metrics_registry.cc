#include "observability/metrics_registry.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ndes::observability {
namespace {

// Relaxed compare-and-swap: std::atomic<double>::fetch_add is C++20.
void AtomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount,
                                       std::memory_order_relaxed)) {
  }
}

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "metrics registry: %s\n", message.c_str());
  std::abort();
}

bool IsMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool valid = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                       (i > 0 && absl::ascii_isdigit(c));
    if (!valid) return false;
  }
  return true;
}

bool IsLabelName(absl::string_view name) {
  if (name.empty() || absl::StartsWith(name, "__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool valid =
        absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!valid) return false;
  }
  return true;
}

std::string EscapeHelp(absl::string_view help) {
  std::string escaped;
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendHeader(const MetricFamily& family, std::string* out) {
  absl::StrAppend(out, "# HELP ", family.name(), " ", EscapeHelp(family.help()),
                  "\n# TYPE ", family.name(), " ", TypeName(family.type()),
                  "\n");
}

// {a="x",b="y"} plus an optional extra label (a histogram's le); nothing
// when there are no labels at all.
std::string LabelSet(const std::vector<std::string>& names,
                     const std::vector<std::string>& values,
                     absl::string_view extra_name = "",
                     absl::string_view extra_value = "") {
  std::vector<std::string> pairs;
  pairs.reserve(names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    pairs.push_back(
        absl::StrCat(names[i], "=\"", EscapeLabelValue(values[i]), "\""));
  }
  if (!extra_name.empty()) {
    pairs.push_back(absl::StrCat(extra_name, "=\"", extra_value, "\""));
  }
  if (pairs.empty()) return "";
  return absl::StrCat("{", absl::StrJoin(pairs, ","), "}");
}

void AppendSample(absl::string_view name, absl::string_view labels,
                  double value, std::string* out) {
  absl::StrAppend(out, name, labels, " ", FormatSampleValue(value), "\n");
}

}  // namespace

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

// --- Series ----------------------------------------------------------------

void Counter::Add(double amount) {
  if (!(amount > 0)) return;  // negative, zero or NaN
  AtomicAdd(fraction_, amount);
}

double Counter::Value() const {
  return static_cast<double>(count_.load(std::memory_order_relaxed)) +
         fraction_.load(std::memory_order_relaxed);
}

void Gauge::Add(double amount) { AtomicAdd(value_, amount); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds),
      buckets_(new std::atomic<std::uint64_t>[bounds->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // Few buckets: a linear scan beats a binary search's branches.
  std::size_t i = 0;
  const std::size_t n = bounds_->size();
  while (i < n && value > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative.resize(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = running;
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

// --- Families --------------------------------------------------------------

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  if (!IsMetricName(name_)) Fail(absl::StrCat("invalid metric name ", name_));
  std::set<std::string> seen;
  for (const std::string& label : label_names_) {
    if (!IsLabelName(label) || !seen.insert(label).second ||
        (type_ == MetricType::kHistogram && label == "le")) {
      Fail(absl::StrCat("invalid label name \"", label, "\" of ", name_));
    }
  }
}

void MetricFamily::CheckArity(std::size_t values) const {
  if (values != label_names_.size()) {
    Fail(absl::StrCat(name_, " has ", label_names_.size(), " labels, given ",
                      values, " values"));
  }
}

template <typename Series>
Family<Series>::Family(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), type,
                   std::move(label_names)),
      bounds_(std::move(bounds)) {
  // An unlabelled metric is exposed at zero from the start, so that a
  // dashboard sees it before the first event.
  if (this->label_names().empty()) Get();
}

template <>
std::unique_ptr<Histogram> Family<Histogram>::NewSeries() const {
  return std::make_unique<Histogram>(&bounds_);
}

template <typename Series>
std::unique_ptr<Series> Family<Series>::NewSeries() const {
  return std::make_unique<Series>();
}

template <typename Series>
Series& Family<Series>::WithLabels(
    std::initializer_list<absl::string_view> label_values) {
  std::vector<std::string> values;
  values.reserve(label_values.size());
  for (absl::string_view value : label_values) values.emplace_back(value);
  return WithLabels(values);
}

template <typename Series>
Series& Family<Series>::WithLabels(
    const std::vector<std::string>& label_values) {
  CheckArity(label_values.size());
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Series>& series = series_[label_values];
  if (series == nullptr) series = NewSeries();
  return *series;
}

// Counters and gauges: one sample per series.
template <typename Series>
void Family<Series>::AppendText(std::string* out) const {
  absl::MutexLock lock(&mu_);
  if (series_.empty()) return;
  AppendHeader(*this, out);
  for (const auto& [values, series] : series_) {
    AppendSample(name(), LabelSet(label_names(), values), series->Value(), out);
  }
}

template <>
void Family<Histogram>::AppendText(std::string* out) const {
  absl::MutexLock lock(&mu_);
  if (series_.empty()) return;
  AppendHeader(*this, out);
  const std::string bucket = absl::StrCat(name(), "_bucket");
  const std::string sum = absl::StrCat(name(), "_sum");
  const std::string count = absl::StrCat(name(), "_count");
  for (const auto& [values, series] : series_) {
    const Histogram::Snapshot snapshot = series->Read();
    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      const std::string le = i < bounds_.size() ? FormatSampleValue(bounds_[i])
                                                : std::string("+Inf");
      AppendSample(bucket, LabelSet(label_names(), values, "le", le),
                   static_cast<double>(snapshot.cumulative[i]), out);
    }
    const std::string labels = LabelSet(label_names(), values);
    AppendSample(sum, labels, snapshot.sum, out);
    AppendSample(count, labels, static_cast<double>(snapshot.count), out);
  }
}

template <typename Series>
bool Family<Series>::SameShape(const MetricFamily& other) const {
  if (!MetricFamily::SameShape(other)) return false;
  const auto* same_kind = dynamic_cast<const Family<Series>*>(&other);
  return same_kind != nullptr && same_kind->bounds_ == bounds_;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// --- Registry --------------------------------------------------------------

class MetricsRegistry::CallbackFamily final : public MetricFamily {
 public:
  CallbackFamily(std::string name, std::string help, MetricType type,
                 std::function<std::optional<double>()> read)
      : MetricFamily(std::move(name), std::move(help), type, {}),
        read_(std::move(read)) {}

  void AppendText(std::string* out) const override {
    const std::optional<double> value = read_();
    if (!value.has_value()) return;
    AppendHeader(*this, out);
    AppendSample(name(), "", *value, out);
  }

 private:
  const std::function<std::optional<double>()> read_;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricFamily& MetricsRegistry::Register(std::unique_ptr<MetricFamily> family) {
  absl::MutexLock lock(&mu_);
  auto it = families_.find(family->name());
  if (it == families_.end()) {
    const std::string name = family->name();
    return *families_.emplace(name, std::move(family)).first->second;
  }
  if (!it->second->SameShape(*family) || !family->SameShape(*it->second)) {
    Fail(absl::StrCat("metric ", family->name(),
                      " registered twice with different kinds, labels or "
                      "bounds"));
  }
  return *it->second;
}

CounterFamily& MetricsRegistry::AddCounter(
    std::string name, std::string help, std::vector<std::string> label_names) {
  auto family = std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), MetricType::kCounter,
                        std::move(label_names)));
  return static_cast<CounterFamily&>(Register(std::move(family)));
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  auto family = std::unique_ptr<GaugeFamily>(
      new GaugeFamily(std::move(name), std::move(help), MetricType::kGauge,
                      std::move(label_names)));
  return static_cast<GaugeFamily&>(Register(std::move(family)));
}

HistogramFamily& MetricsRegistry::AddHistogram(
    std::string name, std::string help, std::vector<double> bounds,
    std::vector<std::string> label_names) {
  if (bounds.empty()) Fail(absl::StrCat(name, " has no bucket bounds"));
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Fail(absl::StrCat(name, " bucket bounds are not finite and increasing"));
    }
  }
  auto family = std::unique_ptr<HistogramFamily>(new HistogramFamily(
      std::move(name), std::move(help), MetricType::kHistogram,
      std::move(label_names), std::move(bounds)));
  return static_cast<HistogramFamily&>(Register(std::move(family)));
}

void MetricsRegistry::AddCallback(std::string name, std::string help,
                                  MetricType type,
                                  std::function<std::optional<double>()> read) {
  if (type == MetricType::kHistogram) {
    Fail(absl::StrCat(name, ": a callback metric is a counter or a gauge"));
  }
  auto family = std::make_unique<CallbackFamily>(
      std::move(name), std::move(help), type, std::move(read));
  const MetricFamily* added = family.get();
  const std::string added_name = family->name();
  // Two callbacks cannot share a metric: each would read its own value.
  if (&Register(std::move(family)) != added) {
    Fail(absl::StrCat("callback metric ", added_name, " registered twice"));
  }
}

std::string MetricsRegistry::TextExposition() const {
  // Families are never removed, so the pointers outlive the lock; rendering
  // outside it keeps callbacks (file reads) from blocking registration.
  std::vector<const MetricFamily*> families;
  {
    absl::MutexLock lock(&mu_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_)
      families.push_back(family.get());
  }
  std::string out;
  for (const MetricFamily* family : families) family->AppendText(&out);
  return out;
}

}  // namespace ndes::observability
