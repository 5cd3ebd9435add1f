#pragma once

// Planning GetMetricData calls: which of a caller's queries travel together, over which
// sub-window, so that every call respects the API's limits (aws/metric_query.h) with as few
// calls, and as few metrics requested, as possible. No I/O: the CloudWatch client
// (aws/cloudwatch_client.h) runs the plan; tests check it directly.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "aws/metric_query.h"
#include "core/result.h"
#include "core/time.h"

namespace statusbridge::aws {

// A plan needing more calls than this is refused: the window is far too long for the periods
// (10,000 calls is about a billion datapoints).
inline constexpr int64_t kMaxPlannedCalls = 10000;

// One GetMetricData request of a plan: some of the caller's queries over one (sub-)window.
// On the wire, query number i of the caller's vector travels with Id WireId(i) ("q<i>"); a math
// query's input number k travels before it as InputWireId(i, k) ("q<i>_<k>", MetricStat,
// ReturnData false), and its expression is rewritten to match (WireExpression(),
// aws/metric_math.h); the expression itself travels as "q<i>" with Expression, Period,
// ReturnData true and Label when set.
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
