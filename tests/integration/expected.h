#pragma once

// Expected Statuspage points for the sandbox's demo load balancer, computed here directly from the
// generator's per-minute data (tools/sandbox/traffic.h GeneratedMinute) with plain arithmetic:
// independent of the sandbox's CloudWatch aggregation and of statusbridge's pipeline. The harness
// runs the sandbox with the flat traffic shape, so how much data a window holds does not depend on
// the hour the tests run at.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "traffic.h"

namespace statusbridge::testing {

inline constexpr uint64_t kSandboxSeed = 1;  // the sandbox's default --seed
inline constexpr sandbox::TrafficShape kSandboxShape =
    sandbox::TrafficShape::kFlat;  // harness.cc's --traffic-shape

// Sum of a demo metric's per-minute sums over [start, start + period), or nullopt when no minute
// in the bucket has data.
inline std::optional<double> DemoSum(const char* metric, int64_t start, int64_t period) {
  std::optional<double> sum;
  for (int64_t m = start; m < start + period; m += 60) {
    auto set = sandbox::GeneratedMinute(kSandboxSeed, metric, m, kSandboxShape);
    if (set.has_value()) sum = sum.value_or(0.0) + set->sum;
  }
  return sum;
}

// request-volume: RequestCount, Sum per 60 s bucket.
inline std::optional<double> ExpectedRequestVolume(int64_t t) {
  return DemoSum("RequestCount", t, 60);
}

// api-reliability: 100 * (requests - errors) / requests per 300 s bucket; errors missing = 0;
// no requests = undefined (skipped).
inline std::optional<double> ExpectedReliability(int64_t t) {
  auto requests = DemoSum("RequestCount", t, 300);
  if (!requests.has_value() || *requests == 0) return std::nullopt;
  double errors = DemoSum("HTTPCode_Target_5XX_Count", t, 300).value_or(0.0);
  return 100 * (*requests - errors) / *requests;
}

// response-time: TargetResponseTime Average (Sum / SampleCount) per 60 s bucket, in ms.
inline std::optional<double> ExpectedResponseTimeMs(int64_t t) {
  auto set = sandbox::GeneratedMinute(kSandboxSeed, "TargetResponseTime", t, kSandboxShape);
  if (!set.has_value() || set->sample_count == 0) return std::nullopt;
  double latency = set->sum / set->sample_count;
  return latency * 1000;
}

// The demo config used by the integration tests (the same three metrics as
// examples/sandbox.yaml), with `state_path` and `backfill` filled in.
inline std::string DemoConfig(const std::string& state_path, const std::string& backfill,
                              const std::string& extra_statuspage = "") {
  return R"(statuspage:
  page_id: "sandboxpage"
  api_key: "${STATUSPAGE_API_KEY}"
  base_url: "${SANDBOX_URL}/v1"
)" + extra_statuspage +
         R"(aws:
  region: "us-east-1"
  endpoint_url: "${SANDBOX_URL}"
state:
  path: ")" +
         state_path +
         R"("
schedule:
  interval: 10s
defaults:
  period: 60s
  delay: 120s
  lookback: 10m
  backfill: )" +
         backfill +
         R"(
metrics:
  - name: request-volume
    statuspage_metric_id: "sbxrequests1"
    cloudwatch:
      namespace: AWS/ApplicationELB
      metric: RequestCount
      dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }
      stat: Sum
  - name: api-reliability
    statuspage_metric_id: "sbxreliabil1"
    period: 5m
    queries:
      requests:
        cloudwatch: { namespace: AWS/ApplicationELB, metric: RequestCount,
                      dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
      errors:
        cloudwatch: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count,
                      dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
        missing: 0
    expression: "100 * (requests - errors) / requests"
  - name: response-time
    statuspage_metric_id: "sbxresptime1"
    queries:
      latency:
        cloudwatch: { namespace: AWS/ApplicationELB, metric: TargetResponseTime,
                      dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Average }
    expression: "latency * 1000"
)";
}

inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t AlignDown(int64_t t, int64_t p) { return t - ((t % p) + p) % p; }
inline int64_t AlignUp(int64_t t, int64_t p) { return AlignDown(t + p - 1, p); }
inline int64_t LastSettled(int64_t now, int64_t period, int64_t delay) {
  return AlignDown(now - delay - period, period);
}

struct MetricCase {
  const char* id;
  int64_t period;
  std::optional<double> (*expected)(int64_t);
};
inline const MetricCase kDemoMetrics[] = {
    {"sbxrequests1", 60, &ExpectedRequestVolume},
    {"sbxreliabil1", 300, &ExpectedReliability},
    {"sbxresptime1", 60, &ExpectedResponseTimeMs},
};

// Checks that `points` (one metric's stored points) hold exactly the expected value for every
// defined bucket from `first` to the last bucket settled at some instant in [t0, t1] (when the
// run happened), and nothing else.
inline void ExpectExactMetric(const nlohmann::json& points, const MetricCase& m, int64_t first,
                              int64_t t0, int64_t t1) {
  SCOPED_TRACE(m.id);
  ASSERT_FALSE(points.empty());
  int64_t last = points.back()["timestamp"].get<int64_t>();
  EXPECT_TRUE(last >= LastSettled(t0, m.period, 120) && last <= LastSettled(t1, m.period, 120))
      << "last bucket " << last;
  size_t i = 0;
  int checked = 0;
  for (int64_t t = first; t <= last; t += m.period) {
    std::optional<double> want = m.expected(t);
    if (!want.has_value()) continue;  // undefined buckets are skipped, never published as 0
    ASSERT_LT(i, points.size()) << "missing bucket " << t;
    EXPECT_EQ(points[i]["timestamp"].get<int64_t>(), t) << "missing bucket " << t;
    EXPECT_EQ(points[i]["value"].get<double>(), *want) << "bucket " << t;
    ++i;
    ++checked;
  }
  EXPECT_EQ(i, points.size()) << "unexpected extra points";
  EXPECT_GT(checked, 0);
}

// Every demo metric: exactly the settled buckets in [run time - backfill, last settled], the run
// (or runs) having happened within [t0, t1].
inline void ExpectExactDemoPoints(const nlohmann::json& stored, int64_t t0, int64_t t1,
                                  int64_t backfill) {
  for (const MetricCase& m : kDemoMetrics) {
    SCOPED_TRACE(m.id);
    ASSERT_TRUE(stored.contains(m.id)) << stored.dump().substr(0, 500);
    ASSERT_FALSE(stored[m.id].empty());
    int64_t first = stored[m.id].front()["timestamp"].get<int64_t>();
    EXPECT_TRUE(first >= AlignUp(t0 - backfill, m.period) &&
                first <= AlignUp(t1 - backfill, m.period))
        << "first bucket " << first;
    ExpectExactMetric(stored[m.id], m, first, t0, t1);
  }
}

}  // namespace statusbridge::testing
