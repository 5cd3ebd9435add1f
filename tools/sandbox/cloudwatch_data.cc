#include "cloudwatch_data.h"

#include <algorithm>
#include <mutex>

namespace statusbridge::sandbox {
namespace {

int64_t AlignToMinute(int64_t t) {
  int64_t r = t % 60;
  return r < 0 ? t - r - 60 : t - r;
}

}  // namespace

std::string CloudWatchData::Key(const MetricIdentity& metric) {
  // NUL separators: names and values are text and never contain one.
  std::vector<std::pair<std::string, std::string>> dims = metric.dimensions;
  std::sort(dims.begin(), dims.end());
  std::string key = metric.namespace_name;
  key.push_back('\0');
  key += metric.metric_name;
  for (const auto& [name, value] : dims) {
    key.push_back('\0');
    key += name;
    key.push_back('=');
    key += value;
  }
  return key;
}

std::optional<uint64_t> CloudWatchData::GeneratorSeed(const MetricIdentity& metric) const {
  if (metric.namespace_name != kDemoNamespace || metric.dimensions.size() != 1 ||
      metric.dimensions[0].first != kDemoDimensionName) {
    return std::nullopt;
  }
  const std::string& value = metric.dimensions[0].second;
  if (value == kDemoDimensionValue) return seed_;
  // "app/demo-alb-<k>/50dc6c495c0c9188"
  static constexpr std::string_view kPrefix = "app/demo-alb-";
  static constexpr std::string_view kSuffix = "/50dc6c495c0c9188";
  if (fleet_ <= 0 || value.size() <= kPrefix.size() + kSuffix.size() ||
      value.compare(0, kPrefix.size(), kPrefix) != 0 ||
      value.compare(value.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return std::nullopt;
  }
  std::string_view digits(value.data() + kPrefix.size(),
                          value.size() - kPrefix.size() - kSuffix.size());
  int k = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || k > fleet_) return std::nullopt;
    k = k * 10 + (c - '0');
  }
  if (k >= fleet_ || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  return FleetSeed(seed_, k);
}

void CloudWatchData::Put(const MetricIdentity& metric, int64_t timestamp, const StatSet& set,
                         PutMode mode) {
  std::unique_lock lock(mu_);
  PutMinute& minute = puts_[Key(metric)][AlignToMinute(timestamp)];
  if (mode == PutMode::kOverride) {
    minute.override_set = set;
    minute.added = StatSet{};
  } else {
    minute.added = Combine(minute.added, set);
  }
}

void CloudWatchData::ClearPuts() {
  std::unique_lock lock(mu_);
  puts_.clear();
}

std::vector<Datapoint> CloudWatchData::Query(const MetricIdentity& metric, Statistic stat,
                                             int64_t start, int64_t end, int64_t period,
                                             SystemTime now) const {
  const std::optional<uint64_t> generator = GeneratorSeed(metric);
  const bool demo = generator.has_value();
  const int64_t visible_before = ToUnixSeconds(now) - 60 - ingest_lag_.count();
  std::shared_lock lock(mu_);
  auto it = puts_.find(Key(metric));
  const Minutes* puts = it == puts_.end() ? nullptr : &it->second;
  if (!demo && puts == nullptr) {
    return {};
  }
  auto source = [&](int64_t minute) -> std::optional<StatSet> {
    std::optional<StatSet> base;
    if (demo && minute <= visible_before) {
      base = GeneratedMinute(*generator, metric.metric_name, minute);
    }
    if (puts == nullptr) {
      return base;
    }
    auto put = puts->find(minute);
    if (put == puts->end()) {
      return base;
    }
    if (put->second.override_set) {
      base = put->second.override_set;
    }
    StatSet combined = Combine(base.value_or(StatSet{}), put->second.added);
    if (combined.sample_count <= 0) {
      return std::nullopt;
    }
    return combined;
  };
  return Aggregate(source, stat, start, end, period);
}

}  // namespace statusbridge::sandbox
