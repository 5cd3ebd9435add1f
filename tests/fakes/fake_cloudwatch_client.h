#pragma once

// A CloudWatchClient serving series from memory, keyed by metric name and stat, and recording
// every call (queries and window). Only values inside the requested window are returned. A
// scripted error can be returned for calls that include a given metric name.

#include <map>
#include <string>
#include <vector>

#include "aws/cloudwatch_client.h"

namespace statusbridge::testing {

class FakeCloudWatchClient : public aws::CloudWatchClient {
 public:
  struct Call {
    std::vector<aws::MetricQuery> queries;
    TimeWindow window;
  };

  void Set(const std::string& metric_name, const std::string& stat, SystemTime t, double v) {
    data_[{metric_name, stat}][t] = v;
  }
  void FailWhenQueried(const std::string& metric_name, Status status) {
    failures_[metric_name] = std::move(status);
  }
  const std::vector<Call>& calls() const { return calls_; }
  // The deadline each call was given, in call order.
  const std::vector<MonotonicTime>& deadlines() const { return deadlines_; }

  // aws::CloudWatchClient
  Result<std::vector<aws::MetricSeries>> GetMetricData(const std::vector<aws::MetricQuery>& queries,
                                                       const TimeWindow& window,
                                                       aws::CloudWatchStats* stats,
                                                       const Deadline& deadline) override {
    deadlines_.push_back(deadline.at());
    calls_.push_back(Call{queries, window});
    if (stats != nullptr) ++stats->calls;
    for (const auto& q : queries) {
      auto f = failures_.find(q.stat.metric_name);
      if (f != failures_.end()) return f->second;
    }
    std::vector<aws::MetricSeries> out;
    for (const auto& q : queries) {
      aws::MetricSeries s{q.id, {}};
      auto it = data_.find({q.stat.metric_name, q.stat.stat});
      if (it != data_.end()) {
        for (const auto& [t, v] : it->second) {
          if (window.Contains(t)) s.values[t] = v;
        }
      }
      if (stats != nullptr) stats->datapoints += static_cast<int64_t>(s.values.size());
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::map<SystemTime, double>> data_;
  std::map<std::string, Status> failures_;
  std::vector<Call> calls_;
  std::vector<MonotonicTime> deadlines_;
};

}  // namespace statusbridge::testing
