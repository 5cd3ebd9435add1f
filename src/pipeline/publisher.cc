#include "pipeline/publisher.h"

#include <algorithm>

namespace statusbridge::pipeline {
namespace {

int CountPoints(const std::vector<statuspage::MetricPoints>& chunk) {
  int n = 0;
  for (const auto& m : chunk) n += static_cast<int>(m.points.size());
  return n;
}

}  // namespace

std::vector<std::vector<statuspage::MetricPoints>> ChunkPoints(
    const std::vector<statuspage::MetricPoints>& data, int max_points) {
  max_points = std::max(1, max_points);
  std::vector<std::vector<statuspage::MetricPoints>> chunks;
  std::vector<statuspage::MetricPoints> current;
  int in_current = 0;
  auto flush = [&] {
    if (!current.empty()) chunks.push_back(std::move(current));
    current.clear();
    in_current = 0;
  };
  for (const auto& metric : data) {
    size_t i = 0;
    const int n = static_cast<int>(metric.points.size());
    if (n == 0) continue;
    // Keep a metric whole when it fits in a fresh request but not in this one.
    if (n <= max_points && in_current + n > max_points) flush();
    while (i < metric.points.size()) {
      int room = max_points - in_current;
      if (room == 0) {
        flush();
        room = max_points;
      }
      size_t take = std::min<size_t>(static_cast<size_t>(room), metric.points.size() - i);
      statuspage::MetricPoints part{metric.metric_id, {}};
      part.points.assign(metric.points.begin() + static_cast<std::ptrdiff_t>(i),
                         metric.points.begin() + static_cast<std::ptrdiff_t>(i + take));
      current.push_back(std::move(part));
      in_current += static_cast<int>(take);
      i += take;
    }
  }
  flush();
  return chunks;
}

Publisher::Publisher(statuspage::StatuspageClient& client, Clock& clock, TokenBucket& bucket,
                     UniformRandom random, PublisherOptions options,
                     std::function<bool()> should_stop)
    : client_(client),
      clock_(clock),
      bucket_(bucket),
      random_(std::move(random)),
      options_(options),
      should_stop_(std::move(should_stop)) {}

bool Publisher::AcquireToken(MonotonicTime deadline) {
  while (!bucket_.TryAcquire()) {
    if (should_stop_ && should_stop_()) return false;
    Millis wait = bucket_.TimeUntilAvailable();
    MonotonicTime now = clock_.Monotonic();
    if (now + wait > deadline) return false;
    clock_.SleepFor(std::min(wait, Millis(250)));
  }
  return true;
}

Status Publisher::Publish(const std::vector<statuspage::MetricPoints>& data,
                          MonotonicTime deadline, PublishReport* report) {
  PublishReport local;
  PublishReport& r = report != nullptr ? *report : local;
  auto chunks = ChunkPoints(data, options_.max_points_per_request);
  Status result;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const auto& chunk = chunks[c];
    const int n = CountPoints(chunk);
    int attempt = 0;
    bool done = false;
    while (!done) {
      if (!AcquireToken(deadline)) {
        Status s = should_stop_ && should_stop_()
                       ? Status::Unavailable("stopping: points left undelivered")
                       : Status::DeadlineExceeded("deadline reached before every point was sent");
        for (size_t rest = c; rest < chunks.size(); ++rest) r.points_pending += CountPoints(chunks[rest]);
        r.errors.push_back(s.message());
        return s;
      }
      ++r.requests;
      statuspage::SubmitResult sr = client_.SubmitMetricData(chunk);
      switch (sr.outcome) {
        case statuspage::Outcome::kAccepted:
          r.points_accepted += n;
          done = true;
          break;
        case statuspage::Outcome::kRejected:
          r.points_rejected += n;
          r.errors.push_back(sr.status.message());
          result = sr.status;
          done = true;
          break;
        case statuspage::Outcome::kKeyRejected:
          for (size_t rest = c; rest < chunks.size(); ++rest) r.points_pending += CountPoints(chunks[rest]);
          r.errors.push_back(sr.status.message());
          return sr.status;
        case statuspage::Outcome::kRetryLater: {
          Millis wait = BackoffDelay(options_.backoff, attempt++, random_);
          if (sr.http_status == 420 || sr.http_status == 429) {
            ++r.rate_limited;
            // The whole key is paused: no request to it before Retry-After has elapsed.
            wait = sr.retry_after.value_or(std::max(wait, Millis(1000)));
            bucket_.PauseFor(wait);
          } else if (sr.retry_after.has_value()) {
            wait = std::max(wait, *sr.retry_after);
          }
          result = sr.status;
          if (clock_.Monotonic() + wait > deadline) {
            for (size_t rest = c; rest < chunks.size(); ++rest) r.points_pending += CountPoints(chunks[rest]);
            r.errors.push_back(sr.status.message());
            return sr.status;
          }
          // Sleep in small steps so a stop request is noticed; the bucket enforces Retry-After.
          MonotonicTime until = clock_.Monotonic() + wait;
          while (clock_.Monotonic() < until) {
            if (should_stop_ && should_stop_()) break;
            clock_.SleepFor(std::min(Millis(250), std::chrono::ceil<Millis>(until - clock_.Monotonic())));
          }
          break;
        }
      }
    }
  }
  return r.points_rejected > 0 ? result : Status::Ok();
}

}  // namespace statusbridge::pipeline
