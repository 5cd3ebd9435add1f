#pragma once

// The vocabulary of CloudWatch's GetMetricData shared by the metric-math rules
// (aws/metric_math.h), the call planner (aws/get_metric_data_plan.h), the wire format
// (aws/get_metric_data_wire.h) and the client (aws/cloudwatch_client.h): what to read
// (MetricStat, MetricQuery), what comes back (MetricSeries), the API's limits and the Ids the
// queries travel under.
//
// Plain values; thread-compatible.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace statusbridge::aws {

// Limits of one GetMetricData call (API reference, GetMetricData).
inline constexpr int kMaxQueriesPerCall = 500;
inline constexpr int64_t kMaxDatapointsPerCall = 100800;

// Windows and timestamps are limited to the years 1970..9999 (9999-12-31T23:59:59Z), which keeps
// every datapoint count and period product in the planner far from int64 overflow.
inline constexpr int64_t kMaxEpochSeconds = 253402300799;

struct Dimension {
  std::string name;
  std::string value;
  friend bool operator==(const Dimension&, const Dimension&) = default;
};

struct MetricStat {
  std::string namespace_name;  // "AWS/ApplicationELB"
  std::string metric_name;     // "RequestCount"
  std::vector<Dimension> dimensions;
  std::string stat;    // "Sum", "Average", "Minimum", "Maximum", "SampleCount", "p99", ...
  std::string unit;    // optional; empty means not sent
  Seconds period{60};  // a multiple of 60 (1, 5, 10, 20 or 30 for high-resolution metrics)
};

// One series to fetch: either a metric (`expression` empty: `stat` is read) or a metric-math
// expression that CloudWatch evaluates over `inputs` (`expression` set: `stat` is ignored).
//
// Math queries (aws.md §1.5; CloudWatch User Guide, "Metric math syntax and functions"):
//   - `expression` is CloudWatch metric math, e.g. "FILL(m1, 0)", "100 * (1 - m2 / m1)",
//     "SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} RequestCount', 'Sum', 60))", or a Metrics
//     Insights query ("SELECT SUM(RequestCount) FROM \"AWS/ApplicationELB\"").
//   - It names its inputs by the ids in `inputs` (m1, m2, ...). Ids only need to be unique within
//     the query: the client renames them on the wire, so several queries may all use m1.
//   - The client expects exactly one result series per math query. An expression that yields
//     several (a SEARCH matching several metrics, a GROUP BY, ANOMALY_DETECTION_BAND) fails the
//     call with InvalidArgument naming the query: AWS's own answer for "one series from many" is
//     an aggregate in the expression (SUM(SEARCH(...))), as its alarms and anomaly detectors
//     also require a single series, so the client does not pick or sum series silently.
//   - METRICS() is refused: it sees every metric of the GetMetricData call, and calls are shared
//     between queries (and METRICS("str") filters by wire id, which the client rewrites). List
//     the ids instead: SUM([m1, m2]).
//   - Metrics Insights (an expression starting with SELECT) takes no inputs, is sent verbatim,
//     and at most one travels per call.
struct MetricQuery {
  std::string id;  // caller's key, unique per GetMetricData() call; any string (the client
                   // assigns wire ids itself)
  MetricStat stat;

  std::string expression;  // non-empty: a math query; 1..2048 characters, also once rewritten
  Seconds period{60};      // the expression's Period: the granularity of its result
  std::vector<std::pair<std::string, MetricStat>> inputs;  // math only: id in `expression` ->
                                                           // metric; ids ^[a-z][a-zA-Z0-9_]*$,
                                                           // at most 255 characters, unique
  std::string label;  // math only, optional: sent as the expression's Label
};

// One query's result: bucket start -> value, only for buckets CloudWatch returned.
struct MetricSeries {
  std::string id;
  std::map<SystemTime, double> values;
};

// A math query: one with an expression or inputs (a query with inputs but no expression is an
// invalid math query, not a metric).
inline bool IsMathQuery(const MetricQuery& query) {
  return !query.expression.empty() || !query.inputs.empty();
}

// Wire Ids. Query number i of the caller's vector travels with Id "q<i>" (e.g. "q1200"), so Ids
// are unique, valid (they start with a lowercase letter) and map back without a table; a math
// query's input number k travels as "q<i>_<k>".
inline std::string WireId(size_t index) { return "q" + std::to_string(index); }
inline std::string InputWireId(size_t index, size_t input) {
  return WireId(index) + "_" + std::to_string(input);
}

}  // namespace statusbridge::aws
