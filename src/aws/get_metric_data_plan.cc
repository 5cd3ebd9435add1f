#include "aws/get_metric_data_plan.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "aws/metric_math.h"

namespace statusbridge::aws {
namespace {

// What one query costs a call.
struct QueryShape {
  int64_t datapoint_period = 0;  // returned datapoints over a window: its length / this
  int64_t align = 0;             // every period of the query's wire entries divides this
  int64_t entries = 1;           // wire entries
  int64_t metrics = 1;           // MetricStat entries among them (billed per metric requested)
  bool insights = false;         // a Metrics Insights query
};

// Cost of one chunk of queries [begin, end) over a window of `length` seconds.
struct ChunkPlan {
  bool fits_whole_window = false;
  int64_t step_seconds = 0;  // sub-window length when it does not fit
  int64_t calls = 0;         // 0: impossible (one LCM unit alone exceeds the limit)
};

ChunkPlan PlanChunk(const std::vector<QueryShape>& shapes, size_t begin, size_t end,
                    int64_t length) {
  ChunkPlan plan;
  int64_t whole = 0;
  for (size_t i = begin; i < end; ++i) {
    whole += length / shapes[i].datapoint_period;
  }
  if (whole <= kMaxDatapointsPerCall) {
    plan.fits_whole_window = true;
    plan.calls = 1;
    return plan;
  }
  // Every period divides `length` (the window is aligned), so their LCM does too and stays
  // <= length: no overflow.
  int64_t lcm = 1;
  for (size_t i = begin; i < end; ++i) {
    lcm = std::lcm(lcm, shapes[i].align);
  }
  int64_t per_unit = 0;  // datapoints of the chunk in one LCM-long sub-window
  for (size_t i = begin; i < end; ++i) {
    per_unit += lcm / shapes[i].datapoint_period;
    if (per_unit > kMaxDatapointsPerCall) {
      return plan;
    }
  }
  const int64_t units_per_call = kMaxDatapointsPerCall / per_unit;
  const int64_t units = length / lcm;
  plan.step_seconds = units_per_call * lcm;
  plan.calls = (units + units_per_call - 1) / units_per_call;
  return plan;
}

// Consecutive chunks [first, second), each as long as it stays within `capacity` wire entries,
// one Metrics Insights query, and kMaxDatapointsPerCall datapoints in one sub-window as long as
// the LCM of its periods (so that every chunk can be read, splitting the window if need be).
// REQUIRES: every query alone satisfies all three (capacity >= its entries, align /
// datapoint_period <= kMaxDatapointsPerCall), and every align divides the window length.
std::vector<std::pair<size_t, size_t>> Chunks(const std::vector<QueryShape>& shapes,
                                              int64_t capacity) {
  std::vector<std::pair<size_t, size_t>> chunks;
  for (size_t begin = 0; begin < shapes.size();) {
    size_t end = begin;
    int64_t entries = 0;
    bool insights = false;
    int64_t lcm = 1;
    int64_t per_unit = 0;  // datapoints in one LCM-long sub-window
    while (end < shapes.size()) {
      const QueryShape& next = shapes[end];
      if (entries + next.entries > capacity || (insights && next.insights)) {
        break;
      }
      // lcm <= window length <= ~2.5e11 and per_unit <= kMaxDatapointsPerCall before scaling,
      // so the products stay far below 2^63.
      const int64_t next_lcm = std::lcm(lcm, next.align);
      const int64_t next_per_unit = per_unit * (next_lcm / lcm) + next_lcm / next.datapoint_period;
      if (end > begin && next_per_unit > kMaxDatapointsPerCall) {
        break;
      }
      entries += next.entries;
      insights = insights || next.insights;
      lcm = next_lcm;
      per_unit = next_per_unit;
      ++end;
    }
    chunks.emplace_back(begin, end);
    begin = end;
  }
  return chunks;
}

struct PlanCost {
  bool feasible = true;
  int64_t calls = 0;
  int64_t metric_requests = 0;  // sum over calls of MetricStat entries per call
};

PlanCost CostOfCapacity(const std::vector<QueryShape>& shapes, int64_t capacity, int64_t length) {
  PlanCost cost;
  for (const auto& [begin, end] : Chunks(shapes, capacity)) {
    ChunkPlan plan = PlanChunk(shapes, begin, end, length);
    if (plan.calls == 0) {
      cost.feasible = false;
      return cost;
    }
    int64_t metrics = 0;
    for (size_t i = begin; i < end; ++i) {
      metrics += shapes[i].metrics;
    }
    cost.calls += plan.calls;
    cost.metric_requests += plan.calls * metrics;
  }
  return cost;
}

// Every query's periods are positive and divide the window's start and end; every math query is
// one WireExpression() accepts.
Status CheckQueries(const std::vector<MetricQuery>& queries, const TimeWindow& window) {
  const int64_t start = ToUnixSeconds(window.start);
  const int64_t end = ToUnixSeconds(window.end);
  auto check_period = [&](const std::string& who, Seconds period) -> Status {
    if (period.count() <= 0) {
      return Status::InvalidArgument(who + ": period must be positive, got " +
                                     std::to_string(period.count()) + "s");
    }
    if (start % period.count() != 0 || end % period.count() != 0) {
      return Status::InvalidArgument(who + ": window " + FormatIso8601(window.start) + " .. " +
                                     FormatIso8601(window.end) + " is not aligned to its " +
                                     FormatDuration(period) + " period");
    }
    return Status::Ok();
  };
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = queries[i];
    const std::string who = "query \"" + q.id + "\"";
    if (!IsMathQuery(q)) {
      SB_RETURN_IF_ERROR(check_period(who, q.stat.period));
      continue;
    }
    SB_RETURN_IF_ERROR(WireExpression(q, i).status());
    SB_RETURN_IF_ERROR(check_period(who, q.period));
    for (const auto& [id, stat] : q.inputs) {
      SB_RETURN_IF_ERROR(check_period(who + " input " + id, stat.period));
    }
  }
  return Status::Ok();
}

// The shape of each query. REQUIRES: CheckQueries() passed.
Result<std::vector<QueryShape>> Shapes(const std::vector<MetricQuery>& queries) {
  std::vector<QueryShape> shapes(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = queries[i];
    QueryShape& shape = shapes[i];
    if (!IsMathQuery(q)) {
      shape.datapoint_period = shape.align = q.stat.period.count();
      continue;
    }
    shape.datapoint_period = shape.align = q.period.count();
    for (const auto& [id, stat] : q.inputs) {
      shape.datapoint_period = std::min(shape.datapoint_period, stat.period.count());
      shape.align = std::lcm(shape.align, stat.period.count());
    }
    shape.entries = WireEntries(q);
    shape.metrics = static_cast<int64_t>(q.inputs.size());
    shape.insights = IsMetricsInsightsQuery(q.expression);
    if (shape.align / shape.datapoint_period > kMaxDatapointsPerCall) {
      return Status::InvalidArgument(
          "query \"" + q.id + "\": its periods are too far apart: its finest series (" +
          FormatDuration(Seconds(shape.datapoint_period)) + ") returns more than " +
          std::to_string(kMaxDatapointsPerCall) + " datapoints in the " +
          FormatDuration(Seconds(shape.align)) + " its periods align on");
    }
  }
  return shapes;
}

// The capacity (wire entries per chunk) whose plan over a window of `length` seconds makes the
// fewest calls, then requests the fewest metrics, then is the largest; sets `cost` to its cost.
int64_t BestCapacity(const std::vector<QueryShape>& shapes, int64_t length, PlanCost& cost) {
  int64_t total_entries = 0;
  int64_t max_entries = 1;
  for (const QueryShape& shape : shapes) {
    total_entries += shape.entries;
    max_entries = std::max(max_entries, shape.entries);
  }
  const int64_t max_capacity = std::min<int64_t>(total_entries, kMaxQueriesPerCall);
  // Full chunks over the whole window are optimal in both calls and metrics requested; only
  // when they do not fit is it worth searching the capacity.
  int64_t best_capacity = max_capacity;
  cost = CostOfCapacity(shapes, max_capacity, length);
  const int64_t min_calls = static_cast<int64_t>(Chunks(shapes, max_capacity).size());
  if (cost.feasible && cost.calls <= min_calls) {
    return best_capacity;
  }
  for (int64_t capacity = max_capacity - 1; capacity >= max_entries; --capacity) {
    PlanCost candidate = CostOfCapacity(shapes, capacity, length);
    if (!candidate.feasible) {
      continue;
    }
    if (!cost.feasible || candidate.calls < cost.calls ||
        (candidate.calls == cost.calls && candidate.metric_requests < cost.metric_requests)) {
      cost = candidate;
      best_capacity = capacity;
    }
  }
  return best_capacity;
}

}  // namespace

int64_t DatapointsInWindow(const MetricStat& stat, const TimeWindow& window) {
  const int64_t period = stat.period.count();
  if (window.empty() || period <= 0) {
    return 0;
  }
  const int64_t length = (window.end - window.start).count();
  return length / period + (length % period != 0 ? 1 : 0);
}

int64_t DatapointsInWindow(const MetricQuery& query, const TimeWindow& window) {
  if (!IsMathQuery(query)) {
    return DatapointsInWindow(query.stat, window);
  }
  Seconds finest = query.period;
  for (const auto& [id, stat] : query.inputs) {
    if (stat.period.count() > 0) {
      finest = std::min(finest, stat.period);
    }
  }
  MetricStat returned;
  returned.period = finest;
  return DatapointsInWindow(returned, window);
}

int WireEntries(const MetricQuery& query) { return 1 + static_cast<int>(query.inputs.size()); }

Result<std::vector<PlannedCall>> PlanGetMetricDataCalls(const std::vector<MetricQuery>& queries,
                                                        const TimeWindow& window) {
  const int64_t start = ToUnixSeconds(window.start);
  const int64_t end = ToUnixSeconds(window.end);
  if (start < 0 || end < 0 || start > kMaxEpochSeconds || end > kMaxEpochSeconds) {
    return Status::InvalidArgument("window [" + std::to_string(start) + ", " + std::to_string(end) +
                                   ") is outside the years 1970..9999");
  }
  SB_RETURN_IF_ERROR(CheckQueries(queries, window));
  std::vector<PlannedCall> plan;
  if (window.empty() || queries.empty()) {
    return plan;
  }
  const int64_t length = end - start;
  // Every period divides `length` now, so LCMs of them do too: no overflow.
  SB_ASSIGN_OR_RETURN(std::vector<QueryShape> shapes, Shapes(queries));
  PlanCost best;
  const int64_t best_capacity = BestCapacity(shapes, length, best);
  // Chunks() only builds chunks that one LCM-long sub-window can read, and every query fits
  // one on its own (checked by Shapes()).
  if (!best.feasible) {
    return Status::Internal("GetMetricData planner: no feasible plan (a bug)");
  }
  if (best.calls > kMaxPlannedCalls) {
    return Status::InvalidArgument(
        "window " + FormatIso8601(window.start) + " .. " + FormatIso8601(window.end) + " needs " +
        std::to_string(best.calls) + " GetMetricData calls, more than the " +
        std::to_string(kMaxPlannedCalls) + " allowed; shorten it or use longer periods");
  }
  for (const auto& [begin, chunk_end] : Chunks(shapes, best_capacity)) {
    std::vector<size_t> indices(chunk_end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    ChunkPlan chunk = PlanChunk(shapes, begin, chunk_end, length);
    if (chunk.fits_whole_window) {
      plan.push_back(PlannedCall{std::move(indices), window});
      continue;
    }
    for (int64_t s = start; s < end; s += chunk.step_seconds) {
      const int64_t e = std::min(end, s + chunk.step_seconds);
      plan.push_back(PlannedCall{indices, TimeWindow{FromUnixSeconds(s), FromUnixSeconds(e)}});
    }
  }
  return plan;
}

}  // namespace statusbridge::aws
