#pragma once

// The sandbox's Statuspage v1 API, the part statusbridge uses (paths below /v1; a trailing
// ".json" is accepted on every one, as the legacy API did):
//   POST /pages/{page}/metrics/data               bulk
//   {"data":{"<id>":[{"timestamp":t,"value":v}]}}
//                                                 or form
//                                                 data[<id>][][timestamp]=..&data[<id>][][value]=..
//                                                 -> 202 {"<id>":[{"timestamp":slot,"value":v}]}
//                                                 (stored points)
//   POST /pages/{page}/metrics/{id}/data          single {"data":{"timestamp":t,"value":v}}
//                                                 or form data[timestamp]=..&data[value]=..
//                                                 -> 201 {"data":{"timestamp":slot,"value":v}}
//   GET  /pages/{page}/metrics?page=&per_page=    -> 200 [Metric...], per_page default and max 100
//   GET  /pages/{page}/metrics/{id}               -> 200 Metric
// Checks, in order: API key (`Authorization: OAuth <key>` or `?api_key=<key>`; else 401), rate
// limit per key (else --rate-limit-status with Retry-After), path (404), page id (404), method
// (405), body. Errors are `{"message":"..."}`:
//   body not JSON / not form-encoded as above            400
//   `data` missing, timestamp not an integer (int32),
//   value not a finite number (for bulk: any one point)  422, nothing stored
//   single point older than 28 days / > 5 min ahead      422 (bulk drops such points silently and
//                                                        counts them in dropped_too_old/_future)
//   unknown metric with --strict-metrics                 404 {"message":"metric not found"}
// Storage rules are StatuspageStore's (30 s slots, last write wins).
//
// Thread-safe.

#include <httplib.h>

#include <string>

#include "core/clock.h"
#include "rate_limiter.h"
#include "request_log.h"
#include "statuspage_store.h"

namespace statusbridge::sandbox {

struct StatuspageConfig {
  std::string api_key;
  std::string page_id;
  int rate_limit_status = 420;
};

class StatuspageEmulator {
 public:
  // The collaborators must outlive the emulator.
  StatuspageEmulator(StatuspageConfig config, StatuspageStore& store, RollingWindowLimiter& limiter,
                     SandboxStats& stats, const Clock& clock);

  // Serves one request below /v1; fills the record's status and points.
  void Handle(const httplib::Request& request, httplib::Response& response, RequestRecord& record);

 private:
  void PostBulk(const httplib::Request& request, httplib::Response& response,
                RequestRecord& record);
  void PostSingle(const std::string& metric_id, const httplib::Request& request,
                  httplib::Response& response, RequestRecord& record);
  void ListMetrics(const httplib::Request& request, httplib::Response& response);
  void GetMetric(const std::string& metric_id, httplib::Response& response);

  const StatuspageConfig config_;
  StatuspageStore& store_;
  RollingWindowLimiter& limiter_;
  SandboxStats& stats_;
  const Clock& clock_;
};

// Writes `{"message": message}` with `status`.
void WriteMessage(httplib::Response& response, int status, const std::string& message);

}  // namespace statusbridge::sandbox
