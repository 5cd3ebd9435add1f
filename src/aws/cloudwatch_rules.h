#pragma once

// What CloudWatch accepts in a metric it is asked to read: statistics, units and the sizes of
// names (API reference, MetricStat, Metric, Dimension; User Guide, "CloudWatch statistics
// definitions"). Config validation calls these, so a config is refused for the reasons
// CloudWatch would refuse its requests, before any request.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace statusbridge::aws {

inline constexpr size_t kMaxDimensions = 30;              // per metric
inline constexpr size_t kMaxMetricNameLength = 255;       // namespace, metric and dimension names
inline constexpr size_t kMaxDimensionValueLength = 1024;  // a dimension's value

// Sum, Average, Minimum, Maximum, SampleCount.
const std::vector<std::string_view>& BasicStatistics();

// StandardUnit (API reference, MetricDatum.Unit): Seconds, Bytes, Percent, Count, ..., None.
const std::vector<std::string_view>& StandardUnits();

// A statistic GetMetricData reads: one of BasicStatistics() (exact case), or an extended
// statistic (case-insensitive): pNN(.NN), tmNN, wmNN, tcNN, tsNN (percentages 0..100, at most 10
// decimal places), TM(a:b), WM(a:b), TC(a:b), TS(a:b) with bounds like (10%:90%), (:95%) or
// (150:1000), PR(a:b) with absolute bounds, and IQM.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
// Errors: InvalidArgument whose message is the reason: "invalid statistic \"<stat>\": <why>" for
// a malformed extended statistic, else "unknown statistic \"<stat>\"" with a did-you-mean when
// one of BasicStatistics() is close (the statistic escaped: core/text.h EscapeText).
Status CheckStatistic(std::string_view stat);

// One of StandardUnits(), exact case.
// Error: InvalidArgument "unknown unit \"<unit>\"" with a did-you-mean when one is close.
Status CheckUnit(std::string_view unit);

}  // namespace statusbridge::aws
