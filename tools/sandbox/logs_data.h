#pragma once

// The sandbox's CloudWatch Logs store: log groups and their events, what Logs Insights queries
// scan.
//
// One group is generated: /ecs/demo-api, the access log of the demo load balancer's target
// (traffic.h). Its events are a pure function of (seed, shape, minute): GeneratedLogMinute().
// Events of other groups, and extra events of /ecs/demo-api, come from the control API (Put()).
//
// Visibility follows CloudWatchData: generated minute m is visible once
// now >= m + 60 + ingest_lag; put events are visible at once.
//
// LogsSource is what LogsService (logs_service.h) reads through, so its tests can hold or fail a
// scan with a fake; LogsData is the real one.
//
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "logs_query.h"
#include "traffic.h"

namespace statusbridge::sandbox {

inline constexpr std::string_view kDemoLogGroup = "/ecs/demo-api";
// The account every sandbox log group belongs to (in @log values and ARNs).
inline constexpr std::string_view kSandboxAccountId = "123456789012";

// The generated /ecs/demo-api events of the minute starting at `minute_start` (epoch seconds),
// ascending by timestamp; empty when minute_start is not a multiple of 60. One event per request
// the demo load balancer served in that minute (RequestCount of GeneratedMinute()), each a JSON
// line
//   {"level":"info","method":"GET","path":"/api/orders","status":200,"elapsed":87}
// with:
//  - timestamp: spread over the minute (millisecond resolution);
//  - status: 200, except exactly HTTPCode_Target_5XX_Count of the minute's events (chosen at
//    random), which carry 500, 502, 503 or 504 and level "error";
//  - elapsed: milliseconds, an integer >= 1, drawn from an exponential distribution shifted to the
//    minute's TargetResponseTime Minimum, with the minute's mean, cut at its Maximum; so the mean
//    of a minute is close to (slightly under) TargetResponseTime's Average × 1000;
//  - method/path: GET or POST on /api/orders, /api/orders/<n>, /api/products, /api/search,
//    /api/users/me;
//  - log stream: one of three ECS task streams, "web/demo-api/<task id>";
//  - ingestion time: the end of the minute.
// The minute's RequestCount follows `shape` (traffic.h).
std::vector<LogEvent> GeneratedLogMinute(uint64_t seed, int64_t minute_start,
                                         TrafficShape shape = TrafficShape::kDaily);

// One scan of a query's window.
struct LogsScan {
  std::vector<std::string> groups;
  int64_t start_ms = 0;  // events with start_ms <= timestamp <= end_ms
  int64_t end_ms = 0;
  SystemTime now;  // generated minutes are those visible at `now`
  // Put events stored after PutMark() returned this are not seen (the query scans its groups as
  // they were when it started).
  uint64_t put_mark = UINT64_MAX;
  // When set and true, the scan ends early: checked before each minute and each event.
  const std::atomic<bool>* stop = nullptr;
};

class LogsSource {
 public:
  virtual ~LogsSource() = default;

  // True when `group` exists.
  virtual bool HasGroup(const std::string& group) const = 0;

  // A mark for LogsScan::put_mark: a scan with it sees exactly the put events stored before this
  // call.
  virtual uint64_t PutMark() const = 0;

  // Calls visit(event, group index) for every event of scan.groups[i] in the window, visible at
  // scan.now and put before scan.put_mark, newest first (ties: by group index, then most recently
  // put first), until scan.stop. Unknown groups have no events. `visit` runs without the source's
  // lock held (it may be slow); it must not call back into the source. May throw what `visit`
  // throws.
  virtual void Scan(const LogsScan& scan,
                    const std::function<void(const LogEvent&, size_t)>& visit) const = 0;
};

class LogsData : public LogsSource {
 public:
  LogsData(uint64_t seed, Seconds ingest_lag, TrafficShape shape = TrafficShape::kDaily)
      : seed_(seed), ingest_lag_(ingest_lag), shape_(shape) {}

  struct PutEvent {
    int64_t timestamp_ms = 0;
    std::string message;
  };

  // Adds `events` to `group` (creating it) in stream `stream`, with ingestion time
  // `ingestion_ms`.
  void Put(const std::string& group, const std::string& stream, const std::vector<PutEvent>& events,
           int64_t ingestion_ms);

  // Forgets every put event and the groups they created; the generated group stays. A scan in
  // progress sees no put events from its next minute on.
  void ClearPuts();

  // LogsSource. HasGroup: true for /ecs/demo-api and every group something was put into. Scan
  // works minute by minute (newest first), holding the store's read lock only while it collects
  // one minute's put events, so puts are never blocked for long and a long window never holds
  // more than one minute's events; it skips the minutes no group has events in.
  bool HasGroup(const std::string& group) const override;
  uint64_t PutMark() const override;
  void Scan(const LogsScan& scan,
            const std::function<void(const LogEvent&, size_t)>& visit) const override;

  uint64_t seed() const { return seed_; }
  TrafficShape shape() const { return shape_; }

 private:
  const uint64_t seed_;
  const Seconds ingest_lag_;
  const TrafficShape shape_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::multimap<int64_t, LogEvent>> puts_;  // group -> timestamp -> event
  uint64_t next_put_id_ = 1;
};

}  // namespace statusbridge::sandbox
