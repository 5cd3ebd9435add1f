// Issue 4's CloudWatch features end to end: an extended statistic (p99) and a metric-math query,
// published by the real statusbridge from the sandbox and compared exactly with values computed
// here.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expected.h"
#include "harness.h"

namespace statusbridge::testing {
namespace {

std::string Config(const std::string& metrics) {
  return R"(statuspage:
  page_id: "sandboxpage"
  api_key: "${STATUSPAGE_API_KEY}"
  base_url: "${SANDBOX_URL}/v1"
aws:
  region: "us-east-1"
  endpoint_url: "${SANDBOX_URL}"
state:
  path: none
defaults:
  period: 60s
  delay: 120s
  lookback: 10m
  backfill: 30m
metrics:
)" + metrics;
}

class CloudWatchFeaturesTest : public ::testing::Test {
 protected:
  ProcessResult Once(const std::string& config) {
    dir_.Write("config.yaml", config);
    return RunProcess({StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml")},
                      SandboxEnv(sandbox_));
  }
  Sandbox sandbox_;
  TempDir dir_;
};

TEST_F(CloudWatchFeaturesTest, PercentileOfRawValuesIsPublishedExactly) {
  // Per minute k: the values k, 2k, ..., 100k. The nearest-rank p99 of 100 values is the 99th.
  int64_t now = NowSeconds();
  std::map<int64_t, double> expected;
  nlohmann::json puts = nlohmann::json::array();
  for (int64_t m = AlignDown(now - 3600, 60), k = 1; m < AlignDown(now, 60); m += 60, ++k) {
    nlohmann::json values = nlohmann::json::array();
    for (int i = 1; i <= 100; ++i) values.push_back(static_cast<double>(i * k));
    puts.push_back({{"namespace", "Custom/API"},
                    {"metric", "Latency"},
                    {"dimensions", {{"Service", "checkout"}}},
                    {"timestamp", m},
                    {"values", values}});
    expected[m] = static_cast<double>(99 * k);
  }
  sandbox_.Post("/_sandbox/cloudwatch/data", puts);
  int64_t t0 = NowSeconds();
  ProcessResult r = Once(Config(R"(  - name: checkout-p99
    statuspage_metric_id: "p99latency01"
    cloudwatch: { namespace: Custom/API, metric: Latency, dimensions: { Service: checkout },
                  stat: p99 }
)"));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto points = sandbox_.Get("/_sandbox/points")["p99latency01"];
  ASSERT_FALSE(points.empty());
  EXPECT_GE(points.front()["timestamp"].get<int64_t>(), AlignUp(t0 - 1800, 60));
  EXPECT_GE(points.back()["timestamp"].get<int64_t>(), LastSettled(t0, 60, 120));
  EXPECT_LE(points.back()["timestamp"].get<int64_t>(), LastSettled(t1, 60, 120));
  for (const auto& p : points) {
    int64_t t = p["timestamp"].get<int64_t>();
    ASSERT_TRUE(expected.count(t)) << t;
    EXPECT_EQ(p["value"].get<double>(), expected[t]) << t;
  }
  EXPECT_EQ(points.size(), static_cast<size_t>((points.back()["timestamp"].get<int64_t>() -
                                                points.front()["timestamp"].get<int64_t>()) /
                                                   60 +
                                               1));
}

TEST_F(CloudWatchFeaturesTest, MetricMathReliabilityMatchesTheExpectedSeries) {
  int64_t t0 = NowSeconds();
  ProcessResult r = Once(Config(R"yaml(  - name: reliability-math
    statuspage_metric_id: "reliabmath01"
    period: 5m
    cloudwatch_math:
      expression: "100 * (1 - FILL(m2, 0) / m1)"
      metrics:
        m1: { namespace: AWS/ApplicationELB, metric: RequestCount,
              dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
        m2: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count,
              dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
)yaml"));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto points = sandbox_.Get("/_sandbox/points")["reliabmath01"];
  ASSERT_FALSE(points.empty());
  EXPECT_GE(points.back()["timestamp"].get<int64_t>(), LastSettled(t0, 300, 120));
  EXPECT_LE(points.back()["timestamp"].get<int64_t>(), LastSettled(t1, 300, 120));
  for (const auto& p : points) {
    int64_t t = p["timestamp"].get<int64_t>();
    std::optional<double> requests = DemoSum("RequestCount", t, 300);
    ASSERT_TRUE(requests.has_value());
    double errors = DemoSum("HTTPCode_Target_5XX_Count", t, 300).value_or(0.0);
    EXPECT_EQ(p["value"].get<double>(), 100 * (1 - errors / *requests)) << t;
  }
}

}  // namespace
}  // namespace statusbridge::testing
