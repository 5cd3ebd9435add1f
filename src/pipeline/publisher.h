#pragma once

// The Publisher delivers metric points to Statuspage in bulk requests.
//
// Points are sent in as few POST /pages/{page}/metrics/data requests as max_points_per_request
// allows, each request paced by the API key's TokenBucket (statuspage.requests_per_second). Per
// request outcome (DESIGN.md §3):
//   accepted      -> counted as delivered;
//   rejected      -> its points are dropped, logged and counted (a permanent 4xx);
//   retry later   -> 420/429 pause the whole key for Retry-After (else backoff), 5xx and transport
//                    errors back off with full jitter; the same request is retried until the
//                    deadline;
//   key rejected  -> 401/403 stop the drain at once; nothing further is sent.
// Whatever is not delivered by the deadline stays pending (reported, exit code 1 for `once`).
//
// Not thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/token_bucket.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

struct PublisherOptions {
  int max_points_per_request = 3000;
  BackoffPolicy backoff{Millis(1000), Millis(30000)};
};

struct PublishReport {
  int requests = 0;          // HTTP requests made to Statuspage
  int rate_limited = 0;      // 420/429 answers
  int points_accepted = 0;
  int points_rejected = 0;
  int points_pending = 0;    // not delivered (deadline, key rejected)
  std::vector<std::string> errors;  // one line per rejected request or final failure
};

// Splits `data` into requests of at most `max_points` points, keeping each metric's points in
// time order and never splitting a metric across requests when it fits in one. Pure.
std::vector<std::vector<statuspage::MetricPoints>> ChunkPoints(
    const std::vector<statuspage::MetricPoints>& data, int max_points);

class Publisher {
 public:
  // `should_stop` is polled between requests and while waiting (SIGTERM in the daemon).
  Publisher(statuspage::StatuspageClient& client, Clock& clock, TokenBucket& bucket,
            UniformRandom random, PublisherOptions options,
            std::function<bool()> should_stop = nullptr);

  // Sends every point of `data` before `deadline` (monotonic). OK when every point was accepted;
  // PermissionDenied when the key was rejected; otherwise the last error (points pending or
  // rejected).
  Status Publish(const std::vector<statuspage::MetricPoints>& data, MonotonicTime deadline,
                 PublishReport* report);

 private:
  // Waits (in small steps, honouring should_stop and the deadline) until the bucket has a token.
  bool AcquireToken(MonotonicTime deadline);

  statuspage::StatuspageClient& client_;
  Clock& clock_;
  TokenBucket& bucket_;
  UniformRandom random_;
  PublisherOptions options_;
  std::function<bool()> should_stop_;
};

}  // namespace statusbridge::pipeline
