#pragma once

// A StatuspageClient that answers SubmitMetricData from a script (then "accepted"), refuses
// listed metric ids with a 404 when they are part of a request, and records every request with
// its monotonic time. Like the real client behind RateLimitedHttpClient, each request takes a
// token from the key's bucket: the caller must have waited until one was available.

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/token_bucket.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::testing {

using statuspage::MetricPoints;
using statuspage::Outcome;
using statuspage::SubmitResult;

class ScriptedStatuspage : public statuspage::StatuspageClient {
 public:
  ScriptedStatuspage(const Clock& clock, TokenBucket& bucket) : clock_(clock), bucket_(bucket) {}
  void Add(SubmitResult r) { script_.push_back(std::move(r)); }
  // Drops what is left of the script: every later request is accepted.
  void ClearScript() { script_.clear(); }
  void RefuseMetric(const std::string& id) { refused_.insert(id); }

  SubmitResult SubmitMetricData(const std::vector<MetricPoints>& data) override {
    EXPECT_TRUE(bucket_.TryAcquire()) << "request sent without a token";
    calls.push_back(data);
    times.push_back(clock_.Monotonic());
    for (const auto& m : data) {
      if (refused_.count(m.metric_id)) {
        outcomes.push_back(Outcome::kRejected);
        return SubmitResult{
            Outcome::kRejected, 404, std::nullopt,
            Status::NotFound("POST /pages/p/metrics/data: HTTP 404: metric not found")};
      }
    }
    if (script_.empty()) {
      outcomes.push_back(Outcome::kAccepted);
      return SubmitResult{};
    }
    SubmitResult r = script_.front();
    script_.pop_front();
    outcomes.push_back(r.outcome);
    return r;
  }
  Result<std::vector<statuspage::MetricInfo>> ListMetrics() override {
    return std::vector<statuspage::MetricInfo>{};
  }

  int PointsSent() const {
    int n = 0;
    for (const auto& c : calls) {
      for (const auto& m : c) n += static_cast<int>(m.points.size());
    }
    return n;
  }

  std::vector<std::vector<MetricPoints>> calls;
  std::vector<MonotonicTime> times;
  std::vector<Outcome> outcomes;  // per call

 private:
  const Clock& clock_;
  TokenBucket& bucket_;
  std::deque<SubmitResult> script_;
  std::set<std::string> refused_;
};

}  // namespace statusbridge::testing
