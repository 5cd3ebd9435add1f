#pragma once

// The sandbox's deterministic traffic for a demo Application Load Balancer, and the CloudWatch
// statistic arithmetic the emulator answers GetMetricData with.
//
// Every generated value is a pure function of (seed, metric name, minute start): the same
// arguments give the same StatSet on every run and machine, so a test can compute the exact series
// the sandbox will serve for any window, including backfills weeks in the past.
//
// The demo load balancer lives in namespace AWS/ApplicationELB with the single dimension
// LoadBalancer=app/demo-alb/50dc6c495c0c9188 and publishes, per minute:
//  - RequestCount: every minute. An integer (SampleCount 1, Sum = Minimum = Maximum = requests)
//    following the TrafficShape (daily: a sinusoid over the UTC day, lowest around 03:00, highest
//    around 15:00; flat: the daily mean at every hour) with +-10% pseudo-random noise.
//  - HTTPCode_Target_5XX_Count: only in some minutes; absent otherwise, as ALB does. Outside
//    incidents about 10% of minutes carry 1..3 errors; during an incident every minute carries
//    2%..8% of that minute's requests (at least 1).
//  - TargetResponseTime: a statistic set in seconds with SampleCount = that minute's requests,
//    Sum = requests * mean latency, and plausible Minimum/Maximum; the mean is ~50..110 ms, four
//    times higher during incidents.
// Incidents: each 4-hour block of the UTC day holds one 12-minute incident at a start picked from
// (seed, block), so the demo shows an error spike every few hours.
//
// Thread-safe: all functions are pure.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace statusbridge::sandbox {

inline constexpr std::string_view kDemoNamespace = "AWS/ApplicationELB";
inline constexpr std::string_view kDemoDimensionName = "LoadBalancer";
inline constexpr std::string_view kDemoDimensionValue = "app/demo-alb/50dc6c495c0c9188";
inline constexpr std::string_view kRequestCount = "RequestCount";
inline constexpr std::string_view kTarget5xxCount = "HTTPCode_Target_5XX_Count";
inline constexpr std::string_view kTargetResponseTime = "TargetResponseTime";

// How the demo's load varies over the UTC day. Only the load (requests per minute, and the
// latency that follows it) depends on the shape; noise, errors outside incidents and incidents do
// not.
enum class TrafficShape {
  // load = 1 + 0.6 sin(2π(day_fraction − 0.375)): lowest at 03:00 UTC (0.4), highest at 15:00
  // (1.6). What `make demo` shows.
  kDaily,
  // load = 1 at every minute: a window holds the same volume (about 600 requests, and 600 log
  // events, a minute) whatever the time of day. What the tests use, so their cost does not depend
  // on the hour they run at.
  kFlat,
};

// "daily" or "flat"; nullopt for anything else.
std::optional<TrafficShape> ParseTrafficShape(std::string_view name);
const char* TrafficShapeName(TrafficShape shape);

// A CloudWatch statistic set: what one minute (or one aggregated bucket) of a metric holds.
struct StatSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;

  friend bool operator==(const StatSet&, const StatSet&) = default;
};

// The set a single datapoint `value` makes (PutMetricData with Value).
StatSet SingleValue(double value);

// The union of two sets: counts and sums add, extremes combine. An empty set (sample_count 0) is
// the identity.
StatSet Combine(const StatSet& a, const StatSet& b);

enum class Statistic { kSum, kAverage, kMinimum, kMaximum, kSampleCount };

// "Sum", "Average", "Minimum", "Maximum", "SampleCount" (case-sensitive, as CloudWatch is);
// nullopt for anything else, extended statistics such as "p99" included.
std::optional<Statistic> ParseStatistic(std::string_view name);

// The statistic's value over `set`; Average is Sum / SampleCount. REQUIRES: set.sample_count > 0.
double StatisticValue(const StatSet& set, Statistic stat);

// The demo load balancer's data for the minute starting at `minute_start` (epoch seconds), or
// nullopt when the metric has no datapoint in that minute: an unknown metric name, a minute
// without 5XX errors, or a `minute_start` that is not a multiple of 60.
std::optional<StatSet> GeneratedMinute(uint64_t seed, std::string_view metric_name,
                                       int64_t minute_start,
                                       TrafficShape shape = TrafficShape::kDaily);

// The generator seed of load balancer k of the sandbox's fleet (--fleet), derived from `seed`.
uint64_t FleetSeed(uint64_t seed, int k);

// True when `minute_start` falls inside one of the demo's incidents for `seed`.
bool IsIncidentMinute(uint64_t seed, int64_t minute_start);

struct Datapoint {
  int64_t timestamp = 0;  // bucket start, epoch seconds
  double value = 0;

  friend bool operator==(const Datapoint&, const Datapoint&) = default;
};

// One minute of a metric, or nullopt when the metric has no data in that minute.
using MinuteSource = std::function<std::optional<StatSet>(int64_t minute_start)>;

// CloudWatch's aggregation as the sandbox performs it: buckets of `period` seconds starting at
// `start` aligned down to `period` (epoch-based), each combining the minutes m with
// bucket <= m < bucket + period and m < `end`, in ascending minute order. Buckets without any data
// are omitted. The result is in ascending timestamp order.
// REQUIRES: period is a positive multiple of 60.
std::vector<Datapoint> Aggregate(const MinuteSource& source, Statistic stat, int64_t start,
                                 int64_t end, int64_t period);

// Aggregate() over GeneratedMinute(seed, metric_name, ·, shape): exactly what GetMetricData
// returns for a demo metric (with ScanBy TimestampAscending) when no ingestion lag applies and no
// control data was put for it.
std::vector<Datapoint> GeneratedSeries(uint64_t seed, std::string_view metric_name, Statistic stat,
                                       int64_t start, int64_t end, int64_t period,
                                       TrafficShape shape = TrafficShape::kDaily);

}  // namespace statusbridge::sandbox
