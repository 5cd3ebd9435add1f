// Issue 4 end to end: Logs Insights metrics and mixed CloudWatch + Logs metrics, published by the
// real statusbridge from the sandbox's Logs Insights emulation, compared exactly with values
// computed here from the events the test put.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "expected.h"
#include "harness.h"

namespace statusbridge::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kGroup = "/test/api";

std::string LogsConfig(const std::string& metrics, const std::string& aws_extra = "") {
  return R"(statuspage:
  page_id: "sandboxpage"
  api_key: "${STATUSPAGE_API_KEY}"
  base_url: "${SANDBOX_URL}/v1"
aws:
  region: "us-east-1"
  endpoint_url: "${SANDBOX_URL}"
)" + aws_extra +
         R"(state:
  path: none
defaults:
  period: 60s
  delay: 120s
  lookback: 10m
  backfill: 20m
metrics:
)" + metrics;
}

const char* kLatencyMetric = R"(  - name: api-latency
    statuspage_metric_id: "latency00001"
    logs_insights:
      log_groups: ["/test/api"]
      query: "filter path like /api/ | stats avg(elapsed) as value by bin(1m) as t"
      value_field: value
      time_field: t
)";

// The same latency metric over the sandbox's generated access log.
const char* kDemoLatencyMetric = R"(  - name: api-latency
    statuspage_metric_id: "latency00001"
    logs_insights:
      log_groups: ["/ecs/demo-api"]
      query: "filter path like /api/ | stats avg(elapsed) as value by bin(1m) as t"
      value_field: value
      time_field: t
)";

const char* kSlowShareMetric = R"(  - name: slow-share
    statuspage_metric_id: "slowshare001"
    queries:
      requests:
        cloudwatch: { namespace: AWS/ApplicationELB, metric: RequestCount,
                      dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
      slow:
        logs_insights:
          log_groups: ["/test/api"]
          query: "filter elapsed > 100 | stats count() as value by bin(1m) as t"
          value_field: value
          time_field: t
        missing: 0
    expression: "100 * slow / requests"
)";

const char* kRequestsMetric = R"(  - name: request-volume
    statuspage_metric_id: "sbxrequests1"
    cloudwatch: { namespace: AWS/ApplicationELB, metric: RequestCount,
                  dimensions: { LoadBalancer: "app/demo-alb/50dc6c495c0c9188" }, stat: Sum }
)";

// Per minute m (index k from the start): two events on /api/x with elapsed a and a + 2, where
// a = 40 + 37 * (k % 5), so the average a + 1 is exact; every third minute also one slow event
// (elapsed 150) on /health (not /api, so it counts for slow-share but not for latency). One minute
// in the window has no events at all.
struct PutLog {
  std::map<int64_t, double> latency;  // minute -> expected average
  std::map<int64_t, double> slow;     // minute -> slow events (elapsed > 100)
};

PutLog PutEvents(const Sandbox& sandbox, int64_t from, int64_t to, int64_t empty_minute) {
  PutLog expected;
  nlohmann::json events = nlohmann::json::array();
  for (int64_t m = from, k = 0; m < to; m += 60, ++k) {
    if (m == empty_minute) continue;
    int64_t a = 40 + 37 * (k % 5);
    for (int64_t e : {a, a + 2}) {
      events.push_back({{"timestamp", (m + 5 + e % 50) * 1000},
                        {"message", nlohmann::json{{"path", "/api/x"}, {"elapsed", e}}.dump()}});
    }
    expected.latency[m] = static_cast<double>(a + 1);
    int slow = (a > 100 ? 1 : 0) + (a + 2 > 100 ? 1 : 0);
    if (k % 3 == 0) {
      events.push_back({{"timestamp", (m + 30) * 1000},
                        {"message", nlohmann::json{{"path", "/health"}, {"elapsed", 150}}.dump()}});
      ++slow;
    }
    if (slow > 0) expected.slow[m] = slow;
  }
  sandbox.Post("/_sandbox/logs/events", {{"log_group", kGroup}, {"events", events}});
  return expected;
}

class LogsTest : public ::testing::Test {
 protected:
  // `once` with a cycle deadline of 4 minutes (the default is 2): three queries in a row over the
  // generated log take 30-45 s on a busy ASan build. Within ctest's 300 s per test.
  ProcessResult Once(const Sandbox& sandbox, const std::string& config) {
    dir_.Write("config.yaml", config);
    return RunProcess(
        {StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml"), "--timeout", "4m"},
        SandboxEnv(sandbox), Millis(270000));
  }
  TempDir dir_;
};

TEST_F(LogsTest, LogsDerivedAndMixedMetricsPublishExactlyTheExpectedPoints) {
  Sandbox sandbox({"--logs-query-latency", "300ms"});
  int64_t now = NowSeconds();
  int64_t from = AlignDown(now - 3600, 60);
  int64_t empty = LastSettled(now, 60, 120) - 300;
  PutLog expected = PutEvents(sandbox, from, AlignDown(now, 60) + 60, empty);

  int64_t t0 = NowSeconds();
  ProcessResult r = Once(sandbox, LogsConfig(std::string(kLatencyMetric) + kSlowShareMetric));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("logs_queries=2"));

  nlohmann::json stored = sandbox.Get("/_sandbox/points");
  MetricCase latency{"latency00001", 60, nullptr};
  (void)latency;
  const auto& lat = stored["latency00001"];
  ASSERT_FALSE(lat.empty());
  int64_t first = lat.front()["timestamp"].get<int64_t>();
  int64_t last = lat.back()["timestamp"].get<int64_t>();
  EXPECT_GE(first, AlignUp(t0 - 1200, 60));
  EXPECT_LE(first, AlignUp(t1 - 1200, 60));
  EXPECT_GE(last, LastSettled(t0, 60, 120));
  EXPECT_LE(last, LastSettled(t1, 60, 120));
  size_t i = 0;
  for (int64_t t = first; t <= last; t += 60) {
    auto it = expected.latency.find(t);
    if (it == expected.latency.end()) continue;  // the empty minute: undefined, skipped
    ASSERT_LT(i, lat.size());
    EXPECT_EQ(lat[i]["timestamp"].get<int64_t>(), t);
    EXPECT_EQ(lat[i]["value"].get<double>(), it->second) << t;
    ++i;
  }
  EXPECT_EQ(i, lat.size());
  for (const auto& p : lat) EXPECT_NE(p["timestamp"].get<int64_t>(), empty);

  // slow-share: 100 * slow (from logs, missing = 0) / requests (from CloudWatch), per bucket.
  const auto& share = stored["slowshare001"];
  ASSERT_FALSE(share.empty());
  for (const auto& p : share) {
    int64_t t = p["timestamp"].get<int64_t>();
    double slow = expected.slow.count(t) ? expected.slow[t] : 0.0;
    std::optional<double> requests = ExpectedRequestVolume(t);
    ASSERT_TRUE(requests.has_value());
    EXPECT_EQ(p["value"].get<double>(), 100 * slow / *requests) << t;
  }
  EXPECT_EQ(share.size(), static_cast<size_t>((share.back()["timestamp"].get<int64_t>() -
                                               share.front()["timestamp"].get<int64_t>()) /
                                                  60 +
                                              1));

  // Polling is a handful of GetQueryResults per query, not hundreds.
  nlohmann::json stats = sandbox.Get("/_sandbox/stats");
  EXPECT_EQ(stats["logs_start_query_calls"].get<int>(), 2);
  EXPECT_LE(stats["logs_get_query_results_calls"].get<int>(), 2 * 4);
}

TEST_F(LogsTest, AFailingQueryIsAClearErrorAndOtherMetricsStillPublish) {
  Sandbox sandbox({"--logs-query-latency", "100ms"});
  std::string broken = R"(  - name: broken-logs
    statuspage_metric_id: "broken000001"
    logs_insights:
      log_groups: ["/test/api"]
      query: "frobnicate elapsed | stats avg(elapsed) as value by bin(1m) as t"
      value_field: value
      time_field: t
)";
  PutEvents(sandbox, AlignDown(NowSeconds() - 1800, 60), AlignDown(NowSeconds(), 60), 0);
  ProcessResult r = Once(sandbox, LogsConfig(broken + kRequestsMetric + kLatencyMetric));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("broken-logs"));
  EXPECT_THAT(r.err, HasSubstr("MalformedQueryException"));
  nlohmann::json stored = sandbox.Get("/_sandbox/points");
  EXPECT_FALSE(stored.contains("broken000001"));
  EXPECT_FALSE(stored["sbxrequests1"].empty());
  EXPECT_FALSE(stored["latency00001"].empty());
}

// The query runs far longer (10 minutes) than the timeout (5 s): the timeout fires whatever the
// machine's load, and 5 s leave StartQuery and the polls room on a busy ASan build.
TEST_F(LogsTest, AQueryThatTimesOutIsStoppedAndNamed) {
  Sandbox sandbox({"--logs-query-latency", "600s"});
  ProcessResult r = Once(sandbox, LogsConfig(std::string(kDemoLatencyMetric) + kRequestsMetric,
                                             "  logs: { query_timeout: 5s }\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("api-latency"));
  EXPECT_THAT(r.err, HasSubstr("DeadlineExceeded"));
  EXPECT_GE(sandbox.Get("/_sandbox/stats")["logs_stop_query_calls"].get<int>(), 1);
  EXPECT_FALSE(sandbox.Get("/_sandbox/points")["sbxrequests1"].empty());
}

TEST_F(LogsTest, TheConcurrentQueryLimitIsWaitedOutNotFatal) {
  Sandbox sandbox({"--logs-query-latency", "400ms", "--logs-max-concurrent", "1"});
  std::string metrics;
  for (int i = 0; i < 3; ++i) {
    metrics += "  - name: latency-" + std::to_string(i) + "\n    statuspage_metric_id: \"lat" +
               std::to_string(i) +
               "\"\n    logs_insights:\n      log_groups: [\"/ecs/demo-api\"]\n" +
               "      query: \"filter elapsed > " + std::to_string(i) +
               " | stats avg(elapsed) as value by bin(1m) as t\"\n      value_field: value\n"
               "      time_field: t\n";
  }
  ProcessResult r = Once(
      sandbox, LogsConfig(metrics, "  logs: { max_concurrent_queries: 3, query_timeout: 4m }\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json stored = sandbox.Get("/_sandbox/points");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(stored["lat" + std::to_string(i)].empty()) << i;
}

TEST_F(LogsTest, AQueryStuckBehindTheLimitFailsClearlyAtTheDeadline) {
  Sandbox sandbox({"--logs-query-latency", "600s", "--logs-max-concurrent", "1"});
  std::string metrics = kDemoLatencyMetric;
  metrics += R"(  - name: api-latency-2
    statuspage_metric_id: "latency00002"
    logs_insights:
      log_groups: ["/ecs/demo-api"]
      query: "stats max(elapsed) as value by bin(1m) as t"
      value_field: value
      time_field: t
)";
  ProcessResult r =
      Once(sandbox, LogsConfig(metrics + kRequestsMetric, "  logs: { query_timeout: 5s }\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("LimitExceededException"));
  EXPECT_FALSE(sandbox.Get("/_sandbox/points")["sbxrequests1"].empty());
}

TEST_F(LogsTest, SigtermDuringALogsQueryStopsItAndExitsPromptly) {
  Sandbox sandbox({"--logs-query-latency", "600s"});
  std::string config = LogsConfig(kDemoLatencyMetric, "  logs: { query_timeout: 5m }\n");
  config.replace(config.find("path: none"), 10, "path: \"" + dir_.File("state.db") + "\"");
  dir_.Write("config.yaml", config);
  BackgroundProcess daemon({StatusbridgeBinary(), "run", "-c", dir_.File("config.yaml")},
                           SandboxEnv(sandbox), dir_.File("out"), dir_.File("err"));
  // Wait until the query is running (a minute at most: an ASan daemon on a busy machine).
  for (int i = 0; i < 2400 && sandbox.Get("/_sandbox/stats")["logs_start_query_calls"] == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(sandbox.Get("/_sandbox/stats")["logs_start_query_calls"].get<int>(), 1);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.Stop(SIGTERM, Millis(60000)), 0);
  // Promptly: not after the query (10 minutes) or the query timeout (5 minutes); 20 s leave room
  // for an ASan process's exit on a busy machine.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_EQ(sandbox.Get("/_sandbox/stats")["logs_stop_query_calls"].get<int>(), 1);
}

}  // namespace
}  // namespace statusbridge::testing
