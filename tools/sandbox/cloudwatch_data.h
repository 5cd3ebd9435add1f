#pragma once

// CloudWatchData is the sandbox's metric store: what GetMetricData reads. A metric's minute is the
// generated demo data (traffic.h), combined with datapoints put through the control API.
//
// Rules, as CloudWatch applies them:
//  - A metric is identified by namespace, name and the full set of dimensions; a query matches
//    only the exact set (no wildcard, no subset). Only the demo load balancer's exact identity has
//    generated data; every other metric has only what was put.
//  - Generated minute m becomes visible once now >= m + 60 + ingest_lag (so the minute in
//    progress is never served). Put data is visible at once: tests put it to model late data.
//  - kOverride replaces the minute (generated data and earlier puts); kAdd combines with whatever
//    the minute held, as a second PutMetricData into the same minute would.
//  - Raw values put with a minute are kept for extended statistics (extended_stats.h). A minute
//    has raw values when every part of it came as raw values or as a statistic set that stands for
//    them (ValuesOfStatSet); a bucket with a minute without them has no extended statistic.
//
// Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "extended_stats.h"
#include "traffic.h"

namespace statusbridge::sandbox {

struct MetricIdentity {
  std::string namespace_name;
  std::string metric_name;
  std::vector<std::pair<std::string, std::string>> dimensions;  // any order; compared as a set
};

enum class PutMode { kOverride, kAdd };

class CloudWatchData {
 public:
  // `fleet` > 0 adds generated data for that many more load balancers, LoadBalancer values
  // "app/demo-alb-<k>/50dc6c495c0c9188" for k in [0, fleet), each with its own seed (FleetSeed);
  // the benchmark uses them to configure many distinct metrics. `shape` is the generated load's
  // shape over the day (traffic.h).
  CloudWatchData(uint64_t seed, Seconds ingest_lag, int fleet = 0,
                 TrafficShape shape = TrafficShape::kDaily)
      : seed_(seed), ingest_lag_(ingest_lag), fleet_(fleet), shape_(shape) {}

  // Stores `set` for the minute containing `timestamp` (aligned down to 60 s), with the raw
  // `values` behind it when given.
  // REQUIRES: set.sample_count > 0; when given, StatSetOfValues(*values) == set.
  void Put(const MetricIdentity& metric, int64_t timestamp, const StatSet& set, PutMode mode,
           std::optional<std::vector<WeightedValue>> values = std::nullopt);

  // Forgets everything put; the generated data stays.
  void ClearPuts();

  // The datapoints GetMetricData returns for `metric` over [start, end) with `period` buckets
  // (see Aggregate() in traffic.h), ascending, as visible at `now`.
  // REQUIRES: period is a positive multiple of 60.
  std::vector<Datapoint> Query(const MetricIdentity& metric, Statistic stat, int64_t start,
                               int64_t end, int64_t period, SystemTime now) const;

  // The same for an extended statistic: buckets as Aggregate() makes them, each computed from the
  // raw values of its minutes; a bucket without data, or with a minute that has no raw values, is
  // omitted.
  std::vector<Datapoint> QueryExtended(const MetricIdentity& metric, const ExtendedStatistic& stat,
                                       int64_t start, int64_t end, int64_t period,
                                       SystemTime now) const;

  uint64_t seed() const { return seed_; }

 private:
  // A minute's statistic set and, when known, the raw values behind it.
  struct Sample {
    StatSet set;
    std::optional<std::vector<WeightedValue>> values;
  };
  static Sample CombineSamples(const Sample& a, const Sample& b);

  // What the control API did to one minute: the effective value is
  // CombineSamples(override or generated, added).
  struct PutMinute {
    std::optional<Sample> override_sample;
    Sample added{StatSet{}, std::vector<WeightedValue>{}};
  };
  using Minutes = std::map<int64_t, PutMinute>;

  // The effective sample of `minute`, or nullopt without data. REQUIRES: mu_ held.
  std::optional<Sample> SampleLocked(const MetricIdentity& metric,
                                     std::optional<uint64_t> generator, int64_t visible_before,
                                     const Minutes* puts, int64_t minute) const;

  // Calls visit(minute, sample) for every minute with data among the minutes of [start, end) that
  // Aggregate() would read, ascending, as visible at `now`.
  void ForEachMinute(const MetricIdentity& metric, int64_t start, int64_t end, int64_t period,
                     SystemTime now,
                     const std::function<void(int64_t, const Sample&)>& visit) const;

  static std::string Key(const MetricIdentity& metric);
  // The generator seed of a metric with generated data (the demo load balancer or one of the
  // fleet), or nullopt for any other metric.
  std::optional<uint64_t> GeneratorSeed(const MetricIdentity& metric) const;

  const uint64_t seed_;
  const Seconds ingest_lag_;
  const int fleet_ = 0;
  const TrafficShape shape_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Minutes> puts_;  // by Key()
};

}  // namespace statusbridge::sandbox
