#include "pipeline/collector.h"

#include <cmath>
#include <deque>
#include <tuple>

#include "pipeline/bucket_plan.h"
#include "pipeline/logs_points.h"

namespace statusbridge::pipeline {
namespace {

// Identifies an AWS target for grouping: equal keys share clients and calls.
std::string TargetKey(const AwsTarget& t) {
  return t.region + '\x1f' + t.role.role_arn + '\x1f' + t.role.external_id + '\x1f' +
         t.role.session_name + '\x1f' + std::to_string(t.role.duration.count());
}

std::string StatKey(const aws::MetricStat& s) {
  std::string key = s.namespace_name + '\x1f' + s.metric_name + '\x1f' + s.stat + '\x1f' + s.unit +
                    '\x1f' + std::to_string(s.period.count());
  for (const auto& d : s.dimensions) key += '\x1e' + d.name + '\x1f' + d.value;
  return key;
}

// Two queries are the same CloudWatch read when everything that reaches the wire is equal.
std::string QueryKey(const QueryConfig& q) {
  if (q.source == QueryConfig::Source::kCloudWatch) return "s\x1d" + StatKey(q.cloudwatch);
  std::string key = "m\x1d" + q.math.expression;
  for (const auto& [id, stat] : q.math.metrics) key += '\x1d' + id + '\x1d' + StatKey(stat);
  return key;
}

aws::MetricQuery ToMetricQuery(const QueryConfig& q, std::string id, Seconds period) {
  aws::MetricQuery out;
  out.id = std::move(id);
  if (q.source == QueryConfig::Source::kCloudWatch) {
    out.stat = q.cloudwatch;
  } else {
    out.expression = q.math.expression;
    out.period = period;
    out.inputs = q.math.metrics;
  }
  return out;
}

bool IsCloudWatch(const QueryConfig& q) {
  return q.source == QueryConfig::Source::kCloudWatch ||
         q.source == QueryConfig::Source::kCloudWatchMath;
}

struct QueryRef {
  size_t metric;
  size_t query;
};

}  // namespace

// One cycle's reads: the series each metric query resolved to, and the first failure per metric.
struct Collector::Plan {
  std::vector<MetricResult>& results;
  std::vector<std::vector<const aws::MetricSeries*>> inputs;  // [metric][query]
  std::vector<Status> failed;                                 // [metric]
  std::deque<aws::MetricSeries> storage;                      // stable addresses for inputs

  void Fail(size_t metric, const Status& status) {
    if (failed[metric].ok()) failed[metric] = status;
  }
};

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
                                                     const LogsConfig& logs,
                                                     SourceClients& clients) {
  std::vector<Expression> expressions;
  std::vector<size_t> expression_of;
  std::map<std::string, size_t> index_of;
  for (const MetricConfig& m : metrics) {
    std::vector<std::string> names;
    std::string key = m.expression;
    for (const QueryConfig& q : m.queries) {
      names.push_back(q.name);
      key += '\x1f' + q.name;
    }
    auto it = index_of.find(key);
    if (it == index_of.end()) {
      Result<Expression> e = Expression::Compile(m.expression, names);
      if (!e.ok()) return e.status().WithContext("metric \"" + m.name + "\"");
      it = index_of.emplace(key, expressions.size()).first;
      expressions.push_back(std::move(e).value());
    }
    expression_of.push_back(it->second);
  }
  return std::unique_ptr<Collector>(
      new Collector(metrics, logs, clients, std::move(expressions), std::move(expression_of)));
}

Collector::Collector(const std::vector<MetricConfig>& metrics, const LogsConfig& logs,
                     SourceClients& clients, std::vector<Expression> expressions,
                     std::vector<size_t> expression_of)
    : metrics_(metrics),
      logs_(logs),
      clients_(clients),
      expressions_(std::move(expressions)),
      expression_of_(std::move(expression_of)) {}

std::vector<MetricResult> Collector::Collect(SystemTime now, const MemoryLookup& memory,
                                             CollectReport* report, const Deadline& deadline) {
  CollectReport local;
  CollectReport& r = report != nullptr ? *report : local;
  std::vector<MetricResult> results(metrics_.size());
  std::vector<MetricMemory> memories(metrics_.size());
  Plan plan{results, {}, std::vector<Status>(metrics_.size()), {}};
  plan.inputs.resize(metrics_.size());
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const MetricConfig& m = metrics_[i];
    memories[i] = memory ? memory(m) : MetricMemory{};
    results[i].metric = &m;
    results[i].window = PlanBucketWindow(
        now, BucketWindowInputs{m.period, m.delay, m.lookback, m.backfill, memories[i].watermark});
    plan.inputs[i].assign(m.queries.size(), nullptr);
  }

  ReadCloudWatch(plan, &r, deadline);
  ReadLogs(plan, &r, deadline);

  for (size_t i = 0; i < metrics_.size(); ++i) {
    MetricResult& res = results[i];
    if (!plan.failed[i].ok()) {
      res.status = plan.failed[i];
      ++r.metrics_failed;
      continue;
    }
    if (res.window.empty()) continue;
    res.points =
        ComputeBucketValues(metrics_[i], expressions_[expression_of_[i]], res.window,
                            plan.inputs[i], memories[i].last_value, &res.undefined_buckets);
  }
  return results;
}

void Collector::ReadCloudWatch(Plan& plan, CollectReport* report, const Deadline& deadline) {
  // (target, window) -> the metric queries read there.
  struct Group {
    const AwsTarget* target;
    TimeWindow window;
    std::vector<QueryRef> refs;
  };
  std::map<std::tuple<std::string, int64_t, int64_t>, Group> groups;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const TimeWindow& w = plan.results[i].window;
    if (w.empty()) continue;
    for (size_t q = 0; q < metrics_[i].queries.size(); ++q) {
      const QueryConfig& query = metrics_[i].queries[q];
      if (!IsCloudWatch(query)) continue;
      auto key =
          std::make_tuple(TargetKey(query.target), ToUnixSeconds(w.start), ToUnixSeconds(w.end));
      Group& g = groups[key];
      g.target = &query.target;
      g.window = w;
      g.refs.push_back({i, q});
    }
  }

  // Reads `refs` in one call; on InvalidArgument with several metrics, re-reads each alone.
  std::function<void(aws::CloudWatchClient&, const TimeWindow&, const std::vector<QueryRef>&)>
      read = [&](aws::CloudWatchClient& client, const TimeWindow& window,
                 const std::vector<QueryRef>& refs) {
        std::vector<aws::MetricQuery> queries;
        std::map<std::string, size_t> index_of;
        std::vector<size_t> ref_index;
        for (const QueryRef& ref : refs) {
          const MetricConfig& m = metrics_[ref.metric];
          const QueryConfig& q = m.queries[ref.query];
          auto [it, inserted] = index_of.emplace(QueryKey(q), queries.size());
          if (inserted)
            queries.push_back(ToMetricQuery(q, std::to_string(queries.size()), m.period));
          ref_index.push_back(it->second);
        }
        report->queries += static_cast<int>(queries.size());
        Result<std::vector<aws::MetricSeries>> series =
            client.GetMetricData(queries, window, &report->cloudwatch, deadline);
        if (!series.ok()) {
          std::map<size_t, std::vector<QueryRef>> by_metric;
          for (const QueryRef& ref : refs) by_metric[ref.metric].push_back(ref);
          if (series.status().code() == StatusCode::kInvalidArgument && by_metric.size() > 1) {
            // One metric's bad query (e.g. a unit CloudWatch rejects) must not starve the others.
            for (const auto& [metric, own] : by_metric) read(client, window, own);
            return;
          }
          for (const QueryRef& ref : refs) plan.Fail(ref.metric, series.status());
          return;
        }
        std::vector<const aws::MetricSeries*> stored(series->size());
        for (size_t k = 0; k < series->size(); ++k) {
          plan.storage.push_back(std::move((*series)[k]));
          stored[k] = &plan.storage.back();
        }
        for (size_t k = 0; k < refs.size(); ++k) {
          plan.inputs[refs[k].metric][refs[k].query] = stored[ref_index[k]];
        }
      };

  for (auto& [key, group] : groups) {
    ++report->windows;
    Result<aws::CloudWatchClient*> client = clients_.CloudWatch(*group.target);
    if (!client.ok()) {
      for (const QueryRef& ref : group.refs) plan.Fail(ref.metric, client.status());
      continue;
    }
    read(**client, group.window, group.refs);
  }
}

void Collector::ReadLogs(Plan& plan, CollectReport* report, const Deadline& deadline) {
  struct Run {
    const AwsTarget* target;
    std::vector<aws::LogsQuery> queries;
    std::map<std::string, size_t> index_of;
    std::vector<std::pair<QueryRef, std::vector<size_t>>> refs;  // metric query -> its chunks
  };
  std::map<std::string, Run> runs;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const TimeWindow& w = plan.results[i].window;
    if (w.empty()) continue;
    const MetricConfig& m = metrics_[i];
    for (size_t q = 0; q < m.queries.size(); ++q) {
      const QueryConfig& query = m.queries[q];
      if (query.source != QueryConfig::Source::kLogsInsights) continue;
      Run& run = runs[TargetKey(query.target)];
      run.target = &query.target;
      std::vector<size_t> chunks;
      // A stats-by-bin query returns one row per bucket; long windows (a 28-day backfill of
      // 1-minute bins) are split so no query comes near Logs Insights' 10,000-row limit.
      const Seconds chunk_length = m.period * kMaxLogsBucketsPerQuery;
      for (SystemTime start = w.start; start < w.end; start += chunk_length) {
        TimeWindow chunk{start, std::min(w.end, start + chunk_length)};
        std::string key = query.logs.query + '\x1d' + std::to_string(ToUnixSeconds(chunk.start)) +
                          '\x1d' + std::to_string(ToUnixSeconds(chunk.end)) + '\x1d' +
                          std::to_string(query.logs.limit);
        for (const std::string& g : query.logs.log_groups) key += '\x1e' + g;
        auto [it, inserted] = run.index_of.emplace(key, run.queries.size());
        if (inserted) {
          aws::LogsQuery lq;
          lq.name = m.name + "." + query.name;
          lq.log_groups = query.logs.log_groups;
          lq.query_string = query.logs.query;
          lq.window = chunk;
          lq.limit = query.logs.limit;
          run.queries.push_back(std::move(lq));
        }
        chunks.push_back(it->second);
      }
      run.refs.push_back({QueryRef{i, q}, std::move(chunks)});
    }
  }

  for (auto& [key, run] : runs) {
    report->logs_queries += static_cast<int>(run.queries.size());
    Result<aws::LogsInsightsClient*> client = clients_.Logs(*run.target);
    if (!client.ok()) {
      for (const auto& [ref, chunks] : run.refs) plan.Fail(ref.metric, client.status());
      continue;
    }
    aws::LogsRunControl control;
    control.timeout = std::chrono::duration_cast<Millis>(logs_.query_timeout);
    control.should_stop = deadline.should_stop();
    control.cycle_deadline = deadline.at();
    std::vector<Result<aws::LogsQueryResult>> results =
        (*client)->RunQueries(run.queries, control, &report->logs);
    for (const auto& [ref, chunks] : run.refs) {
      const MetricConfig& m = metrics_[ref.metric];
      const QueryConfig& q = m.queries[ref.query];
      aws::MetricSeries series{q.name, {}};
      Status failure;
      for (size_t index : chunks) {
        if (index >= results.size() || !results[index].ok()) {
          failure = index < results.size() ? results[index].status()
                                           : Status::Internal("Logs Insights: no result");
          break;
        }
        LogsPointsSpec spec;
        spec.value_field = q.logs.value_field;
        spec.time_field = q.logs.time_field;
        spec.period = m.period;
        spec.window = run.queries[index].window;
        Result<LogsPoints> points = LogsRowsToPoints(results[index]->rows, spec);
        if (!points.ok()) {
          failure = points.status().WithContext("Logs Insights query \"" + run.queries[index].name +
                                                "\"");
          break;
        }
        series.values.merge(points->values);
      }
      if (!failure.ok()) {
        plan.Fail(ref.metric, failure);
        continue;
      }
      plan.storage.push_back(std::move(series));
      plan.inputs[ref.metric][ref.query] = &plan.storage.back();
    }
  }
}

}  // namespace statusbridge::pipeline
