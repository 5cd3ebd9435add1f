#pragma once

// Reads CloudWatch metric statistics with GetMetricData over the AWS JSON 1.0 protocol, as current
// AWS SDKs send it (Content-Type application/x-amz-json-1.0, X-Amz-Target
// GraniteServiceVersion20100801.GetMetricData, x-amzn-query-mode: true; epoch-second timestamps;
// ../shared/docs/research/aws.md §1). JSON, signing and HTTP stay inside aws/; callers speak
// MetricQuery and MetricSeries (aws/metric_query.h).
//
// The client runs a plan: PlanGetMetricDataCalls() (aws/get_metric_data_plan.h) splits the
// queries into calls, WireExpression() (aws/metric_math.h) rewrites math expressions, and
// aws/get_metric_data_wire.h builds each request body and reads each response page. What is
// here is the running: signing, sending, paging, retries and the deadline. This header includes
// those three, so their names are in reach of every caller.
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
#include <memory>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/get_metric_data_plan.h"
#include "aws/get_metric_data_wire.h"
#include "aws/metric_math.h"
#include "aws/metric_query.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/deadline.h"
#include "core/result.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

// The largest GetMetricData response body accepted. A legal answer carries at most
// kMaxDatapointsPerCall timestamp/value pairs (about 40 bytes each in JSON) plus ids, labels and
// messages for kMaxQueriesPerCall results: some 5 MB. The limit is a wide margin over that.
inline constexpr size_t kMaxGetMetricDataResponseBytes = 64u << 20;

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

}  // namespace statusbridge::aws
