#include "traffic.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace statusbridge::sandbox {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kIncidentBlock = 4 * 3600;
constexpr int64_t kIncidentLength = 12 * 60;

// Independent pseudo-random streams, so changing one metric's formula never moves another's.
enum Stream : uint64_t {
  kStreamRequests = 1,
  kStreamErrorsPresent = 2,
  kStreamErrorsCount = 3,
  kStreamErrorsRate = 4,
  kStreamLatencyMean = 5,
  kStreamLatencyMin = 6,
  kStreamLatencyMax = 7,
  kStreamIncidentStart = 8,
};

// splitmix64's finaliser: a well-mixed 64-bit hash, identical on every platform.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1), from the top 53 bits so every value is exactly representable.
double Uniform(uint64_t seed, Stream stream, int64_t key) {
  uint64_t h = Mix(Mix(seed) ^ Mix(stream) ^ static_cast<uint64_t>(key));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

int64_t AlignDownTo(int64_t t, int64_t period) { return FloorDiv(t, period) * period; }

// Daily: 1 +- 0.6 over the UTC day, lowest at 03:00, highest at 15:00. Flat: 1.
double Load(int64_t minute_start, TrafficShape shape) {
  if (shape == TrafficShape::kFlat) {
    return 1.0;
  }
  double day_fraction = static_cast<double>(minute_start - AlignDownTo(minute_start, kDay)) / kDay;
  return 1.0 + 0.6 * std::sin(2.0 * std::numbers::pi * (day_fraction - 0.375));
}

int64_t Requests(uint64_t seed, int64_t minute_start, TrafficShape shape) {
  double noise = 0.9 + 0.2 * Uniform(seed, kStreamRequests, minute_start);
  return std::llround(600.0 * Load(minute_start, shape) * noise);
}

std::optional<StatSet> ErrorsMinute(uint64_t seed, int64_t minute_start, TrafficShape shape) {
  int64_t errors = 0;
  if (IsIncidentMinute(seed, minute_start)) {
    double rate = 0.02 + 0.06 * Uniform(seed, kStreamErrorsRate, minute_start);
    errors = std::max<int64_t>(
        1, std::llround(static_cast<double>(Requests(seed, minute_start, shape)) * rate));
  } else if (Uniform(seed, kStreamErrorsPresent, minute_start) < 0.10) {
    errors = 1 + static_cast<int64_t>(3.0 * Uniform(seed, kStreamErrorsCount, minute_start));
  }
  if (errors == 0) {
    return std::nullopt;
  }
  return SingleValue(static_cast<double>(errors));
}

std::optional<StatSet> LatencyMinute(uint64_t seed, int64_t minute_start, TrafficShape shape) {
  int64_t requests = Requests(seed, minute_start, shape);
  if (requests <= 0) {
    return std::nullopt;
  }
  // Round the mean to whole microseconds so sums print as short decimals.
  double mean = 0.05 + 0.04 * Load(minute_start, shape) +
                0.02 * Uniform(seed, kStreamLatencyMean, minute_start);
  if (IsIncidentMinute(seed, minute_start)) {
    mean *= 4.0;
  }
  mean = std::round(mean * 1e6) / 1e6;
  StatSet set;
  set.sample_count = static_cast<double>(requests);
  set.sum = mean * static_cast<double>(requests);
  set.minimum =
      std::round((0.002 + 0.003 * Uniform(seed, kStreamLatencyMin, minute_start)) * 1e6) / 1e6;
  set.maximum =
      std::round(mean * (4.0 + 6.0 * Uniform(seed, kStreamLatencyMax, minute_start)) * 1e6) / 1e6;
  return set;
}

}  // namespace

std::optional<TrafficShape> ParseTrafficShape(std::string_view name) {
  if (name == "daily") {
    return TrafficShape::kDaily;
  }
  if (name == "flat") {
    return TrafficShape::kFlat;
  }
  return std::nullopt;
}

const char* TrafficShapeName(TrafficShape shape) {
  return shape == TrafficShape::kFlat ? "flat" : "daily";
}

StatSet SingleValue(double value) { return StatSet{1, value, value, value}; }

StatSet Combine(const StatSet& a, const StatSet& b) {
  if (a.sample_count <= 0) {
    return b;
  }
  if (b.sample_count <= 0) {
    return a;
  }
  return StatSet{a.sample_count + b.sample_count, a.sum + b.sum, std::min(a.minimum, b.minimum),
                 std::max(a.maximum, b.maximum)};
}

std::optional<Statistic> ParseStatistic(std::string_view name) {
  if (name == "Sum") {
    return Statistic::kSum;
  }
  if (name == "Average") {
    return Statistic::kAverage;
  }
  if (name == "Minimum") {
    return Statistic::kMinimum;
  }
  if (name == "Maximum") {
    return Statistic::kMaximum;
  }
  if (name == "SampleCount") {
    return Statistic::kSampleCount;
  }
  return std::nullopt;
}

double StatisticValue(const StatSet& set, Statistic stat) {
  switch (stat) {
    case Statistic::kSum:
      return set.sum;
    case Statistic::kAverage:
      return set.sum / set.sample_count;
    case Statistic::kMinimum:
      return set.minimum;
    case Statistic::kMaximum:
      return set.maximum;
    case Statistic::kSampleCount:
      return set.sample_count;
  }
  return 0;
}

bool IsIncidentMinute(uint64_t seed, int64_t minute_start) {
  int64_t block = FloorDiv(minute_start, kIncidentBlock);
  int64_t slots = (kIncidentBlock - kIncidentLength) / 60;
  int64_t offset = 60 * static_cast<int64_t>(static_cast<double>(slots) *
                                             Uniform(seed, kStreamIncidentStart, block));
  int64_t start = block * kIncidentBlock + offset;
  return minute_start >= start && minute_start < start + kIncidentLength;
}

std::optional<StatSet> GeneratedMinute(uint64_t seed, std::string_view metric_name,
                                       int64_t minute_start, TrafficShape shape) {
  if (minute_start % 60 != 0) {
    return std::nullopt;
  }
  if (metric_name == kRequestCount) {
    return SingleValue(static_cast<double>(Requests(seed, minute_start, shape)));
  }
  if (metric_name == kTarget5xxCount) {
    return ErrorsMinute(seed, minute_start, shape);
  }
  if (metric_name == kTargetResponseTime) {
    return LatencyMinute(seed, minute_start, shape);
  }
  return std::nullopt;
}

std::vector<Datapoint> Aggregate(const MinuteSource& source, Statistic stat, int64_t start,
                                 int64_t end, int64_t period) {
  std::vector<Datapoint> out;
  for (int64_t bucket = AlignDownTo(start, period); bucket < end; bucket += period) {
    StatSet combined;
    for (int64_t minute = bucket; minute < bucket + period && minute < end; minute += 60) {
      if (std::optional<StatSet> set = source(minute)) {
        combined = Combine(combined, *set);
      }
    }
    if (combined.sample_count > 0) {
      out.push_back(Datapoint{bucket, StatisticValue(combined, stat)});
    }
  }
  return out;
}

std::vector<Datapoint> GeneratedSeries(uint64_t seed, std::string_view metric_name, Statistic stat,
                                       int64_t start, int64_t end, int64_t period,
                                       TrafficShape shape) {
  return Aggregate(
      [&](int64_t minute) { return GeneratedMinute(seed, metric_name, minute, shape); }, stat,
      start, end, period);
}

uint64_t FleetSeed(uint64_t seed, int k) {
  return seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(k + 1));
}

}  // namespace statusbridge::sandbox
