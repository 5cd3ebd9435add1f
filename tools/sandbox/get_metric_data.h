#pragma once

// GetMetricData as the sandbox serves it: the JSON 1.0 request body in, the JSON response body (or
// an AWS error) out. HTTP, signing and logging are the caller's (cloudwatch_emulator.h).
//
// Validation follows the service (../shared/docs/research/aws.md §1.5, §1.6); every failure is a
// 400 with a message naming the offending parameter:
//   body not a JSON object                                   SerializationException
//   MetricDataQueries / StartTime / EndTime missing          MissingParameter
//   MetricDataQueries empty or > 500 entries                 ValidationError
//   Id missing or not ^[a-z][a-zA-Z0-9_]*$ (<= 255 chars)    ValidationError
//   Ids not unique                                           InvalidParameterValue
//   not exactly one of MetricStat / Expression               InvalidParameterValue
//   Expression not 1..2048 characters, not parsable, using a
//   function the sandbox does not evaluate (metric_math.h),
//   reading an unknown Id, or depending on itself              ValidationError
//   an Expression's Period not a positive multiple of 60     InvalidParameterValue
//   Metric / Namespace / MetricName / Period / Stat missing  MissingParameter
//   Period < 1 or not a multiple of 60                       InvalidParameterValue
//   Stat not Sum|Average|Minimum|Maximum|SampleCount or an
//   extended statistic pNN[.N[N]] | tmNN[.N[N]]             InvalidParameterValue
//   StartTime >= EndTime, non-numeric times                  InvalidParameterValue
//   ScanBy not TimestampDescending|TimestampAscending        ValidationError
//   MaxDatapoints < 1                                        ValidationError
//   more than 100,800 datapoints requested in total          InvalidParameterValue
//   NextToken not issued for this request                    InvalidNextToken
// Timestamps are epoch seconds, integer or fractional (StartTime is floored, EndTime exclusive).
// Unit, LabelOptions, AccountId and ReturnData=false are accepted; ReturnData=false queries are
// not returned (an expression may still read them).
//
// Expression queries are evaluated from the full series of the queries they read (metric_math.h),
// over the bucket grid of their Period, else the smallest Period among what they read (60 when
// they read nothing): FILL fills that grid, a scalar result covers it. Their Label defaults to
// the Id. Their datapoints are paged like any other query's. Buckets are those of Aggregate() in
// traffic.h; extended statistics come from the raw values of a bucket's minutes (extended_stats.h,
// CloudWatchData::QueryExtended).
//
// Pagination: one response holds at most min(MaxDatapoints, max_datapoints_per_page) datapoints.
// When more remain, every result carries StatusCode "PartialData" and the response a NextToken;
// repeating the same request with it continues after the last datapoint returned (by position in
// scan order, so late data arriving between pages never repeats or skips a returned timestamp).
// Every page lists every returned query, possibly with empty arrays. The last page is "Complete".
//
// Thread-safe if `data` is.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws_error_reply.h"
#include "cloudwatch_data.h"
#include "core/time.h"

namespace statusbridge::sandbox {

inline constexpr int kMaxQueriesPerCall = 500;
inline constexpr int64_t kMaxDatapointsPerCall = 100800;

struct GetMetricDataOutcome {
  std::optional<AwsErrorReply> error;  // set on failure; body is then empty
  std::string body;                    // the JSON response
  int queries = 0;                     // MetricDataQueries in the request, once parsed
  int64_t datapoints = 0;              // datapoints in this response
};

// REQUIRES: max_datapoints_per_page >= 1.
GetMetricDataOutcome RunGetMetricData(std::string_view request_body, const CloudWatchData& data,
                                      SystemTime now, int64_t max_datapoints_per_page);

}  // namespace statusbridge::sandbox
