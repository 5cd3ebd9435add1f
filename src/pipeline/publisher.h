#pragma once

// The Publisher drains the outbox (state_store.h) into Statuspage's bulk endpoint
// POST /pages/{page}/metrics/data.
//
// Each request carries up to max_points_per_request due points, oldest bucket first. The
// Statuspage client's HttpClient is paced by the API key's TokenBucket
// (statuspage.requests_per_second, http/rate_limited_http_client.h), so the key's rate is never
// exceeded; the publisher waits for a token before each request so that it can give up at the
// deadline or on stop instead of blocking. Outcomes (DESIGN.md §3):
//   accepted     -> the points leave the outbox and are remembered as published;
//   rejected     -> (400/404/422...) a request with several metrics is split in halves and resent,
//                   so only the metrics Statuspage refuses are dropped; those are logged and
//                   counted;
//   retry later  -> 420/429 pause the whole key until Retry-After (default: backoff); 5xx, timeouts
//                   and dropped connections defer the points with exponential backoff and full
//                   jitter (by the points' attempt count). No point is ever deferred further than
//                   MaxDeferral() (the backoff cap or statuspage::kMaxRetryAfter, whichever is
//                   larger), and each drain first pulls stored retry times beyond that back to it;
//   key rejected -> 401/403 stop the drain; every point stays in the outbox.
// The drain ends when the outbox has nothing due, at the deadline, or when should_stop() turns true
// (checked between requests and while waiting); an in-flight request is always finished.
//
// Not thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/token_bucket.h"
#include "pipeline/state_store.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

struct PublisherOptions {
  int max_points_per_request = 3000;
  BackoffPolicy backoff{Millis(1000), Millis(60000)};
};

struct PublishReport {
  int requests = 0;      // HTTP requests made to Statuspage
  int rate_limited = 0;  // 420/429 answers
  int retried = 0;       // other retry-later answers (5xx, transport, timeout)
  int points_accepted = 0;
  int points_rejected = 0;
  int64_t points_pending = 0;  // left in the outbox when the drain ended
  bool key_rejected = false;
  std::vector<std::string> errors;  // one line per rejected request or failure, for the log
};

class Publisher {
 public:
  Publisher(statuspage::StatuspageClient& client, Clock& clock, TokenBucket& bucket,
            UniformRandom random, PublisherOptions options,
            std::function<bool()> should_stop = nullptr);

  // Drains `store` until nothing is due, `deadline` (monotonic) passes, or a stop is requested.
  // When `wait_for_deferred` is true, points deferred to a time before the deadline are waited
  // for (a one-shot run that must deliver everything); otherwise they are left for the next
  // cycle. OK when the outbox is empty at the end; PermissionDenied when the key was rejected;
  // otherwise a Status describing what is left.
  Status Drain(StateStore& store, MonotonicTime deadline, bool wait_for_deferred,
               PublishReport* report);

 private:
  enum class Sent { kAccepted, kRejected, kSplit, kDeferred, kKeyRejected, kStoreFailed };

  // Sends `items` (grouped by metric) as one request and records the outcome in `store`. A
  // rejected request carrying several metrics is not recorded but answered kSplit.
  Sent SendAndRecord(StateStore& store, const std::vector<OutboxItem>& items, PublishReport& report,
                     Status* failure);
  // Waits until the bucket has a token (the rate-limited HttpClient under the Statuspage client
  // takes it); false at the deadline or on stop.
  bool WaitForToken(MonotonicTime deadline);
  // Sleeps until `until` in small steps; false if a stop was requested meanwhile.
  bool SleepUntil(MonotonicTime until);
  bool Stopping() const { return should_stop_ && should_stop_(); }
  // The longest any point is deferred: the backoff cap or statuspage::kMaxRetryAfter.
  Millis MaxDeferral() const;

  statuspage::StatuspageClient& client_;
  Clock& clock_;
  TokenBucket& bucket_;
  UniformRandom random_;
  PublisherOptions options_;
  std::function<bool()> should_stop_;
};

}  // namespace statusbridge::pipeline
