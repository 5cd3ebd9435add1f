#include "pipeline/runner.h"

#include <algorithm>
#include <sstream>

namespace statusbridge::pipeline {

Runner::Runner(const Config& config, Collector& collector, StateStore& store, Publisher& publisher,
               statuspage::StatuspageClient& statuspage, Clock& clock, WatermarkSource source,
               std::function<bool()> should_stop)
    : config_(config),
      collector_(collector),
      store_(store),
      publisher_(publisher),
      statuspage_(statuspage),
      clock_(clock),
      source_(source),
      should_stop_(std::move(should_stop)) {}

MemoryLookup Runner::Memory(CycleReport& report) {
  if (source_ == WatermarkSource::kStatuspage) {
    // Stateless: Statuspage's newest point per metric is the watermark. If the listing fails,
    // fall back to the full backfill window: re-posting is harmless (slots are idempotent),
    // a gap is not.
    std::map<std::string, SystemTime> newest;
    Result<std::vector<statuspage::MetricInfo>> metrics = statuspage_.ListMetrics();
    if (metrics.ok()) {
      for (const auto& m : *metrics) {
        if (m.most_recent_data_at.has_value()) newest[m.id] = *m.most_recent_data_at;
      }
    } else {
      report.errors.push_back(
          "cannot read watermarks from Statuspage, reading the whole backfill: " +
          metrics.status().ToString());
    }
    return [newest = std::move(newest)](const MetricConfig& m) {
      MetricMemory mem;
      auto it = newest.find(m.statuspage_metric_id);
      if (it != newest.end()) mem.watermark = AlignDown(it->second, m.period);
      return mem;
    };
  }
  return [this, &report](const MetricConfig& m) {
    MetricMemory mem;
    Result<std::optional<Watermark>> w = store_.GetWatermark(m.name);
    if (!w.ok()) {
      report.errors.push_back("metric \"" + m.name + "\": " + w.status().ToString());
    } else if (w->has_value() && (*w)->bucket > report.now) {
      // No bucket after now has been published: the state file is damaged or the clock went
      // back. Re-reading the backfill is harmless (slots are idempotent); skipping would not be.
      report.errors.push_back("metric \"" + m.name + "\": the state file's watermark " +
                              std::to_string(ToUnixSeconds((*w)->bucket)) +
                              " lies in the future; ignoring it and reading the backfill");
    } else if (w->has_value()) {
      mem.watermark = (*w)->bucket;
      mem.last_value = (*w)->last_value;
    }
    return mem;
  };
}

void Runner::CollectAndEnqueue(MonotonicTime deadline, CycleReport& report) {
  report.now = clock_.Now();
  std::vector<MetricResult> results = collector_.Collect(
      report.now, Memory(report), &report.collect, Deadline(deadline, should_stop_));

  std::vector<StateStore::SeriesRef> series;
  std::vector<StateStore::WatermarkUpdate> marks;
  report.metrics = static_cast<int>(results.size());
  Seconds longest_keep{0};
  for (const MetricResult& r : results) {
    const MetricConfig& m = *r.metric;
    longest_keep = std::max(longest_keep, m.lookback + m.period + m.delay);
    if (!r.status.ok()) {
      ++report.metrics_failed;
      report.errors.push_back("metric \"" + m.name + "\": " + r.status.ToString());
      continue;
    }
    report.points_computed += static_cast<int>(r.points.size());
    if (!r.points.empty()) series.push_back({m.statuspage_metric_id, r.points});
    if (!r.window.empty()) {
      // The whole window was read and computed: the watermark moves to its last bucket even if
      // that bucket had no value (it will not be looked at again outside lookback).
      Watermark w{r.window.end - m.period, std::nullopt};
      if (!r.points.empty()) w.last_value = r.points.back().value;
      marks.push_back({m.name, w});
    }
  }
  Result<int> enqueued = store_.Enqueue(series, marks, report.now);
  if (!enqueued.ok()) {
    report.errors.push_back("cannot store points: " + enqueued.status().ToString());
    report.status = enqueued.status();
    return;
  }
  report.points_enqueued = *enqueued;
  // Values older than every lookback will never be compared again.
  Status pruned = store_.PrunePublished(report.now - longest_keep - Seconds(3600));
  if (!pruned.ok()) report.errors.push_back("cannot prune state: " + pruned.ToString());
}

std::vector<MetricResult> Runner::Preview(MonotonicTime deadline, CycleReport& report) {
  report.now = clock_.Now();
  std::vector<MetricResult> results = collector_.Collect(
      report.now, Memory(report), &report.collect, Deadline(deadline, should_stop_));
  report.metrics = static_cast<int>(results.size());
  for (const MetricResult& r : results) {
    if (!r.status.ok()) {
      ++report.metrics_failed;
      report.errors.push_back("metric \"" + r.metric->name + "\": " + r.status.ToString());
    }
    report.points_computed += static_cast<int>(r.points.size());
  }
  if (report.metrics_failed > 0) {
    report.status =
        Status::Unavailable(std::to_string(report.metrics_failed) + " of " +
                            std::to_string(report.metrics) + " metrics could not be read");
  }
  return results;
}

void Runner::Drain(MonotonicTime deadline, bool wait_for_deferred, CycleReport& report) {
  Status s = publisher_.Drain(store_, deadline, wait_for_deferred, &report.publish);
  // Each rejected request or retry names its metric and what Statuspage said: log them all.
  for (const std::string& e : report.publish.errors) {
    report.errors.push_back("Statuspage: " + e);
  }
  if (!s.ok()) {
    report.errors.push_back("Statuspage: " + s.ToString());
    if (report.status.ok()) report.status = s;
  }
}

CycleReport Runner::RunCycle(MonotonicTime deadline, bool wait_for_deferred) {
  CycleReport report;
  const MonotonicTime started = clock_.Monotonic();
  CollectAndEnqueue(deadline, report);
  // Drain even when some metrics failed: what was read (and earlier backlog) still goes out.
  Drain(deadline, wait_for_deferred, report);
  if (report.status.ok() && report.metrics_failed > 0) {
    report.status =
        Status::Unavailable(std::to_string(report.metrics_failed) + " of " +
                            std::to_string(report.metrics) + " metrics could not be read");
  }
  report.duration = std::chrono::duration_cast<Millis>(clock_.Monotonic() - started);
  return report;
}

std::string FormatCycleReport(const CycleReport& r) {
  std::ostringstream o;
  o << "cycle metrics=" << r.metrics << " metrics_failed=" << r.metrics_failed
    << " points=" << r.points_computed << " enqueued=" << r.points_enqueued
    << " cloudwatch_calls=" << r.collect.cloudwatch.calls
    << " cloudwatch_throttled=" << r.collect.cloudwatch.throttled
    << " datapoints=" << r.collect.cloudwatch.datapoints
    << " logs_queries=" << r.collect.logs_queries
    << " logs_polls=" << r.collect.logs.get_query_results_calls
    << " logs_bytes_scanned=" << static_cast<int64_t>(r.collect.logs.bytes_scanned)
    << " statuspage_requests=" << r.publish.requests << " rate_limited=" << r.publish.rate_limited
    << " sent=" << r.publish.points_accepted << " rejected=" << r.publish.points_rejected
    << " pending=" << r.publish.points_pending << " duration_ms=" << r.duration.count();
  return o.str();
}

}  // namespace statusbridge::pipeline
