#pragma once

// The sandbox's CloudWatch Logs store: log groups and their events, what Logs Insights queries
// scan.
//
// One group is generated: /ecs/demo-api, the access log of the demo load balancer's target
// (traffic.h). Its events are a pure function of (seed, minute): GeneratedLogMinute(). Events of
// other groups, and extra events of /ecs/demo-api, come from the control API (Put()).
//
// Visibility follows CloudWatchData: generated minute m is visible once
// now >= m + 60 + ingest_lag; put events are visible at once.
//
// Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "logs_query.h"

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
std::vector<LogEvent> GeneratedLogMinute(uint64_t seed, int64_t minute_start);

class LogsData {
 public:
  LogsData(uint64_t seed, Seconds ingest_lag) : seed_(seed), ingest_lag_(ingest_lag) {}

  struct PutEvent {
    int64_t timestamp_ms = 0;
    std::string message;
  };

  // Adds `events` to `group` (creating it) in stream `stream`, with ingestion time
  // `ingestion_ms`.
  void Put(const std::string& group, const std::string& stream, const std::vector<PutEvent>& events,
           int64_t ingestion_ms);

  // True for /ecs/demo-api and every group something was put into.
  bool HasGroup(const std::string& group) const;

  // Forgets every put event and the groups they created; the generated group stays.
  void ClearPuts();

  // Calls visit(event, group index) for every event of groups[i] with
  // start_ms <= timestamp <= end_ms visible at `now`, newest first (ties: by group index, then
  // most recently put first). Unknown groups have no events. `visit` runs under the store's read
  // lock and must not call back into it.
  void Scan(const std::vector<std::string>& groups, int64_t start_ms, int64_t end_ms,
            SystemTime now, const std::function<void(const LogEvent&, size_t)>& visit) const;

  uint64_t seed() const { return seed_; }

 private:
  const uint64_t seed_;
  const Seconds ingest_lag_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::multimap<int64_t, LogEvent>> puts_;  // group -> timestamp -> event
  uint64_t next_put_id_ = 1;
};

}  // namespace statusbridge::sandbox
