#include "pipeline/collector.h"

#include <cmath>

#include "pipeline/bucket_plan.h"

namespace statusbridge::pipeline {
namespace {

// Two queries are the same CloudWatch read when every field that reaches the wire is equal.
std::string QueryKey(const aws::MetricStat& s) {
  std::string key = s.namespace_name + '\x1f' + s.metric_name + '\x1f' + s.stat + '\x1f' + s.unit +
                    '\x1f' + std::to_string(s.period.count());
  for (const auto& d : s.dimensions) key += '\x1e' + d.name + '\x1f' + d.value;
  return key;
}

}  // namespace

std::vector<statuspage::Point> ComputeBucketValues(
    const MetricConfig& metric, const Expression& expression, const TimeWindow& window,
    const std::vector<const aws::MetricSeries*>& series, std::optional<double> held,
    int* undefined_buckets) {
  std::vector<statuspage::Point> points;
  std::vector<double> vars(metric.queries.size());
  for (SystemTime t = window.start; t < window.end; t += metric.period) {
    bool defined = true;
    for (size_t q = 0; q < metric.queries.size(); ++q) {
      const QueryConfig& query = metric.queries[q];
      const double* found = nullptr;
      if (series[q] != nullptr) {
        auto it = series[q]->values.find(t);
        if (it != series[q]->values.end()) found = &it->second;
      }
      if (found != nullptr) {
        vars[q] = *found;
      } else if (query.missing.value.has_value()) {
        vars[q] = *query.missing.value;
      } else {
        defined = false;
        break;
      }
    }
    std::optional<double> value;
    if (defined) {
      Result<double> v = expression.EvaluateOrdered(vars);
      if (v.ok() && std::isfinite(*v)) value = *v;
    }
    if (!value.has_value()) {
      if (undefined_buckets != nullptr) ++*undefined_buckets;
      switch (metric.no_data.kind) {
        case NoDataPolicy::Kind::kSkip:
          break;
        case NoDataPolicy::Kind::kHold:
          value = held;
          break;
        case NoDataPolicy::Kind::kValue:
          value = metric.no_data.value;
          break;
      }
    }
    if (value.has_value()) {
      points.push_back(statuspage::Point{t, *value});
      held = value;
    }
  }
  return points;
}

Result<std::unique_ptr<Collector>> Collector::Create(const std::vector<MetricConfig>& metrics,
                                                     aws::CloudWatchClient& cloudwatch) {
  std::vector<Expression> expressions;
  expressions.reserve(metrics.size());
  for (const MetricConfig& m : metrics) {
    std::vector<std::string> names;
    for (const QueryConfig& q : m.queries) names.push_back(q.name);
    Result<Expression> e = Expression::Compile(m.expression, names);
    if (!e.ok()) return e.status().WithContext("metric \"" + m.name + "\"");
    expressions.push_back(std::move(e).value());
  }
  return std::unique_ptr<Collector>(new Collector(metrics, cloudwatch, std::move(expressions)));
}

Collector::Collector(const std::vector<MetricConfig>& metrics, aws::CloudWatchClient& cloudwatch,
                     std::vector<Expression> expressions)
    : metrics_(metrics), cloudwatch_(cloudwatch), expressions_(std::move(expressions)) {}

std::vector<MetricResult> Collector::Collect(SystemTime now, const MemoryLookup& memory,
                                             CollectReport* report) {
  std::vector<MetricResult> results(metrics_.size());
  // Group metrics by the window they need; equal windows share GetMetricData calls.
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const MetricConfig& m = metrics_[i];
    MetricMemory mem = memory ? memory(m) : MetricMemory{};
    TimeWindow w = PlanBucketWindow(
        now, BucketWindowInputs{m.period, m.delay, m.lookback, m.backfill, mem.watermark});
    results[i].metric = &m;
    results[i].window = w;
    if (w.empty()) continue;
    groups[{ToUnixSeconds(w.start), ToUnixSeconds(w.end)}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    TimeWindow window{FromUnixSeconds(key.first), FromUnixSeconds(key.second)};
    if (report != nullptr) ++report->windows;
    ReadGroup(window, members, memory, results, report);
  }
  return results;
}

void Collector::ReadGroup(const TimeWindow& window, const std::vector<size_t>& members,
                          const MemoryLookup& memory, std::vector<MetricResult>& results,
                          CollectReport* report) {
  // Distinct queries of the group, and for each metric query its index among them.
  std::vector<aws::MetricQuery> queries;
  std::map<std::string, size_t> index_of;
  std::vector<std::vector<size_t>> query_index(members.size());
  for (size_t k = 0; k < members.size(); ++k) {
    for (const QueryConfig& q : metrics_[members[k]].queries) {
      std::string key = QueryKey(q.cloudwatch);
      auto [it, inserted] = index_of.emplace(key, queries.size());
      if (inserted) {
        queries.push_back(aws::MetricQuery{std::to_string(queries.size()), q.cloudwatch});
      }
      query_index[k].push_back(it->second);
    }
  }
  if (report != nullptr) report->queries += static_cast<int>(queries.size());

  aws::CloudWatchStats stats;
  Result<std::vector<aws::MetricSeries>> series =
      cloudwatch_.GetMetricData(queries, window, &stats);
  if (report != nullptr) {
    report->cloudwatch.calls += stats.calls;
    report->cloudwatch.throttled += stats.throttled;
    report->cloudwatch.datapoints += stats.datapoints;
  }
  if (!series.ok() && series.status().code() == StatusCode::kInvalidArgument &&
      members.size() > 1) {
    // One metric's bad query (e.g. a unit CloudWatch rejects) must not starve the others:
    // read each metric on its own to isolate it.
    for (size_t member : members) ReadGroup(window, {member}, memory, results, report);
    return;
  }
  for (size_t k = 0; k < members.size(); ++k) {
    MetricResult& r = results[members[k]];
    const MetricConfig& m = metrics_[members[k]];
    if (!series.ok()) {
      r.status = series.status();
      if (report != nullptr) ++report->metrics_failed;
      continue;
    }
    std::vector<const aws::MetricSeries*> inputs;
    for (size_t qi : query_index[k]) inputs.push_back(&(*series)[qi]);
    MetricMemory mem = memory ? memory(m) : MetricMemory{};
    r.points = ComputeBucketValues(m, expressions_[members[k]], window, inputs, mem.last_value,
                                   &r.undefined_buckets);
  }
}

}  // namespace statusbridge::pipeline
