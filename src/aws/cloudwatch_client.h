#pragma once

// Reads CloudWatch metric statistics with GetMetricData over the AWS JSON 1.0 protocol, as current
// AWS SDKs send it (Content-Type application/x-amz-json-1.0, X-Amz-Target
// GraniteServiceVersion20100801.GetMetricData, x-amzn-query-mode: true; epoch-second timestamps;
// ../shared/docs/research/aws.md §1). JSON, signing and HTTP stay inside aws/; callers speak
// MetricQuery and MetricSeries.
//
// Requests are SigV4-signed for service "monitoring" in options.region, at clock.Now(), with
// credentials fetched from the provider for every attempt (so a refreshed token is picked up).
// Errors are Status values whose message starts with "GetMetricData" and, for AWS errors, names
// the HTTP status, the AWS error code and the server's message (aws/aws_error.h). A response we
// cannot make sense of (not JSON, wrong types, unknown Ids, mismatched lengths, non-finite
// values) is an Internal error naming what was wrong; it is never retried.
//
// Thread-compatible: one caller at a time.

#include <cstddef>
#include <cstdint>
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

// A plan needing more calls than this is refused: the window is far too long for the periods
// (10,000 calls is about a billion datapoints).
inline constexpr int64_t kMaxPlannedCalls = 10000;

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

// What GetMetricData() calls cost, for the cycle's report. GetMetricData() adds to it, so one
// CloudWatchStats can sum several calls.
struct CloudWatchStats {
  int calls = 0;           // HTTP requests made, retries included
  int throttled = 0;       // throttling responses that were retried
  int64_t datapoints = 0;  // values received in well-formed responses (inside the window or not)
};

struct CloudWatchOptions {
  std::string endpoint;  // "https://monitoring.eu-west-1.amazonaws.com" or a loopback override;
                         // requests go to "<endpoint>/"
  std::string region;    // signing region, required
  int max_attempts = 4;  // per HTTP request, for throttling / 5xx / transport errors, and per
                         // page for results with StatusCode InternalError (values < 1 mean 1)
  BackoffPolicy backoff{Millis(200), Millis(5000)};  // delay before retry n (0-based):
                                                     // BackoffDelay(backoff, n, random)
  Millis timeout{20000};                             // per HTTP request
  int max_pages_per_call = 1000;  // NextToken pages followed per planned call before giving up
                                  // (Internal); guards against a server that never stops paging
};

class CloudWatchClient {
 public:
  virtual ~CloudWatchClient() = default;

  // Fetches every query over `window`. The result has one MetricSeries per query, in the order of
  // `queries`, holding the buckets CloudWatch returned inside `window` (bucket start -> value).
  //
  // The calls are planned by PlanGetMetricDataCalls(). Each call follows NextToken until it is
  // absent (PartialData results get their remaining values that way); results with StatusCode
  // InternalError are re-requested up to max_attempts times. Throttling (ResourceExhausted), 5xx
  // (Unavailable) and transport errors (Unavailable, DeadlineExceeded) are retried up to
  // max_attempts attempts per request, sleeping BackoffDelay(backoff, n, random) on `clock` and
  // re-signing at the current time; the last error is returned when they run out.
  //
  // Errors (the whole call fails; no partial result):
  //   InvalidArgument   a query or the window is invalid (see PlanGetMetricDataCalls), a bad
  //                     endpoint or region, or AWS rejected the request (HTTP 4xx, e.g.
  //                     ValidationError)
  //   PermissionDenied  AWS rejected the credentials or signature (403, SignatureDoesNotMatch,
  //                     ExpiredToken, ...), or a result came back Forbidden (names the metric)
  //   ResourceExhausted still throttled after max_attempts
  //   Unavailable / DeadlineExceeded   still failing after max_attempts
  //   Internal          a response we cannot make sense of
  //   anything the CredentialsProvider returned, prefixed with "GetMetricData"
  // `stats` may be nullptr; otherwise the calls' cost is added to it, also when the call fails.
  virtual Result<std::vector<MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                          const TimeWindow& window,
                                                          CloudWatchStats* stats) = 0;
};

// `http`, `credentials` and `clock` must outlive the client. `random` feeds the backoff jitter.
std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options);

// ---- Planning (pure; exposed for tests) ----

// One GetMetricData request of a plan: some of the caller's queries over one (sub-)window.
// On the wire, query number i of the caller's vector travels with Id "q<i>" (e.g. "q1200"), so
// Ids are unique, valid (they start with a lowercase letter) and map back without a table.
struct PlannedCall {
  std::vector<size_t> query_indices;  // positions in `queries`, ascending, 1..kMaxQueriesPerCall
  TimeWindow window;                  // inside the requested window, aligned to every period
  friend bool operator==(const PlannedCall&, const PlannedCall&) = default;
};

// Datapoints `stat` contributes over `window`: ceil(window length / period); 0 for an empty
// window or a period <= 0.
int64_t DatapointsInWindow(const MetricStat& stat, const TimeWindow& window);

// Splits `queries` over `window` into the fewest GetMetricData calls that respect both limits:
// at most kMaxQueriesPerCall queries and at most kMaxDatapointsPerCall datapoints per call.
//   - When every chunk of kMaxQueriesPerCall queries fits over the whole window, the plan is
//     ceil(queries / 500) calls of consecutive queries over the whole window.
//   - Otherwise queries are cut into consecutive chunks, and a chunk that does not fit over the
//     whole window reads it in consecutive sub-windows aligned to the least common multiple of
//     the chunk's periods, each as long as the limit allows. The chunk size (one size for all
//     chunks but the last) is chosen to give the fewest calls; among those, the one requesting
//     each metric the fewest times (GetMetricData is billed per metric requested), then the
//     largest. E.g. 500 one-minute queries over a day: 8 calls of 70 queries over the whole day
//     rather than 8 calls of 500 queries over 201-minute sub-windows.
// Calls are ordered by chunk, then by time. An empty window or no queries gives no calls.
// Errors (InvalidArgument): a period <= 0 or a window whose start or end is not a multiple of a
// query's period (counted from the Unix epoch), naming the query; a window outside the years
// 1970..9999; a plan of more than kMaxPlannedCalls calls.
Result<std::vector<PlannedCall>> PlanGetMetricDataCalls(const std::vector<MetricQuery>& queries,
                                                        const TimeWindow& window);

}  // namespace statusbridge::aws
