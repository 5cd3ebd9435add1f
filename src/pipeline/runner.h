#pragma once

// The Runner is one cycle of statusbridge, shared by `once`, `run` and the Lambda runtime:
//
//   1. Collect: read every metric's planned buckets (watermark gap + lookback, or backfill on
//      first start) and compute settled points (collector.h).
//   2. Enqueue: in one SQLite transaction, put the points whose value is new or changed into the
//      outbox and advance each metric's watermark (state_store.h). From here on nothing is lost.
//   3. Drain: deliver the outbox to Statuspage (publisher.h) until empty, the deadline, or stop.
//
// Where the watermark comes from is the WatermarkSource: the state file (daemon), or Statuspage's
// own `most_recent_data_at` per metric (stateless mode, state.path: none).
//
// Not thread-safe: one cycle at a time (the daemon loop never overlaps them).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/collector.h"
#include "pipeline/config.h"
#include "pipeline/publisher.h"
#include "pipeline/state_store.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

struct CycleReport {
  SystemTime now;
  int metrics = 0;
  int metrics_failed = 0;
  int points_computed = 0;
  int points_enqueued = 0;
  CollectReport collect;
  PublishReport publish;
  Millis duration{0};
  std::vector<std::string> errors;  // per failed metric, and state/delivery failures
  Status status;                    // OK: every metric read and everything delivered
};

class Runner {
 public:
  enum class WatermarkSource {
    kStateStore,  // the state file's per-metric watermark
    kStatuspage,  // GET /pages/{page}/metrics most_recent_data_at (stateless mode)
  };

  // `should_stop` (optional) interrupts reading (GetMetricData paging and retries, Logs Insights
  // polling, whose queries are stopped) when the daemon is asked to stop; the publisher has its
  // own.
  Runner(const Config& config, Collector& collector, StateStore& store, Publisher& publisher,
         statuspage::StatuspageClient& statuspage, Clock& clock, WatermarkSource source,
         std::function<bool()> should_stop = nullptr);

  // Steps 1 and 2 at clock.Now(); reading stops at `deadline` (monotonic).
  void CollectAndEnqueue(MonotonicTime deadline, CycleReport& report);

  // Step 1 only, for --dry-run: what a cycle would compute now. Writes nothing anywhere.
  std::vector<MetricResult> Preview(MonotonicTime deadline, CycleReport& report);

  // Step 3.
  void Drain(MonotonicTime deadline, bool wait_for_deferred, CycleReport& report);

  // All three; `report.status` says whether everything was read and delivered. One deadline
  // bounds the whole cycle: reads, polls, retries and delivery all stop there.
  CycleReport RunCycle(MonotonicTime deadline, bool wait_for_deferred);

 private:
  // Per-metric memory for the collector, from the configured source.
  MemoryLookup Memory(CycleReport& report);

  const Config& config_;
  Collector& collector_;
  StateStore& store_;
  Publisher& publisher_;
  statuspage::StatuspageClient& statuspage_;
  Clock& clock_;
  WatermarkSource source_;
  std::function<bool()> should_stop_;
};

// One line per cycle, key=value, for logs.
std::string FormatCycleReport(const CycleReport& r);

}  // namespace statusbridge::pipeline
