#include "pipeline/publisher.h"

#include <algorithm>
#include <map>

namespace statusbridge::pipeline {
namespace {

// Groups outbox items by metric id, each metric's points in bucket order.
std::vector<statuspage::MetricPoints> ToRequest(const std::vector<OutboxItem>& items) {
  std::map<std::string, std::vector<statuspage::Point>> by_metric;
  for (const OutboxItem& i : items) by_metric[i.metric_id].push_back({i.bucket, i.value});
  std::vector<statuspage::MetricPoints> out;
  for (auto& [id, points] : by_metric) {
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    out.push_back({id, std::move(points)});
  }
  return out;
}

}  // namespace

Publisher::Publisher(statuspage::StatuspageClient& client, Clock& clock, TokenBucket& bucket,
                     UniformRandom random, PublisherOptions options,
                     std::function<bool()> should_stop)
    : client_(client),
      clock_(clock),
      bucket_(bucket),
      random_(std::move(random)),
      options_(options),
      should_stop_(std::move(should_stop)) {}

Millis Publisher::MaxDeferral() const {
  return std::max(options_.backoff.cap, statuspage::kMaxRetryAfter);
}

bool Publisher::SleepUntil(MonotonicTime until) {
  while (clock_.Monotonic() < until) {
    if (Stopping()) return false;
    clock_.SleepFor(std::clamp(SaturatingDiff(until, clock_.Monotonic()), Millis(1), Millis(250)));
  }
  return !Stopping();
}

bool Publisher::WaitForToken(MonotonicTime deadline) {
  for (Millis wait = bucket_.TimeUntilAvailable(); wait.count() > 0;
       wait = bucket_.TimeUntilAvailable()) {
    if (Stopping()) return false;
    if (SaturatingAdd(clock_.Monotonic(), wait) > deadline) return false;
    clock_.SleepFor(std::min(wait, Millis(250)));
  }
  return true;
}

Publisher::Sent Publisher::SendAndRecord(StateStore& store, const std::vector<OutboxItem>& items,
                                         PublishReport& report, Status* failure) {
  ++report.requests;
  statuspage::SubmitResult r = client_.SubmitMetricData(ToRequest(items));
  const int n = static_cast<int>(items.size());
  switch (r.outcome) {
    case statuspage::Outcome::kAccepted: {
      Status s = store.Acknowledge(items, clock_.Now());
      if (!s.ok()) {
        *failure = s;
        return Sent::kStoreFailed;
      }
      report.points_accepted += n;
      return Sent::kAccepted;
    }
    case statuspage::Outcome::kRejected: {
      std::string first = items.front().metric_id;
      bool several = std::any_of(items.begin(), items.end(),
                                 [&](const OutboxItem& i) { return i.metric_id != first; });
      if (several) {
        *failure = r.status;
        return Sent::kSplit;
      }
      Status s = store.Reject(items);
      if (!s.ok()) {
        *failure = s;
        return Sent::kStoreFailed;
      }
      report.points_rejected += n;
      report.errors.push_back(r.status.message() + " (" + std::to_string(n) + " points of metric " +
                              first + " dropped)");
      *failure = r.status;
      return Sent::kRejected;
    }
    case statuspage::Outcome::kKeyRejected:
      report.key_rejected = true;
      report.errors.push_back(r.status.message());
      *failure = r.status;
      return Sent::kKeyRejected;
    case statuspage::Outcome::kRetryLater: {
      int attempts = 0;
      for (const OutboxItem& i : items) attempts = std::max(attempts, i.attempts);
      Millis wait = BackoffDelay(options_.backoff, attempts, random_);
      // The client classifies: ResourceExhausted is Statuspage's rate limit (420/429).
      if (r.status.code() == StatusCode::kResourceExhausted) {
        ++report.rate_limited;
        // The limit is per key: pause every request to it, not only these points.
        wait = r.retry_after.value_or(std::max(wait, Millis(1000)));
        bucket_.PauseFor(std::min(wait, statuspage::kMaxRetryAfter));
      } else {
        ++report.retried;
        if (r.retry_after.has_value()) wait = std::max(wait, *r.retry_after);
      }
      // Never defer past the cap, whatever the server asked for (a stored time of years would
      // silence the page long after the server recovered).
      wait = std::clamp(wait, Millis(0), MaxDeferral());
      Status s = store.Defer(items, SaturatingAdd(clock_.Now(), std::chrono::ceil<Seconds>(wait)));
      if (!s.ok()) {
        *failure = s;
        return Sent::kStoreFailed;
      }
      report.errors.push_back(r.status.message() + " (will retry)");
      *failure = r.status;
      return Sent::kDeferred;
    }
  }
  return Sent::kStoreFailed;
}

Status Publisher::Drain(StateStore& store, MonotonicTime deadline, bool wait_for_deferred,
                        PublishReport* report) {
  PublishReport local;
  PublishReport& r = report != nullptr ? *report : local;
  Status last;
  // A state file may hold a retry time from an older version, a broken server or a bad clock:
  // pull any that lies beyond the cap back to it, so no point is held back for longer.
  Result<int64_t> clamped =
      store.ClampDeferrals(SaturatingAdd(clock_.Now(), std::chrono::ceil<Seconds>(MaxDeferral())));
  if (!clamped.ok()) {
    return clamped.status();
  }
  if (*clamped > 0) {
    r.errors.push_back(std::to_string(*clamped) + " points had a retry time further ahead than " +
                       FormatDuration(std::chrono::ceil<Seconds>(MaxDeferral())) +
                       " in the state file; they are now due by then");
  }
  // Groups that Statuspage rejected as a whole are split and resent (only the bad metric drops).
  std::vector<std::vector<OutboxItem>> to_split;
  bool stop = false;
  while (!stop) {
    std::vector<OutboxItem> items;
    if (!to_split.empty()) {
      items = std::move(to_split.back());
      to_split.pop_back();
    } else {
      Result<std::vector<OutboxItem>> due =
          store.Due(options_.max_points_per_request, clock_.Now());
      if (!due.ok()) {
        last = due.status();
        break;
      }
      items = std::move(due).value();
    }
    if (items.empty()) {
      Result<std::optional<SystemTime>> next = store.NextAttempt();
      if (!next.ok()) {
        last = next.status();
        break;
      }
      if (!next->has_value() || !wait_for_deferred) break;
      // Points are deferred: wait for them if that is before the deadline.
      Millis until = std::max(SaturatingDiff(**next, clock_.Now()), Millis(0));
      MonotonicTime at = SaturatingAdd(clock_.Monotonic(), until);
      if (at > deadline || !SleepUntil(at)) break;
      continue;
    }
    if (!WaitForToken(deadline)) break;
    Status failure;
    switch (SendAndRecord(store, items, r, &failure)) {
      case Sent::kAccepted:
        break;
      case Sent::kRejected:
        last = failure;
        break;
      case Sent::kSplit: {
        // Resend each half of the metrics on its own, until the refused metric is alone.
        std::vector<std::string> ids;
        for (const OutboxItem& i : items) {
          if (std::find(ids.begin(), ids.end(), i.metric_id) == ids.end())
            ids.push_back(i.metric_id);
        }
        std::vector<std::string> left(ids.begin(),
                                      ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2));
        std::vector<OutboxItem> a, b;
        for (OutboxItem& i : items) {
          (std::find(left.begin(), left.end(), i.metric_id) != left.end() ? a : b)
              .push_back(std::move(i));
        }
        to_split.push_back(std::move(b));
        to_split.push_back(std::move(a));
        last = failure;
        break;
      }
      case Sent::kDeferred:
        last = failure;
        break;
      case Sent::kKeyRejected:
      case Sent::kStoreFailed:
        last = failure;
        stop = true;
        break;
    }
    if (Stopping()) break;
  }
  Result<int64_t> pending = store.PendingCount();
  r.points_pending = pending.ok() ? *pending : -1;
  if (r.key_rejected) return last;
  if (!pending.ok()) return pending.status();
  if (*pending > 0) {
    std::string why = last.ok() ? "" : " (last error: " + last.ToString() + ")";
    return Status::Unavailable(std::to_string(*pending) + " points not yet delivered" + why);
  }
  if (r.points_rejected > 0) return last;
  return Status::Ok();
}

}  // namespace statusbridge::pipeline
