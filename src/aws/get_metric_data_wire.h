#pragma once

// GetMetricData on the wire, over the AWS JSON 1.0 protocol as current AWS SDKs send it
// (../shared/docs/research/aws.md §1; API reference, GetMetricData): the request body of one
// planned call (aws/get_metric_data_plan.h) and the reading of one response page. No I/O and no
// retries: the CloudWatch client (aws/cloudwatch_client.h) sends, pages and retries.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aws/get_metric_data_plan.h"
#include "aws/metric_query.h"
#include "core/result.h"
#include "core/time.h"

namespace statusbridge::aws {

// The operation, as every GetMetricData message starts.
inline constexpr std::string_view kGetMetricData = "GetMetricData";

// The request body of `call`: its queries in order, a metric as {Id WireId(i), MetricStat,
// ReturnData true}, a math query as its inputs {Id InputWireId(i, k), MetricStat, ReturnData
// false} followed by {Id WireId(i), Expression expressions[i], Period, ReturnData true, Label
// when set}; StartTime and EndTime in epoch seconds; ScanBy TimestampAscending; NextToken when
// `next_token` is set. `expressions[i]` is WireExpression(queries[i], i) for each math query.
// Error: InvalidArgument "GetMetricData: cannot encode the request: ..." when a string is not
// valid UTF-8.
Result<std::string> BuildGetMetricDataBody(const std::vector<MetricQuery>& queries,
                                           const std::vector<std::string>& expressions,
                                           const PlannedCall& call,
                                           const std::optional<std::string>& next_token);

// MetricDataResult.StatusCode.
enum class MetricDataStatus { kComplete, kPartialData, kInternalError, kForbidden };

// Query index of a wire Id whose results are not ours to read (a math input, ReturnData false).
inline constexpr size_t kNotReturned = static_cast<size_t>(-1);

// The wire Ids `call` sends, mapped to the index of the query each belongs to: WireId(i) -> i,
// InputWireId(i, k) -> kNotReturned.
std::unordered_map<std::string, size_t> GetMetricDataWireIds(
    const std::vector<MetricQuery>& queries, const PlannedCall& call);

// One MetricDataResult.
struct MetricDataResult {
  size_t query_index = 0;  // or kNotReturned
  MetricDataStatus status = MetricDataStatus::kComplete;
  std::vector<std::pair<SystemTime, double>> points;  // in the order received
  std::string messages;                               // "Code: Value; ..." from its Messages
  std::optional<std::string> label;  // names the series when an expression returns several
};

// One response page.
struct MetricDataPage {
  std::vector<MetricDataResult> results;
  std::optional<std::string> next_token;  // absent or empty on the wire: nullopt
};

// Reads one response page; `ids` is GetMetricDataWireIds() of the call. Timestamps are epoch
// seconds (an integer, or a float whose fraction is truncated) in the years 1970..9999; values
// are finite numbers; Messages are informational (junk in them is skipped).
// Errors: Internal "GetMetricData: malformed response: ..." naming what was wrong: not a JSON
// object, no MetricDataResults array, a result that is not an object or has no Id, an Id the
// request did not send, a missing or unknown StatusCode, Timestamps without Values (or the other
// way round) or of another length, a timestamp or value out of range or of the wrong type, a
// NextToken that is not a string.
Result<MetricDataPage> ParseGetMetricDataPage(std::string_view body,
                                              const std::unordered_map<std::string, size_t>& ids);

}  // namespace statusbridge::aws
