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
#include "core/deadline.h"
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
// The largest GetMetricData response body accepted. A legal answer carries at most
// kMaxDatapointsPerCall timestamp/value pairs (about 40 bytes each in JSON) plus ids, labels and
// messages for kMaxQueriesPerCall results: some 5 MB. The limit is a wide margin over that.
inline constexpr size_t kMaxGetMetricDataResponseBytes = 64u << 20;

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
  // `queries`, holding the buckets CloudWatch returned inside `window` (bucket start -> value);
  // for a math query, the buckets of the one series its expression returned.
  //
  // The calls are planned by PlanGetMetricDataCalls(). Each call follows NextToken until it is
  // absent (PartialData results get their remaining values that way); CloudWatch gives math
  // results no NextToken, so they arrive whole, on the first page or repeated on later ones
  // (merged either way) while the metrics of the same call page on. Results with StatusCode
  // InternalError are re-requested up to max_attempts times. Throttling (ResourceExhausted), 5xx
  // (Unavailable) and transport errors (Unavailable, DeadlineExceeded) are retried up to
  // max_attempts attempts per request, sleeping BackoffDelay(backoff, n, random) on `clock` and
  // re-signing at the current time; the last error is returned when they run out.
  //
  // Errors (the whole call fails; no partial result):
  //   InvalidArgument   a query or the window is invalid (see PlanGetMetricDataCalls), a bad
  //                     endpoint or region, AWS rejected the request (HTTP 4xx, e.g.
  //                     ValidationError), or a math query returned more than one series (names
  //                     the query; see MetricQuery)
  //   PermissionDenied  AWS rejected the credentials or signature (403, SignatureDoesNotMatch,
  //                     ExpiredToken, ...), or a result came back Forbidden (names the metric or
  //                     math query)
  //   ResourceExhausted still throttled after max_attempts
  //   Unavailable / DeadlineExceeded   still failing after max_attempts
  //   Internal          a response we cannot make sense of
  //   anything the CredentialsProvider returned, prefixed with "GetMetricData"
  // `stats` may be nullptr; otherwise the calls' cost is added to it, also when the call fails.
  //
  // `deadline` bounds the whole call: it is checked before every page and every retry, caps each
  // request's timeout, and ends the backoff waits; when it passes (or a stop is requested) the
  // call fails with DeadlineExceeded naming what was under way. A NextToken that repeats one
  // already followed is Internal (the server would otherwise page for ever).
  virtual Result<std::vector<MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                          const TimeWindow& window,
                                                          CloudWatchStats* stats,
                                                          const Deadline& deadline) = 0;
};

// `http`, `credentials` and `clock` must outlive the client. `random` feeds the backoff jitter.
std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options);

// ---- Planning (pure; exposed for tests) ----

// One GetMetricData request of a plan: some of the caller's queries over one (sub-)window.
// On the wire, query number i of the caller's vector travels with Id "q<i>" (e.g. "q1200"), so
// Ids are unique, valid (they start with a lowercase letter) and map back without a table. A
// math query's input number k travels before it as "q<i>_<k>" (MetricStat, ReturnData false),
// and its expression is rewritten to match (WireExpression()); the expression itself travels as
// "q<i>" with Expression, Period, ReturnData true and Label when set.
struct PlannedCall {
  std::vector<size_t> query_indices;  // positions in `queries`, ascending; their wire entries
                                      // (WireEntries()) total 1..kMaxQueriesPerCall
  TimeWindow window;                  // inside the requested window, aligned to every period
  friend bool operator==(const PlannedCall&, const PlannedCall&) = default;
};

// Datapoints `stat` contributes over `window`: ceil(window length / period); 0 for an empty
// window or a period <= 0.
int64_t DatapointsInWindow(const MetricStat& stat, const TimeWindow& window);

// Datapoints `query` returns over `window`, which is what counts against kMaxDatapointsPerCall:
// the limit is on datapoints returned (GetMetricData's MaxDatapoints, default 100,800, is "the
// maximum number of data points the request should return"), and math inputs are sent with
// ReturnData false, so they return none. A metric returns DatapointsInWindow(stat); a math query
// its one series, counted at the finest of its own period and its inputs' periods (the
// granularity of m1 * 2 when its Period differs from m1's is not documented, so the larger
// count is assumed). Since CloudWatch does not page math results (no NextToken for them),
// keeping every call under the limit is also what lets a math result arrive whole.
int64_t DatapointsInWindow(const MetricQuery& query, const TimeWindow& window);

// MetricDataQuery entries `query` takes on the wire: 1 for a metric, 1 + inputs for math.
int WireEntries(const MetricQuery& query);

// The expression of math query number `index` as sent: each identifier equal to one of its
// input ids becomes that input's wire id ("m1" -> "q<index>_<k>"). Identifiers are
// [A-Za-z_][A-Za-z0-9_]* outside single- or double-quoted strings (SEARCH terms, Metrics
// Insights names; a backslash escapes the next character inside one); one followed by "(" is a
// function name and is never rewritten. Metrics Insights queries come back unchanged.
// Errors (InvalidArgument, naming the query): an empty or over-long (2048) expression, before or
// after rewriting; an unterminated string; a function that CloudWatch metric math does not
// document, or METRICS (see MetricQuery); any other identifier that is neither an input id nor
// a documented keyword (REPEAT, LINEAR, ASC, DESC, AND, OR, AVG, MIN, MAX, SUM, true, false);
// an input id not matching ^[a-z][a-zA-Z0-9_]*$ or longer than 255, or used twice; inputs on a
// Metrics Insights query or on a query without an expression; more than kMaxQueriesPerCall - 1
// inputs.
Result<std::string> WireExpression(const MetricQuery& query, size_t index);

// Splits `queries` over `window` into the fewest GetMetricData calls that respect the limits:
// at most kMaxQueriesPerCall wire entries (WireEntries(): a math query with its inputs), at most
// kMaxDatapointsPerCall returned datapoints (DatapointsInWindow(query)) and at most one Metrics
// Insights query per call. A math query always travels in the same call as its inputs.
//   - Queries are cut into consecutive chunks, each filled up to a capacity of wire entries
//     (one capacity for the whole plan), or closed before a query whose periods would leave no
//     sub-window of the chunk under the datapoint limit. When every chunk at capacity
//     kMaxQueriesPerCall fits over the whole window, that is the plan: one call per chunk.
//   - Otherwise a chunk that does not fit over the whole window reads it in consecutive
//     sub-windows aligned to the least common multiple of the chunk's periods (math inputs'
//     included), each as long as the limit allows. The capacity is chosen to give the fewest
//     calls; among those, the one requesting each metric (MetricStat entry) the fewest times
//     (GetMetricData is billed per metric requested), then the largest. E.g. 500 one-minute
//     queries over a day: 8 calls of 70 queries over the whole day rather than 8 calls of 500
//     queries over 201-minute sub-windows.
// Calls are ordered by chunk, then by time. An empty window or no queries gives no calls.
// Errors (InvalidArgument): a period <= 0 or a window whose start or end is not a multiple of a
// query's period (counted from the Unix epoch; a math query's own period and every input's),
// naming the query; anything WireExpression() refuses; a math query whose periods are so far
// apart that it returns more than kMaxDatapointsPerCall datapoints in their LCM; a window outside
// the years 1970..9999; a plan of more than kMaxPlannedCalls calls.
Result<std::vector<PlannedCall>> PlanGetMetricDataCalls(const std::vector<MetricQuery>& queries,
                                                        const TimeWindow& window);

}  // namespace statusbridge::aws
