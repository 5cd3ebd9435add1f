#pragma once

// Queries and windows for the GetMetricData tests (cloudwatch_client_test.cc,
// metric_math_test.cc, get_metric_data_plan_test.cc, get_metric_data_wire_test.cc).

#include <cstdint>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "aws/metric_query.h"
#include "core/time.h"

namespace statusbridge::aws::cw_test {

inline constexpr int64_t kStart = 1704067200;  // 2024-01-01T00:00:00Z: aligned to a day
inline constexpr int64_t kMinute = 60;
inline constexpr int64_t kDay = 86400;

inline TimeWindow Window(int64_t start, int64_t end) {
  return TimeWindow{FromUnixSeconds(start), FromUnixSeconds(end)};
}

inline MetricQuery Query(std::string id, Seconds period = Seconds(60),
                         std::string metric = "Requests") {
  MetricQuery q;
  q.id = std::move(id);
  q.stat.namespace_name = "AWS/ApplicationELB";
  q.stat.metric_name = std::move(metric);
  q.stat.stat = "Sum";
  q.stat.period = period;
  return q;
}

inline std::vector<MetricQuery> Queries(size_t n, Seconds period = Seconds(60)) {
  std::vector<MetricQuery> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(Query("m" + std::to_string(i), period));
  }
  return out;
}

inline MetricStat Stat(std::string metric, Seconds period = Seconds(60)) {
  MetricStat stat;
  stat.namespace_name = "AWS/ApplicationELB";
  stat.metric_name = std::move(metric);
  stat.stat = "Sum";
  stat.period = period;
  return stat;
}

inline MetricQuery Math(std::string id, std::string expression,
                        std::vector<std::pair<std::string, MetricStat>> inputs,
                        Seconds period = Seconds(60)) {
  MetricQuery q;
  q.id = std::move(id);
  q.expression = std::move(expression);
  q.period = period;
  q.inputs = std::move(inputs);
  return q;
}

// n math queries "FILL(m1, 0)" over one input each.
inline std::vector<MetricQuery> MathQueries(size_t n, size_t inputs = 1,
                                            Seconds period = Seconds(60)) {
  std::vector<MetricQuery> out;
  for (size_t i = 0; i < n; ++i) {
    MetricQuery q = Math("e" + std::to_string(i), "FILL(m1, 0)", {}, period);
    for (size_t k = 0; k < inputs; ++k) {
      q.inputs.emplace_back("m" + std::to_string(k + 1), Stat("Requests", period));
    }
    out.push_back(std::move(q));
  }
  return out;
}

inline SystemTime T(int64_t s) { return FromUnixSeconds(s); }

inline bool IsInsights(const std::string& expression) {
  return std::regex_search(expression, std::regex(R"(^\s*SELECT\b)", std::regex::icase));
}

}  // namespace statusbridge::aws::cw_test
