#include "cloudwatch_data.h"

#include <algorithm>
#include <mutex>

namespace statusbridge::sandbox {
namespace {

int64_t AlignDown(int64_t t, int64_t period) {
  int64_t r = t % period;
  return r < 0 ? t - r - period : t - r;
}

int64_t AlignToMinute(int64_t t) { return AlignDown(t, 60); }

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

CloudWatchData::Sample CloudWatchData::CombineSamples(const Sample& a, const Sample& b) {
  auto known = [](const Sample& sample) {
    return sample.values ? sample.values : ValuesOfStatSet(sample.set);
  };
  Sample out;
  out.set = Combine(a.set, b.set);
  std::optional<std::vector<WeightedValue>> va = known(a);
  std::optional<std::vector<WeightedValue>> vb = known(b);
  if (va && vb) {
    out.values = std::move(*va);
    out.values->insert(out.values->end(), vb->begin(), vb->end());
  }
  return out;
}

void CloudWatchData::Put(const MetricIdentity& metric, int64_t timestamp, const StatSet& set,
                         PutMode mode, std::optional<std::vector<WeightedValue>> values) {
  std::unique_lock lock(mu_);
  PutMinute& minute = puts_[Key(metric)][AlignToMinute(timestamp)];
  Sample sample{set, std::move(values)};
  if (mode == PutMode::kOverride) {
    minute.override_sample = std::move(sample);
    minute.added = Sample{StatSet{}, std::vector<WeightedValue>{}};
  } else {
    minute.added = CombineSamples(minute.added, sample);
  }
}

void CloudWatchData::ClearPuts() {
  std::unique_lock lock(mu_);
  puts_.clear();
}

std::optional<CloudWatchData::Sample> CloudWatchData::SampleLocked(
    const MetricIdentity& metric, std::optional<uint64_t> generator, int64_t visible_before,
    const Minutes* puts, int64_t minute) const {
  std::optional<Sample> base;
  if (generator && minute <= visible_before) {
    if (std::optional<StatSet> set =
            GeneratedMinute(*generator, metric.metric_name, minute, shape_)) {
      base = Sample{*set, std::nullopt};
    }
  }
  if (puts == nullptr) {
    return base;
  }
  auto put = puts->find(minute);
  if (put == puts->end()) {
    return base;
  }
  if (put->second.override_sample) {
    base = put->second.override_sample;
  }
  Sample combined = CombineSamples(base.value_or(Sample{StatSet{}, std::vector<WeightedValue>{}}),
                                   put->second.added);
  if (combined.set.sample_count <= 0) {
    return std::nullopt;
  }
  return combined;
}

void CloudWatchData::ForEachMinute(const MetricIdentity& metric, int64_t start, int64_t end,
                                   int64_t period, SystemTime now,
                                   const std::function<void(int64_t, const Sample&)>& visit) const {
  const std::optional<uint64_t> generator = GeneratorSeed(metric);
  const int64_t visible_before = ToUnixSeconds(now) - 60 - ingest_lag_.count();
  const int64_t first = AlignDown(start, period);
  std::shared_lock lock(mu_);
  auto it = puts_.find(Key(metric));
  const Minutes* puts = it == puts_.end() ? nullptr : &it->second;
  if (generator) {
    for (int64_t minute = first; minute < end; minute += 60) {
      if (auto sample = SampleLocked(metric, generator, visible_before, puts, minute)) {
        visit(minute, *sample);
      }
    }
  } else if (puts != nullptr) {
    for (auto put = puts->lower_bound(first); put != puts->end() && put->first < end; ++put) {
      if (auto sample = SampleLocked(metric, generator, visible_before, puts, put->first)) {
        visit(put->first, *sample);
      }
    }
  }
}

std::vector<Datapoint> CloudWatchData::Query(const MetricIdentity& metric, Statistic stat,
                                             int64_t start, int64_t end, int64_t period,
                                             SystemTime now) const {
  const std::optional<uint64_t> generator = GeneratorSeed(metric);
  const int64_t visible_before = ToUnixSeconds(now) - 60 - ingest_lag_.count();
  std::shared_lock lock(mu_);
  auto it = puts_.find(Key(metric));
  const Minutes* puts = it == puts_.end() ? nullptr : &it->second;
  if (!generator && puts == nullptr) {
    return {};
  }
  auto source = [&](int64_t minute) -> std::optional<StatSet> {
    std::optional<Sample> sample = SampleLocked(metric, generator, visible_before, puts, minute);
    return sample ? std::optional<StatSet>(sample->set) : std::nullopt;
  };
  return Aggregate(source, stat, start, end, period);
}

std::vector<Datapoint> CloudWatchData::QueryExtended(const MetricIdentity& metric,
                                                     const ExtendedStatistic& stat, int64_t start,
                                                     int64_t end, int64_t period,
                                                     SystemTime now) const {
  std::map<int64_t, Sample> minutes;
  ForEachMinute(metric, start, end, period, now, [&minutes](int64_t minute, const Sample& sample) {
    minutes.emplace(minute, sample);
  });
  std::vector<Datapoint> out;
  if (minutes.empty()) {
    return out;
  }
  for (int64_t bucket = AlignDown(start, period); bucket < end; bucket += period) {
    Sample combined{StatSet{}, std::vector<WeightedValue>{}};
    for (auto it = minutes.lower_bound(bucket);
         it != minutes.end() && it->first < bucket + period && it->first < end; ++it) {
      combined = CombineSamples(combined, it->second);
    }
    if (combined.set.sample_count <= 0 || !combined.values) {
      continue;
    }
    if (std::optional<double> value = ExtendedStatisticValue(*combined.values, stat)) {
      out.push_back(Datapoint{bucket, *value});
    }
  }
  return out;
}

}  // namespace statusbridge::sandbox
