#pragma once

// The sandbox's control API under /_sandbox: no auth, JSON in and out, never rate limited and
// never subject to faults. Tests and the demo use it to script and observe the emulators.
//
//   GET    /_sandbox/health                 {"status":"ok","page_id":..,"region":..,"seed":..,
//                                            "strict_metrics":..}
//   GET    /_sandbox/points[?metric_id=ID]  {"<id>":[{"timestamp":slot,"value":v},...]} ascending
//   GET    /_sandbox/requests[?api=NAME]    [RequestRecord as JSON, ...] (API requests only; the
//                                            control API's own requests are not kept)
//   GET    /_sandbox/stats                  SandboxStats::ToJson()
//   GET    /_sandbox/faults                 FaultQueue::Pending()
//   POST   /_sandbox/faults                 a fault spec (faults.h) -> {"queued":N,"pending":..}
//   DELETE /_sandbox/faults                 -> {"cleared":N}
//   POST   /_sandbox/cloudwatch/data        {"namespace","metric","dimensions":{name:value},
//                                            "timestamp":<in the minute>, "value":x | "values":
//                                            [x,...] (1..150, with optional "counts":[n,...]) |
//                                            "stats":{"SampleCount","Sum","Minimum","Maximum"},
//                                            "mode":"override"(default)|"add"}, or an array of
//                                            them, or {"data":[...]}     -> {"stored":N}
//   POST   /_sandbox/logs/events            {"log_group":"/x","log_stream":"s"(default "sandbox"),
//                                            "events":[{"timestamp":<epoch ms>,"message":".."}]}
//                                            adds events to the group, creating it
//                                                                        -> {"stored":N}
//   POST   /_sandbox/statuspage/metrics     {"ids":[...]}               -> {"registered":[...]}
//   POST   /_sandbox/credentials            {"access_key_id","secret_access_key","session_token",
//                                            "expiration":<epoch s>} temporary credentials the
//                                            CloudWatch and Logs emulators then accept
//                                            (what an STS/IMDS/container endpoint issued)
//                                                                        -> {"registered":"<id>"}
//   POST   /_sandbox/reset                  clears Statuspage metrics and points, CloudWatch puts,
//                                            put log events and groups, Logs Insights queries,
//                                            the request log, counters, faults and rate-limit
//                                            windows (not the generators) -> {"reset":true}
// Bad input answers 400 {"message":"..."}; unknown paths 404, wrong methods 405.
//
// Thread-safe.

#include <httplib.h>

#include <cstdint>
#include <string>

#include "cloudwatch_data.h"
#include "core/clock.h"
#include "faults.h"
#include "logs_data.h"
#include "logs_service.h"
#include "rate_limiter.h"
#include "request_log.h"
#include "statuspage_store.h"
#include "temporary_credentials.h"

namespace statusbridge::sandbox {

// What the control API reads and changes; all must outlive it.
struct ControlTargets {
  CloudWatchData& cloudwatch;
  LogsData& logs;
  LogsService& logs_service;
  StatuspageStore& statuspage;
  FaultQueue& faults;
  RequestLog& log;
  SandboxStats& stats;
  RollingWindowLimiter& limiter;
  const Clock& clock;
  std::string page_id;
  std::string region;
  TemporaryCredentials& credentials;
};

class ControlApi {
 public:
  explicit ControlApi(ControlTargets targets) : t_(std::move(targets)) {}

  void Handle(const httplib::Request& request, httplib::Response& response);

 private:
  void PutCloudWatchData(const httplib::Request& request, httplib::Response& response);
  void PutLogEvents(const httplib::Request& request, httplib::Response& response);
  void RegisterMetrics(const httplib::Request& request, httplib::Response& response);
  void QueueFault(const httplib::Request& request, httplib::Response& response);
  void Reset(httplib::Response& response);
  void RegisterCredentials(const httplib::Request& request, httplib::Response& response);

  ControlTargets t_;
};

}  // namespace statusbridge::sandbox
