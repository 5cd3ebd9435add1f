#pragma once

// Statuspage REST API v1 client for system-metric data (https://developer.statuspage.io/).
// Speaks our types; JSON stays in statuspage/. Authenticates with "Authorization: OAuth <key>".
// Pacing (1 request/s per key) is the caller's job, through a rate-limited HttpClient or the
// publisher's token bucket; this client makes exactly the requests it is asked for and never
// retries or sleeps.
//
// Error messages name the request (method and URL) and what the server said, truncated and made
// printable; the API key never appears in them, even when the server echoes it back.
//
// Thread-compatible.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  kAccepted,     // 2xx whose body is Statuspage's answer: a JSON object of metric id -> points
                 // (a 2xx with any other body, e.g. a captive portal's HTML, is kRetryLater)
  kRejected,     // permanent for these items: 400, 404, 422 and other 4xx not listed here; also
                 // a request we refuse to send (non-finite value, timestamp outside int32)
  kRetryLater,   // 420, 429, 408, 5xx, transport error, timeout, any other unexpected status
  kKeyRejected,  // 401, 403: the API key (or its page access) is wrong; stop and keep everything.
                 // Also, without a request: an empty key or one containing control characters
                 // (PermissionDenied), or an empty page id (InvalidArgument).
};

// "accepted", "rejected", "retry_later", "key_rejected": for logs and metric labels.
std::string_view OutcomeName(Outcome outcome);

struct SubmitResult {
  Outcome outcome = Outcome::kAccepted;
  int http_status = 0;                // 0 for transport errors and requests never sent
  std::optional<Millis> retry_after;  // from Retry-After (seconds or HTTP date), when present
  Status status;                      // OK when accepted; else names the request and what the
                                      // server said (never the key). Codes: PermissionDenied
                                      // (kKeyRejected), ResourceExhausted (420/429),
                                      // Unavailable (5xx), the transport's own code for
                                      // transport errors, DeadlineExceeded (408), NotFound
                                      // (404), InvalidArgument (other kRejected).
};

struct MetricInfo {
  std::string id;
  std::string name;                               // "" when the server sends none
  std::optional<SystemTime> most_recent_data_at;  // nullopt when null or absent
};

struct StatuspageOptions {
  std::string base_url = "https://api.statuspage.io/v1";  // a trailing '/' is ignored
  std::string page_id;
  Secret api_key;
  Millis timeout{30000};  // per HTTP request
};

class StatuspageClient {
 public:
  virtual ~StatuspageClient() = default;

  // One bulk POST /pages/{page_id}/metrics/data carrying every point in `data`, as
  // {"data":{"<metric_id>":[{"timestamp":<epoch seconds>,"value":<number>},...],...}}.
  // Entries with the same metric_id are merged into one array, in order.
  // REQUIRES: `data` is non-empty (an empty `data` is kRejected without a request).
  // A non-finite value, a timestamp outside Statuspage's int32 range or an empty metric id makes
  // the whole call kRejected/InvalidArgument without a request: the caller has a bug.
  // Never throws; every failure is in the SubmitResult.
  virtual SubmitResult SubmitMetricData(const std::vector<MetricPoints>& data) = 0;

  // GET /pages/{page_id}/metrics?page=N&per_page=100 for N = 1, 2, ... until a page holds fewer
  // than 100 metrics. Accepts a single Metric object as a one-item page (the published spec
  // declares that shape). A page that adds no metric not already seen, or more than kMaxListPages
  // pages, is Internal (the server is ignoring `page`). Errors: PermissionDenied (401/403),
  // ResourceExhausted (420/429), Unavailable (5xx), NotFound (404), InvalidArgument (other 4xx),
  // the transport's status, or Internal for a body that is not the expected JSON.
  virtual Result<std::vector<MetricInfo>> ListMetrics() = 0;
};

inline constexpr int kListPageSize = 100;
inline constexpr int kMaxListPages = 100;

// The longest wait a Retry-After may impose. Statuspage's rate limit is per second and its 420/429
// and 503 answers ask for seconds; a larger value is a broken or hostile server, and honouring it
// would silence the page for as long as it says (99999999 s is three years). Longer values are cut
// to this, so a healthy Statuspage is tried again within ten minutes.
inline constexpr Millis kMaxRetryAfter{10 * 60 * 1000};

// Parses a Retry-After header value: delta-seconds or an IMF-fixdate HTTP date (relative to
// `now`; a date in the past gives zero). Surrounding whitespace is ignored. The result is at most
// kMaxRetryAfter (any larger number of seconds or later date is cut to it, however many digits).
// Returns nullopt for anything else (empty, signed, fractional, other date formats).
std::optional<Millis> ParseRetryAfter(std::string_view value, SystemTime now);

// `http` and `clock` must outlive the client.
std::unique_ptr<StatuspageClient> NewStatuspageClient(http::HttpClient& http, const Clock& clock,
                                                      StatuspageOptions options);

}  // namespace statusbridge::statuspage
