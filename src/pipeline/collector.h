#pragma once

// The Collector turns configured metrics into settled, bucket-stamped points.
//
// For each metric it plans the window of buckets to read (bucket_plan.h). Then:
//  - CloudWatch (metric and metric-math queries): queries are grouped by (AWS target, window) and
//    each group is read in one GetMetricData() call (the client splits at 500 queries); identical
//    queries shared by several metrics are read once. A group that fails with InvalidArgument is
//    re-read metric by metric, so one bad query does not starve its neighbours.
//  - Logs Insights: every distinct (target, log groups, query, window) runs once; all of a
//    target's queries run together under aws.logs.max_concurrent_queries and one overall
//    deadline (aws.logs.query_timeout); rows become one value per bucket (LogsRowsToPoints).
// Each metric's expression is then evaluated per bucket with each query's missing-data policy and
// the metric's no_data policy (ComputeBucketValues). Nothing undefined is published as a number.
//
// One failing query fails only the metrics that use it (MetricResult.status); the others publish.
// Not thread-safe; owned by the runner.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/cloudwatch_client.h"
#include "aws/logs_client.h"
#include "pipeline/config.h"
#include "pipeline/expression.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

struct MetricResult {
  const MetricConfig* metric = nullptr;
  TimeWindow window;                      // the buckets that were read
  std::vector<statuspage::Point> points;  // settled, in time order, one per defined bucket
  int undefined_buckets = 0;              // buckets with no defined value (skipped or held)
  Status status;                          // non-OK: the metric could not be computed
};

// A Logs Insights query covers at most this many buckets; longer windows are split.
inline constexpr int kMaxLogsBucketsPerQuery = 5000;

struct CollectReport {
  aws::CloudWatchStats cloudwatch;
  aws::LogsRunStats logs;
  int windows = 0;       // distinct (target, window) GetMetricData groups
  int queries = 0;       // distinct CloudWatch queries requested (over all groups)
  int logs_queries = 0;  // distinct Logs Insights queries run
  int metrics_failed = 0;
};

// Per-metric inputs the caller keeps between cycles (the state store; empty in one-shot runs).
struct MetricMemory {
  std::optional<SystemTime> watermark;  // newest bucket processed
  std::optional<double> last_value;     // value published last (for no_data: hold)
};
using MemoryLookup = std::function<MetricMemory(const MetricConfig&)>;

// The AWS clients for one target (region and role). The App builds and caches them; tests fake
// them. A target whose credentials or region cannot be resolved returns an error, which fails
// only the metrics reading from it.
class SourceClients {
 public:
  virtual ~SourceClients() = default;
  virtual Result<aws::CloudWatchClient*> CloudWatch(const AwsTarget& target) = 0;
  virtual Result<aws::LogsInsightsClient*> Logs(const AwsTarget& target) = 0;
};

// Pure: the values of `metric` for every bucket of `window`, given each query's series (in the
// order of metric.queries; nullptr = no data at all) and the value to hold when the first
// buckets are undefined. Undefined buckets (an unknown input, or a non-finite result) follow
// metric.no_data.
std::vector<statuspage::Point> ComputeBucketValues(
    const MetricConfig& metric, const Expression& expression, const TimeWindow& window,
    const std::vector<const aws::MetricSeries*>& series, std::optional<double> held,
    int* undefined_buckets);

class Collector {
 public:
  // REQUIRES: every metric's expression compiles (the config was validated). `metrics`, `logs`
  // and `clients` must outlive the Collector.
  static Result<std::unique_ptr<Collector>> Create(const std::vector<MetricConfig>& metrics,
                                                   const LogsConfig& logs, SourceClients& clients);

  // Reads and computes every metric at `now`. One MetricResult per metric, in config order.
  // `deadline` bounds every read (GetMetricData pages and retries, Logs Insights polling, which
  // also stops at aws.logs.query_timeout) and carries the stop request; a read cut off by it
  // fails its metrics with DeadlineExceeded.
  std::vector<MetricResult> Collect(SystemTime now, const MemoryLookup& memory,
                                    CollectReport* report, const Deadline& deadline = Deadline());

 private:
  struct Plan;  // one cycle's reads, defined in collector.cc

  Collector(const std::vector<MetricConfig>& metrics, const LogsConfig& logs,
            SourceClients& clients, std::vector<Expression> expressions,
            std::vector<size_t> expression_of);

  void ReadCloudWatch(Plan& plan, CollectReport* report, const Deadline& deadline);
  void ReadLogs(Plan& plan, CollectReport* report, const Deadline& deadline);

  const std::vector<MetricConfig>& metrics_;
  const LogsConfig& logs_;
  SourceClients& clients_;
  // Distinct compiled expressions (metrics with the same text and query names share one: a
  // muParser instance costs kilobytes, and 1000 metrics often use a handful of formulas).
  std::vector<Expression> expressions_;
  std::vector<size_t> expression_of_;  // [metric] -> index into expressions_
};

}  // namespace statusbridge::pipeline
