#pragma once

// CloudWatch's extended statistics as the sandbox computes them, from the raw values behind a
// bucket: percentiles "pNN" / "pNN.N" / "pNN.NN" (0 <= NN <= 100) and trimmed means "tmNN" (the
// mean of the lowest NN percent of the values, 0 < NN <= 100).
//
// Definitions (AWS's own are approximate; these are exact and documented in README.md):
//  - Values carry weights (PutMetricData's Counts; 1 when omitted). W is the total weight.
//  - pP is the nearest-rank percentile: the smallest value v such that the weight of the values
//    <= v is at least P/100 × W (with integer weights: the value at rank ceil(P/100 × W) of the
//    sorted values); p0 is the smallest value.
//  - tmP is the weighted mean of the lowest P/100 × W of the weight, the value straddling the
//    boundary counting with the part of its weight below it.
//  - A statistic set stands for raw values only as CloudWatch allows it: when Minimum == Maximum
//    and Sum == Minimum × SampleCount (a single value, SampleCount 1, is the common case), it is
//    SampleCount copies of that value. Any other set has no raw values, and a bucket holding one
//    has no extended statistic.
//
// Thread-safe: pure functions.

#include <optional>
#include <string_view>
#include <vector>

#include "traffic.h"

namespace statusbridge::sandbox {

struct WeightedValue {
  double value = 0;
  double count = 1;

  friend bool operator==(const WeightedValue&, const WeightedValue&) = default;
};

struct ExtendedStatistic {
  enum class Kind { kPercentile, kTrimmedMean };
  Kind kind = Kind::kPercentile;
  double percent = 0;  // 0..100
};

// "p99", "p99.9", "p99.99", "p0", "p100", "tm90", "tm99.5"; nullopt for anything else (including
// the basic statistics, upper-case forms and ranges such as TM(10%:90%)).
std::optional<ExtendedStatistic> ParseExtendedStatistic(std::string_view name);

// The statistic over `values`; nullopt when their total weight is 0.
std::optional<double> ExtendedStatisticValue(std::vector<WeightedValue> values,
                                             const ExtendedStatistic& stat);

// The raw values a statistic set stands for (see above): an empty list for an empty set, one
// weighted value for a set of identical values, nullopt otherwise.
std::optional<std::vector<WeightedValue>> ValuesOfStatSet(const StatSet& set);

// The statistic set of raw values; sample_count 0 when their total weight is 0.
StatSet StatSetOfValues(const std::vector<WeightedValue>& values);

}  // namespace statusbridge::sandbox
