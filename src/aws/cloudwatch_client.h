#pragma once

// Reads CloudWatch metric statistics with GetMetricData over the AWS JSON 1.0 protocol, as current
// AWS SDKs send it (Content-Type application/x-amz-json-1.0, X-Amz-Target
// GraniteServiceVersion20100801.GetMetricData, x-amzn-query-mode: true; epoch-second timestamps).
// JSON, signing and HTTP stay inside aws/; callers speak MetricQuery and MetricSeries.
//
// Thread-compatible: one caller at a time.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

// Limits of one GetMetricData call (API reference, GetMetricData).
inline constexpr int kMaxQueriesPerCall = 500;
inline constexpr int64_t kMaxDatapointsPerCall = 100800;

struct Dimension {
  std::string name;
  std::string value;
  friend bool operator==(const Dimension&, const Dimension&) = default;
};

struct MetricStat {
  std::string namespace_name;  // "AWS/ApplicationELB"
  std::string metric_name;     // "RequestCount"
  std::vector<Dimension> dimensions;
  std::string stat;            // "Sum", "Average", "Minimum", "Maximum", "SampleCount", "p99", ...
  std::string unit;            // optional; empty means not sent
  Seconds period{60};          // a multiple of 60
};

struct MetricQuery {
  std::string id;  // caller's key, unique per GetMetricData() call; any string (the client
                   // assigns wire ids itself)
  MetricStat stat;
};

// One query's result: bucket start -> value, only for buckets CloudWatch returned.
struct MetricSeries {
  std::string id;
  std::map<SystemTime, double> values;
};

// What a GetMetricData() call cost, for the cycle's report.
struct CloudWatchStats {
  int calls = 0;          // HTTP requests made, retries included
  int throttled = 0;      // throttling responses that were retried
  int64_t datapoints = 0; // values received
};

struct CloudWatchOptions {
  std::string endpoint;  // "https://monitoring.eu-west-1.amazonaws.com" or a loopback override
  std::string region;    // signing region
  int max_attempts = 4;  // per HTTP call, for throttling / 5xx / transport errors
  BackoffPolicy backoff{Millis(200), Millis(5000)};
  Millis timeout{20000};
};

class CloudWatchClient {
 public:
  virtual ~CloudWatchClient() = default;

  // Fetches every query over `window` (REQUIRES: start and end aligned to every query's period).
  // Splits into calls of at most kMaxQueriesPerCall queries and kMaxDatapointsPerCall datapoints
  // (splitting the window into aligned sub-windows when needed), follows NextToken, and repeats
  // PartialData results. Throttling, 5xx and transport errors are retried with jittered backoff
  // up to max_attempts. Any other failure fails the whole call with a Status naming the AWS error
  // code and message. The result has one MetricSeries per query, in the order of `queries`.
  virtual Result<std::vector<MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                          const TimeWindow& window,
                                                          CloudWatchStats* stats) = 0;
};

std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options);

}  // namespace statusbridge::aws
