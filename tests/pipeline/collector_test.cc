#include "pipeline/collector.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fakes/fake_cloudwatch_client.h"
#include "fakes/fake_source_clients.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using statuspage::Point;
using testing::FakeCloudWatchClient;

using testing::FakeLogsClient;
using testing::FakeSourceClients;

Result<std::unique_ptr<Collector>> Make(const std::vector<MetricConfig>& metrics,
                                        FakeCloudWatchClient& cw) {
  static LogsConfig logs;
  static std::vector<std::unique_ptr<FakeSourceClients>> keep;
  keep.push_back(std::make_unique<FakeSourceClients>(cw));
  return Collector::Create(metrics, logs, *keep.back());
}

SystemTime T(int64_t s) { return FromUnixSeconds(s); }
constexpr int64_t kBase = 1700000040;  // a minute boundary; kBase % 300 == 240

QueryConfig Query(const std::string& name, const std::string& metric, const std::string& stat,
                  std::optional<double> missing = std::nullopt, Seconds period = Seconds(60)) {
  QueryConfig q;
  q.name = name;
  q.cloudwatch.namespace_name = "AWS/ApplicationELB";
  q.cloudwatch.metric_name = metric;
  q.cloudwatch.dimensions = {{"LoadBalancer", "app/x/1"}};
  q.cloudwatch.stat = stat;
  q.cloudwatch.period = period;
  q.missing.value = missing;
  return q;
}

MetricConfig Reliability(NoDataPolicy no_data = {}) {
  MetricConfig m;
  m.name = "api-reliability";
  m.statuspage_metric_id = "rel";
  m.queries = {Query("requests", "RequestCount", "Sum"),
               Query("errors", "HTTPCode_Target_5XX_Count", "Sum", 0.0)};
  m.expression = "100 * (requests - errors) / requests";
  m.no_data = no_data;
  return m;
}

Expression Compile(const MetricConfig& m) {
  std::vector<std::string> names;
  for (const auto& q : m.queries) names.push_back(q.name);
  auto e = Expression::Compile(m.expression, names);
  EXPECT_OK(e);
  return *e;
}

aws::MetricSeries Series(std::map<int64_t, double> v) {
  aws::MetricSeries s;
  for (auto [t, x] : v) s.values[T(t)] = x;
  return s;
}

TEST(ComputeBucketValuesTest, RatioFromAlignedSumsWithMissingErrorsAsZero) {
  MetricConfig m = Reliability();
  auto requests = Series({{kBase, 200}, {kBase + 60, 400}, {kBase + 120, 100}});
  auto errors = Series({{kBase + 60, 4}});  // ALB reports 5xx only when non-zero
  int undefined = 0;
  auto points = ComputeBucketValues(m, Compile(m), {T(kBase), T(kBase + 180)}, {&requests, &errors},
                                    std::nullopt, &undefined);
  EXPECT_EQ(points, (std::vector<Point>{
                        {T(kBase), 100.0}, {T(kBase + 60), 99.0}, {T(kBase + 120), 100.0}}));
  EXPECT_EQ(undefined, 0);
}

TEST(ComputeBucketValuesTest, UnknownInputIsNeverPublishedAsZero) {
  MetricConfig m = Reliability();
  auto requests = Series({{kBase, 200}});  // no traffic data for the second bucket
  auto errors = Series({});
  int undefined = 0;
  auto points = ComputeBucketValues(m, Compile(m), {T(kBase), T(kBase + 120)}, {&requests, &errors},
                                    std::nullopt, &undefined);
  EXPECT_EQ(points, (std::vector<Point>{{T(kBase), 100.0}}));
  EXPECT_EQ(undefined, 1);
}

TEST(ComputeBucketValuesTest, DivisionByZeroFollowsNoDataPolicy) {
  auto requests = Series({{kBase, 100}, {kBase + 60, 0}, {kBase + 120, 50}});
  auto errors = Series({{kBase, 1}});
  TimeWindow w{T(kBase), T(kBase + 180)};
  struct Case {
    NoDataPolicy policy;
    std::vector<Point> want;
  } cases[] = {
      {{NoDataPolicy::Kind::kSkip, 0}, {{T(kBase), 99.0}, {T(kBase + 120), 100.0}}},
      {{NoDataPolicy::Kind::kHold, 0},
       {{T(kBase), 99.0}, {T(kBase + 60), 99.0}, {T(kBase + 120), 100.0}}},
      {{NoDataPolicy::Kind::kValue, 100},
       {{T(kBase), 99.0}, {T(kBase + 60), 100.0}, {T(kBase + 120), 100.0}}},
  };
  for (const auto& c : cases) {
    MetricConfig m = Reliability(c.policy);
    EXPECT_EQ(ComputeBucketValues(m, Compile(m), w, {&requests, &errors}, std::nullopt, nullptr),
              c.want);
  }
}

TEST(ComputeBucketValuesTest, HoldUsesTheRememberedValueForLeadingGaps) {
  MetricConfig m = Reliability({NoDataPolicy::Kind::kHold, 0});
  auto requests = Series({{kBase + 60, 10}});
  auto errors = Series({});
  auto points = ComputeBucketValues(m, Compile(m), {T(kBase), T(kBase + 120)}, {&requests, &errors},
                                    97.5, nullptr);
  EXPECT_EQ(points, (std::vector<Point>{{T(kBase), 97.5}, {T(kBase + 60), 100.0}}));
  // Without a remembered value, hold has nothing to hold: the bucket is skipped.
  points = ComputeBucketValues(m, Compile(m), {T(kBase), T(kBase + 120)}, {&requests, &errors},
                               std::nullopt, nullptr);
  EXPECT_EQ(points, (std::vector<Point>{{T(kBase + 60), 100.0}}));
}

TEST(ComputeBucketValuesTest, NonFiniteInputIsUndefined) {
  MetricConfig m;
  m.name = "x";
  m.queries = {Query("value", "M", "Average")};
  m.expression = "value";
  auto s = Series({{kBase, std::nan("")}, {kBase + 60, 3.5}});
  auto points =
      ComputeBucketValues(m, Compile(m), {T(kBase), T(kBase + 120)}, {&s}, std::nullopt, nullptr);
  EXPECT_EQ(points, (std::vector<Point>{{T(kBase + 60), 3.5}}));
}

MetricConfig Single(const std::string& name, const std::string& metric, Seconds period,
                    Seconds backfill) {
  MetricConfig m;
  m.name = name;
  m.statuspage_metric_id = name + "-id";
  m.period = period;
  m.delay = Seconds(120);
  m.backfill = backfill;
  m.queries = {Query("value", metric, "Sum", std::nullopt, period)};
  m.expression = "value";
  return m;
}

TEST(CollectorTest, MetricsWithEqualWindowsShareOneCallAndSharedQueriesAreReadOnce) {
  std::vector<MetricConfig> metrics = {
      Single("requests", "RequestCount", Seconds(60), Seconds(3600)), Reliability(),
      Single("slow", "Other", Seconds(300), Seconds(3600))};
  metrics[1].period = Seconds(60);
  metrics[1].backfill = Seconds(3600);
  FakeCloudWatchClient cw;
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  CollectReport report;
  auto results = (*collector)->Collect(T(kBase + 3600), nullptr, &report);
  ASSERT_EQ(results.size(), 3u);
  // Two windows: the 60 s metrics share one; the 300 s metric has its own.
  ASSERT_EQ(cw.calls().size(), 2u);
  EXPECT_EQ(report.windows, 2);
  // RequestCount/Sum is used by two metrics but requested once.
  const auto& shared = cw.calls()[0].queries.size() == 2 ? cw.calls()[0] : cw.calls()[1];
  EXPECT_EQ(shared.queries.size(), 2u);
  EXPECT_EQ(report.queries, 3);
}

TEST(CollectorTest, PublishesEverySettledBucketInBackfillStampedWithBucketStart) {
  std::vector<MetricConfig> metrics = {
      Single("requests", "RequestCount", Seconds(60), Seconds(600))};
  FakeCloudWatchClient cw;
  for (int64_t t = kBase - 3600; t < kBase + 3600; t += 60)
    cw.Set("RequestCount", "Sum", T(t), double(t % 997));
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  const SystemTime now = T(kBase + 30);
  auto results = (*collector)->Collect(now, nullptr, nullptr);
  ASSERT_OK(results[0].status);
  // Settled: t + 60 + 120 <= now -> last = kBase - 180 + ... aligned; first = now - 600 aligned up.
  std::vector<Point> want;
  for (int64_t t = kBase - 540; t <= kBase - 180; t += 60) want.push_back({T(t), double(t % 997)});
  EXPECT_EQ(results[0].points, want);
  EXPECT_EQ(cw.calls()[0].window, (TimeWindow{T(kBase - 540), T(kBase - 120)}));
}

TEST(CollectorTest, OneFailingWindowDoesNotStopTheOthers) {
  std::vector<MetricConfig> metrics = {Single("a", "A", Seconds(60), Seconds(600)),
                                       Single("b", "B", Seconds(300), Seconds(3600))};
  FakeCloudWatchClient cw;
  cw.Set("A", "Sum", T(kBase - 300), 1);
  cw.FailWhenQueried("B", Status::PermissionDenied("GetMetricData: HTTP 403 AccessDenied"));
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  CollectReport report;
  auto results = (*collector)->Collect(T(kBase), nullptr, &report);
  EXPECT_OK(results[0].status);
  EXPECT_EQ(results[0].points.size(), 1u);
  EXPECT_EQ(results[1].status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(report.metrics_failed, 1);
}

TEST(CollectorTest, InvalidQueryIsIsolatedFromItsWindowNeighbours) {
  std::vector<MetricConfig> metrics = {Single("good", "Good", Seconds(60), Seconds(600)),
                                       Single("bad", "Bad", Seconds(60), Seconds(600))};
  FakeCloudWatchClient cw;
  cw.Set("Good", "Sum", T(kBase - 300), 7);
  cw.FailWhenQueried("Bad",
                     Status::InvalidArgument("GetMetricData: HTTP 400 InvalidParameterValue"));
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  auto results = (*collector)->Collect(T(kBase), nullptr, nullptr);
  EXPECT_OK(results[0].status);
  EXPECT_EQ(results[0].points, (std::vector<Point>{{T(kBase - 300), 7.0}}));
  EXPECT_EQ(results[1].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cw.calls().size(), 3u);  // the shared call, then each metric alone
}

TEST(CollectorTest, WatermarkNarrowsTheWindow) {
  std::vector<MetricConfig> metrics = {Single("a", "A", Seconds(60), Seconds(86400))};
  metrics[0].lookback = Seconds(300);
  FakeCloudWatchClient cw;
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  MemoryLookup memory = [](const MetricConfig&) { return MetricMemory{T(kBase - 240), 1.0}; };
  (*collector)->Collect(T(kBase), memory, nullptr);
  ASSERT_EQ(cw.calls().size(), 1u);
  // Up to date: only the 5-minute lookback is re-read.
  EXPECT_EQ(cw.calls()[0].window, (TimeWindow{T(kBase - 420), T(kBase - 120)}));
}

TEST(CollectorTest, QueriesForDifferentTargetsAreReadSeparately) {
  std::vector<MetricConfig> metrics = {Single("a", "A", Seconds(60), Seconds(600)),
                                       Single("b", "A", Seconds(60), Seconds(600)),
                                       Single("c", "A", Seconds(60), Seconds(600))};
  metrics[1].queries[0].target.region = "eu-west-1";
  metrics[2].queries[0].target.region = "bad-region";
  FakeCloudWatchClient cw;
  cw.Set("A", "Sum", T(kBase - 300), 5);
  auto collector = Make(metrics, cw);
  ASSERT_OK(collector);
  auto results = (*collector)->Collect(T(kBase), nullptr, nullptr);
  // Same window and query, but two reachable targets: two calls; the third target fails alone.
  EXPECT_EQ(cw.calls().size(), 2u);
  EXPECT_EQ(results[0].points, (std::vector<Point>{{T(kBase - 300), 5.0}}));
  EXPECT_EQ(results[1].points, (std::vector<Point>{{T(kBase - 300), 5.0}}));
  EXPECT_EQ(results[2].status.code(), StatusCode::kInvalidArgument);
}

QueryConfig LogsQuery(const std::string& name, const std::string& text) {
  QueryConfig q;
  q.name = name;
  q.source = QueryConfig::Source::kLogsInsights;
  q.logs.log_groups = {"/ecs/api"};
  q.logs.query = text;
  q.logs.value_field = "value";
  q.logs.time_field = "t";
  return q;
}

TEST(CollectorTest, MixedCloudWatchAndLogsQueriesAreCombinedPerBucket) {
  MetricConfig m;
  m.name = "slow-share";
  m.statuspage_metric_id = "slow";
  m.backfill = Seconds(600);
  m.queries = {Query("requests", "RequestCount", "Sum"),
               LogsQuery("slow", "filter elapsed > 500 | stats count() as value by bin(1m) as t")};
  m.expression = "100 * slow / requests";
  FakeCloudWatchClient cw;
  for (int64_t t = kBase - 3600; t < kBase; t += 60) cw.Set("RequestCount", "Sum", T(t), 200);
  FakeLogsClient logs;
  LogsConfig logs_config;
  FakeSourceClients clients(cw, &logs);
  std::vector<MetricConfig> metrics = {m};
  auto collector = Collector::Create(metrics, logs_config, clients);
  ASSERT_OK(collector);
  CollectReport report;
  auto results = (*collector)->Collect(T(kBase), nullptr, &report);
  ASSERT_OK(results[0].status);
  ASSERT_EQ(logs.seen.size(), 1u);
  EXPECT_EQ(logs.seen[0].window, results[0].window);
  ASSERT_FALSE(results[0].points.empty());
  for (const auto& p : results[0].points) {
    double slow = double(ToUnixSeconds(p.timestamp) / 60 % 100);
    EXPECT_EQ(p.value, 100 * slow / 200) << ToUnixSeconds(p.timestamp);
  }
  EXPECT_EQ(report.logs_queries, 1);
}

TEST(CollectorTest, LongLogsWindowsAreSplitAndMerged) {
  MetricConfig m;
  m.name = "latency";
  m.statuspage_metric_id = "lat";
  m.backfill = Seconds(7 * 86400);  // 10,080 one-minute buckets
  m.queries = {LogsQuery("value", "stats avg(elapsed) as value by bin(1m) as t")};
  m.expression = "value";
  FakeCloudWatchClient cw;
  FakeLogsClient logs;
  LogsConfig logs_config;
  FakeSourceClients clients(cw, &logs);
  std::vector<MetricConfig> metrics = {m};
  auto collector = Collector::Create(metrics, logs_config, clients);
  ASSERT_OK(collector);
  auto results = (*collector)->Collect(T(kBase), nullptr, nullptr);
  ASSERT_OK(results[0].status);
  ASSERT_EQ(logs.seen.size(), 3u);  // ceil(10,080 / 5,000)
  for (const auto& q : logs.seen) EXPECT_LE((q.window.end - q.window.start) / Seconds(60), 5000);
  EXPECT_EQ(logs.seen.front().window.start, results[0].window.start);
  EXPECT_EQ(logs.seen.back().window.end, results[0].window.end);
  EXPECT_EQ(results[0].points.size(),
            static_cast<size_t>((results[0].window.end - results[0].window.start) / Seconds(60)));
}

TEST(CollectorTest, AFailingLogsQueryFailsOnlyItsMetric) {
  std::vector<MetricConfig> metrics(2);
  metrics[0].name = "ok";
  metrics[0].queries = {LogsQuery("value", "stats avg(elapsed) as value by bin(1m) as t")};
  metrics[0].expression = "value";
  metrics[1].name = "broken";
  metrics[1].queries = {LogsQuery("value", "FAIL | stats avg(elapsed) as value by bin(1m) as t")};
  metrics[1].expression = "value";
  FakeCloudWatchClient cw;
  FakeLogsClient logs;
  LogsConfig logs_config;
  FakeSourceClients clients(cw, &logs);
  auto collector = Collector::Create(metrics, logs_config, clients);
  ASSERT_OK(collector);
  auto results = (*collector)->Collect(T(kBase), nullptr, nullptr);
  EXPECT_OK(results[0].status);
  EXPECT_FALSE(results[0].points.empty());
  EXPECT_EQ(results[1].status.code(), StatusCode::kUnavailable);
  EXPECT_NE(results[1].status.message().find("broken.value"), std::string::npos);
}

}  // namespace
}  // namespace statusbridge::pipeline
