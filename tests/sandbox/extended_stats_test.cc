// Extended statistics: the nearest-rank percentile and trimmed mean on their own, and through
// GetMetricData over raw values put through the control API.

#include "extended_stats.h"

#include "sandbox_fixture.h"
#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

std::vector<WeightedValue> Ones(std::vector<double> values) {
  std::vector<WeightedValue> out;
  for (double v : values) out.push_back({v, 1});
  return out;
}

double Stat(const std::vector<WeightedValue>& values, const char* name) {
  std::optional<ExtendedStatistic> stat = ParseExtendedStatistic(name);
  EXPECT_TRUE(stat.has_value()) << name;
  std::optional<double> value = stat ? ExtendedStatisticValue(values, *stat) : std::nullopt;
  EXPECT_TRUE(value.has_value()) << name;
  return value.value_or(-1);
}

TEST(ExtendedStatsTest, ParsesPercentilesAndTrimmedMeans) {
  for (const char* good :
       {"p0", "p50", "p99", "p99.9", "p99.99", "p100", "p100.0", "tm90", "tm99.5", "tm100"}) {
    EXPECT_TRUE(ParseExtendedStatistic(good).has_value()) << good;
  }
  for (const char* bad : {"p", "p101", "p99.999", "p-1", "p99.", "p.5", "P99", "tm0", "tm", "pr99",
                          "Sum", "TM(10%:90%)", "p 99", "p0099"}) {
    EXPECT_FALSE(ParseExtendedStatistic(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseExtendedStatistic("p99.9")->percent, 99.9);
  EXPECT_EQ(ParseExtendedStatistic("tm90")->kind, ExtendedStatistic::Kind::kTrimmedMean);
}

TEST(ExtendedStatsTest, PercentilesAreNearestRank) {
  // 1..10 shuffled: rank ceil(P/100 * 10).
  const std::vector<WeightedValue> ten = Ones({7, 3, 10, 1, 9, 2, 8, 4, 6, 5});
  EXPECT_EQ(Stat(ten, "p0"), 1);
  EXPECT_EQ(Stat(ten, "p10"), 1);
  EXPECT_EQ(Stat(ten, "p10.01"), 2);
  EXPECT_EQ(Stat(ten, "p50"), 5);
  EXPECT_EQ(Stat(ten, "p90"), 9);
  EXPECT_EQ(Stat(ten, "p99"), 10);
  EXPECT_EQ(Stat(ten, "p100"), 10);
  // Counts weigh a value: 1 x 98, 100 x 2.
  const std::vector<WeightedValue> weighted = {{100, 2}, {1, 98}};
  EXPECT_EQ(Stat(weighted, "p98"), 1);
  EXPECT_EQ(Stat(weighted, "p98.01"), 100);
  EXPECT_EQ(Stat(Ones({42}), "p99.9"), 42);
}

TEST(ExtendedStatsTest, TrimmedMeansAverageTheLowestShareOfTheWeight) {
  const std::vector<WeightedValue> ten = Ones({7, 3, 10, 1, 9, 2, 8, 4, 6, 5});
  EXPECT_DOUBLE_EQ(Stat(ten, "tm100"), 5.5);
  EXPECT_DOUBLE_EQ(Stat(ten, "tm90"), 5);    // 1..9
  EXPECT_DOUBLE_EQ(Stat(ten, "tm50"), 3);    // 1..5
  EXPECT_DOUBLE_EQ(Stat(ten, "tm25"), 1.8);  // 1, 2 and half of 3: 4.5 / 2.5
}

TEST(ExtendedStatsTest, WithoutWeightThereIsNoValue) {
  EXPECT_FALSE(ExtendedStatisticValue({}, *ParseExtendedStatistic("p50")).has_value());
  EXPECT_FALSE(ExtendedStatisticValue({{5, 0}}, *ParseExtendedStatistic("p50")).has_value());
}

TEST(ExtendedStatsTest, OnlySetsOfIdenticalValuesStandForRawValues) {
  EXPECT_EQ(ValuesOfStatSet(SingleValue(7)), (std::vector<WeightedValue>{{7, 1}}));
  EXPECT_EQ(ValuesOfStatSet(StatSet{4, 12, 3, 3}), (std::vector<WeightedValue>{{3, 4}}));
  EXPECT_FALSE(ValuesOfStatSet(StatSet{4, 12, 1, 5}).has_value());
  EXPECT_FALSE(ValuesOfStatSet(StatSet{4, 13, 3, 3}).has_value());
  EXPECT_EQ(ValuesOfStatSet(StatSet{}), std::vector<WeightedValue>{});
  EXPECT_EQ(StatSetOfValues({{2, 1}, {4, 3}, {9, 0}}), (StatSet{4, 14, 2, 4}));
}

class ExtendedStatsServerTest : public SandboxTest {
 protected:
  void Put(const json& item) {
    httplib::Result r = client().Post("/_sandbox/cloudwatch/data", item.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  static json LatencyPut(int64_t timestamp, const json& values, const char* mode = "override") {
    return {{"namespace", "App"},
            {"metric", "Latency"},
            {"timestamp", timestamp},
            {"values", values},
            {"mode", mode}};
  }

  // Datapoints (ascending) of `stat` for App/Latency over [start, end).
  std::vector<Datapoint> Query(const std::string& stat, int64_t start, int64_t end,
                               int period = 60) {
    json metric = {{"Namespace", "App"}, {"MetricName", "Latency"}};
    json body = {{"MetricDataQueries", json::array({StatQuery("q", metric, period, stat)})},
                 {"StartTime", start},
                 {"EndTime", end},
                 {"ScanBy", "TimestampAscending"}};
    http::HttpResponse response = GetMetricData(body);
    EXPECT_EQ(response.status, 200) << response.body;
    json result = json::parse(response.body)["MetricDataResults"][0];
    std::vector<Datapoint> out;
    for (size_t i = 0; i < result["Timestamps"].size(); ++i) {
      out.push_back({result["Timestamps"][i].get<int64_t>(), result["Values"][i].get<double>()});
    }
    return out;
  }
};

TEST_F(ExtendedStatsServerTest, PercentilesComeFromTheValuesPutPerBucket) {
  const int64_t t = kNow - 600;  // a multiple of 180
  ASSERT_EQ(t % 180, 0);
  std::vector<double> first;
  for (int i = 1; i <= 100; ++i) first.push_back(i);
  Put(LatencyPut(t, first));
  Put(LatencyPut(t + 60, json::array({1000, 2000})));
  Put({{"namespace", "App"},
       {"metric", "Latency"},
       {"timestamp", t + 120},
       {"values", json::array({5, 50})},
       {"counts", json::array({99, 1})}});

  EXPECT_EQ(Query("p99", t, t + 180),
            (std::vector<Datapoint>{{t, 99}, {t + 60, 2000}, {t + 120, 5}}));
  EXPECT_EQ(Query("p50", t, t + 180),
            (std::vector<Datapoint>{{t, 50}, {t + 60, 1000}, {t + 120, 5}}));
  EXPECT_EQ(Query("p99.5", t, t + 180),
            (std::vector<Datapoint>{{t, 100}, {t + 60, 2000}, {t + 120, 50}}));
  // The basic statistics see the same values.
  EXPECT_EQ(Query("SampleCount", t, t + 180),
            (std::vector<Datapoint>{{t, 100}, {t + 60, 2}, {t + 120, 100}}));
  EXPECT_EQ(Query("Average", t + 120, t + 180), (std::vector<Datapoint>{{t + 120, 5.45}}));
  // A 3-minute bucket pools the three minutes: weight 100 + 2 + 100.
  std::vector<Datapoint> pooled = Query("p50", t, t + 180, 180);
  ASSERT_EQ(pooled.size(), 1u);
  EXPECT_EQ(pooled[0].value, 5);  // rank 101 of 202: 99 fives sort after 1..4, at ranks 5..103
  EXPECT_EQ(Query("tm50", t + 60, t + 120), (std::vector<Datapoint>{{t + 60, 1000}}));
}

TEST_F(ExtendedStatsServerTest, AddedValuesPoolAndStatisticSetsHideThePercentiles) {
  const int64_t t = kNow - 660;  // a multiple of 120
  ASSERT_EQ(t % 120, 0);
  Put(LatencyPut(t, json::array({1, 2, 3})));
  Put(LatencyPut(t, json::array({10}), "add"));
  EXPECT_EQ(Query("p75", t, t + 60), (std::vector<Datapoint>{{t, 3}}));
  EXPECT_EQ(Query("p100", t, t + 60), (std::vector<Datapoint>{{t, 10}}));
  // A statistic set of distinct values has no raw values: the minute (and a bucket holding it)
  // has no percentile, but still its basic statistics.
  Put({{"namespace", "App"},
       {"metric", "Latency"},
       {"timestamp", t},
       {"stats", {{"SampleCount", 2}, {"Sum", 30}, {"Minimum", 10}, {"Maximum", 20}}},
       {"mode", "add"}});
  Put(LatencyPut(t + 60, json::array({7})));
  EXPECT_EQ(Query("p50", t, t + 120), (std::vector<Datapoint>{{t + 60, 7}}));
  EXPECT_EQ(Query("p50", t, t + 120, 120), std::vector<Datapoint>{});
  EXPECT_EQ(Query("Maximum", t, t + 120), (std::vector<Datapoint>{{t, 20}, {t + 60, 7}}));
  // A plain value is a raw value.
  Put({{"namespace", "App"}, {"metric", "Latency"}, {"timestamp", t}, {"value", 4}});
  EXPECT_EQ(Query("p90", t, t + 120, 120), (std::vector<Datapoint>{{t, 7}}));
}

TEST_F(ExtendedStatsServerTest, GeneratedStatisticSetsHaveNoPercentilesButSingleValuesDo) {
  const int64_t start = (kNow - 3600) / 300 * 300;
  json body = {{"MetricDataQueries",
                json::array({StatQuery("lat", DemoMetric("TargetResponseTime"), 60, "p99"),
                             StatQuery("req", DemoMetric("RequestCount"), 300, "p50")})},
               {"StartTime", start},
               {"EndTime", start + 3600},
               {"ScanBy", "TimestampAscending"}};
  http::HttpResponse response = GetMetricData(body);
  ASSERT_EQ(response.status, 200) << response.body;
  json results = json::parse(response.body)["MetricDataResults"];
  EXPECT_EQ(results[0]["Timestamps"], json::array());
  // RequestCount minutes are single values: p50 of a 5-minute bucket is its median minute.
  ASSERT_EQ(results[1]["Timestamps"].size(), 12u);
  std::vector<Datapoint> minutes =
      GeneratedSeries(1, kRequestCount, Statistic::kSum, start, start + 300, 60);
  std::vector<double> values;
  for (const Datapoint& p : minutes) values.push_back(p.value);
  std::sort(values.begin(), values.end());
  EXPECT_EQ(results[1]["Values"][0], values[2]);
}

TEST_F(ExtendedStatsServerTest, TheControlApiValidatesValues) {
  const json base = LatencyPut(kNow - 600, json::array({1}));
  std::vector<json> bad;
  json b = base;
  b["values"] = json::array();
  bad.push_back(b);
  b["values"] = json::array({1, "x"});
  bad.push_back(b);
  b = base;
  b["counts"] = json::array({1, 2});
  bad.push_back(b);
  b["counts"] = json::array({-1});
  bad.push_back(b);
  b["counts"] = json::array({0});
  bad.push_back(b);
  b = base;
  b["value"] = 3;
  bad.push_back(b);
  b = base;
  b["values"] = json::array();
  for (int i = 0; i < 151; ++i) b["values"].push_back(i);
  bad.push_back(b);
  for (const json& item : bad) {
    httplib::Result r = client().Post("/_sandbox/cloudwatch/data", item.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << item.dump();
  }
}

}  // namespace
}  // namespace statusbridge::sandbox
