#pragma once

// The Collector turns configured metrics into settled, bucket-stamped points.
//
// For each metric it plans the window of buckets to read (bucket_plan.h), groups metrics whose
// windows are equal, and reads every query of a group in one GetMetricData call (the client
// splits at 500 queries); identical queries shared by several metrics are read once. It then
// evaluates each metric's expression per bucket with each query's missing-data policy and the
// metric's no_data policy (ComputeBucketValues). Nothing undefined is ever published as a number.
//
// One failing group does not stop the others: its metrics carry the error in MetricResult.status.
// Not thread-safe; owned by the runner.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/cloudwatch_client.h"
#include "pipeline/config.h"
#include "pipeline/expression.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

struct MetricResult {
  const MetricConfig* metric = nullptr;
  TimeWindow window;                      // the buckets that were read
  std::vector<statuspage::Point> points;  // settled, in time order, one per defined bucket
  int undefined_buckets = 0;              // buckets with no defined value (skipped or held)
  Status status;                          // non-OK: nothing was read for this metric
};

struct CollectReport {
  aws::CloudWatchStats cloudwatch;
  int windows = 0;  // distinct windows read
  int queries = 0;  // distinct queries requested (over all windows)
  int metrics_failed = 0;
};

// Per-metric inputs the caller keeps between cycles (issue 3's state store; empty in stateless
// one-shot runs).
struct MetricMemory {
  std::optional<SystemTime> watermark;  // newest bucket published
  std::optional<double> last_value;     // value published for that bucket (for no_data: hold)
};
using MemoryLookup = std::function<MetricMemory(const MetricConfig&)>;

// Pure: the values of `metric` for every bucket of `window`, given each query's series (in the
// order of metric.queries) and the value to hold when the first buckets are undefined.
// Undefined buckets (an unknown input, or a non-finite result) follow metric.no_data.
std::vector<statuspage::Point> ComputeBucketValues(
    const MetricConfig& metric, const Expression& expression, const TimeWindow& window,
    const std::vector<const aws::MetricSeries*>& series, std::optional<double> held,
    int* undefined_buckets);

class Collector {
 public:
  // REQUIRES: every metric's expression compiles (the config was validated). `metrics` and
  // `cloudwatch` must outlive the Collector.
  static Result<std::unique_ptr<Collector>> Create(const std::vector<MetricConfig>& metrics,
                                                   aws::CloudWatchClient& cloudwatch);

  // Reads and computes every metric at `now`. Returns one MetricResult per metric, in config order.
  std::vector<MetricResult> Collect(SystemTime now, const MemoryLookup& memory,
                                    CollectReport* report);

 private:
  Collector(const std::vector<MetricConfig>& metrics, aws::CloudWatchClient& cloudwatch,
            std::vector<Expression> expressions);

  // Reads `members` (indices into metrics_) over `window` into `results`.
  void ReadGroup(const TimeWindow& window, const std::vector<size_t>& members,
                 const MemoryLookup& memory, std::vector<MetricResult>& results,
                 CollectReport* report);

  const std::vector<MetricConfig>& metrics_;
  aws::CloudWatchClient& cloudwatch_;
  std::vector<Expression> expressions_;
};

}  // namespace statusbridge::pipeline
