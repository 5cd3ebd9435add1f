#pragma once

// Statuspage REST API v1 client for system-metric data (https://developer.statuspage.io/).
// Speaks our types; JSON stays in statuspage/. Authenticates with "Authorization: OAuth <key>".
// Pacing (1 request/s per key) is the caller's job, through a rate-limited HttpClient or the
// publisher's token bucket; this client makes exactly the requests it is asked for.
//
// Thread-compatible.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::statuspage {

struct Point {
  SystemTime timestamp;  // bucket start; Statuspage casts it to its 30 s slot
  double value = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

struct MetricPoints {
  std::string metric_id;
  std::vector<Point> points;
};

// How Statuspage answered one request (DESIGN.md §3).
enum class Outcome {
  kAccepted,     // 2xx
  kRejected,     // permanent for these items: 400, 404, 422 and other 4xx not listed here
  kRetryLater,   // 420, 429, 5xx, transport error, timeout
  kKeyRejected,  // 401, 403: the API key (or its page access) is wrong; stop and keep everything
};

struct SubmitResult {
  Outcome outcome = Outcome::kAccepted;
  int http_status = 0;                  // 0 for transport errors
  std::optional<Millis> retry_after;    // from Retry-After (seconds or HTTP date), when present
  Status status;                        // OK when accepted; else names the request and what the
                                        // server said (never the key)
};

struct MetricInfo {
  std::string id;
  std::string name;
  std::optional<SystemTime> most_recent_data_at;
};

struct StatuspageOptions {
  std::string base_url = "https://api.statuspage.io/v1";
  std::string page_id;
  Secret api_key;
  Millis timeout{30000};
};

class StatuspageClient {
 public:
  virtual ~StatuspageClient() = default;

  // One bulk POST /pages/{page_id}/metrics/data carrying every point in `data`.
  // REQUIRES: `data` is non-empty. Never throws; every failure is in the SubmitResult.
  virtual SubmitResult SubmitMetricData(const std::vector<MetricPoints>& data) = 0;

  // GET /pages/{page_id}/metrics, following pagination (per_page=100) to the end.
  virtual Result<std::vector<MetricInfo>> ListMetrics() = 0;
};

// Parses a Retry-After header value: delta-seconds or an HTTP date (relative to `now`).
std::optional<Millis> ParseRetryAfter(std::string_view value, SystemTime now);

std::unique_ptr<StatuspageClient> NewStatuspageClient(http::HttpClient& http, const Clock& clock,
                                                      StatuspageOptions options);

}  // namespace statusbridge::statuspage
