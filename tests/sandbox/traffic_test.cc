#include "traffic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "cloudwatch_data.h"

namespace statusbridge::sandbox {
namespace {

constexpr int64_t kDayStart = 1700006400;  // 2023-11-15T00:00:00Z
constexpr int64_t kDay = 86400;

TEST(TrafficTest, GeneratedMinuteIsAPureFunctionOfSeedMetricAndMinute) {
  for (std::string_view metric : {kRequestCount, kTarget5xxCount, kTargetResponseTime}) {
    for (int64_t m = kDayStart; m < kDayStart + kDay; m += 60) {
      ASSERT_EQ(GeneratedMinute(7, metric, m), GeneratedMinute(7, metric, m)) << metric << m;
    }
  }
  int differing = 0;
  for (int64_t m = kDayStart; m < kDayStart + 3600; m += 60) {
    differing += GeneratedMinute(1, kRequestCount, m) != GeneratedMinute(2, kRequestCount, m);
  }
  EXPECT_GT(differing, 50);
}

TEST(TrafficTest, TheFlatShapeHoldsTheSameVolumeAtEveryHour) {
  // Every 20-minute window of the day (what a test's query scans) holds 600 requests a minute
  // +-10%, where the daily shape varies by a factor of 4.
  for (int64_t start = kDayStart; start < kDayStart + kDay; start += 1200) {
    double flat = 0;
    double daily = 0;
    for (int64_t m = start; m < start + 1200; m += 60) {
      flat += GeneratedMinute(1, kRequestCount, m, TrafficShape::kFlat)->sum;
      daily += GeneratedMinute(1, kRequestCount, m, TrafficShape::kDaily)->sum;
      std::optional<StatSet> latency =
          GeneratedMinute(1, kTargetResponseTime, m, TrafficShape::kFlat);
      ASSERT_TRUE(latency.has_value());
      EXPECT_EQ(latency->sample_count,
                GeneratedMinute(1, kRequestCount, m, TrafficShape::kFlat)->sum);
      // The shape changes the load only: errors outside incidents are the same.
      if (!IsIncidentMinute(1, m)) {
        EXPECT_EQ(GeneratedMinute(1, kTarget5xxCount, m, TrafficShape::kFlat),
                  GeneratedMinute(1, kTarget5xxCount, m, TrafficShape::kDaily))
            << m;
      }
    }
    EXPECT_GE(flat, 20 * 540) << start;
    EXPECT_LE(flat, 20 * 660) << start;
    EXPECT_GE(daily, 20 * 200) << start;
  }
  EXPECT_EQ(GeneratedSeries(1, kRequestCount, Statistic::kSum, kDayStart, kDayStart + 600, 60),
            GeneratedSeries(1, kRequestCount, Statistic::kSum, kDayStart, kDayStart + 600, 60,
                            TrafficShape::kDaily));
  EXPECT_NE(GeneratedSeries(1, kRequestCount, Statistic::kSum, kDayStart, kDayStart + 600, 60),
            GeneratedSeries(1, kRequestCount, Statistic::kSum, kDayStart, kDayStart + 600, 60,
                            TrafficShape::kFlat));
  EXPECT_EQ(ParseTrafficShape("flat"), TrafficShape::kFlat);
  EXPECT_EQ(ParseTrafficShape("daily"), TrafficShape::kDaily);
  EXPECT_EQ(ParseTrafficShape("Flat"), std::nullopt);
  EXPECT_STREQ(TrafficShapeName(TrafficShape::kFlat), "flat");
}

TEST(TrafficTest, RequestCountIsAPositiveIntegerEveryMinuteWithADailyShape) {
  double night = 0;
  double afternoon = 0;
  for (int64_t m = kDayStart; m < kDayStart + kDay; m += 60) {
    std::optional<StatSet> set = GeneratedMinute(1, kRequestCount, m);
    ASSERT_TRUE(set.has_value()) << m;
    EXPECT_EQ(set->sample_count, 1);
    EXPECT_EQ(set->sum, std::round(set->sum));
    EXPECT_EQ(set->minimum, set->sum);
    EXPECT_EQ(set->maximum, set->sum);
    EXPECT_GE(set->sum, 200);
    EXPECT_LE(set->sum, 1100);
    int64_t hour = (m - kDayStart) / 3600;
    if (hour >= 2 && hour < 4) {
      night += set->sum;
    }
    if (hour >= 14 && hour < 16) {
      afternoon += set->sum;
    }
  }
  EXPECT_GT(afternoon, 2.5 * night);
}

TEST(TrafficTest, ErrorsAreAbsentInMostQuietMinutesAndPresentThroughIncidents) {
  int present = 0;
  int incident_minutes = 0;
  for (int64_t m = kDayStart; m < kDayStart + kDay; m += 60) {
    std::optional<StatSet> errors = GeneratedMinute(1, kTarget5xxCount, m);
    double requests = GeneratedMinute(1, kRequestCount, m)->sum;
    if (IsIncidentMinute(1, m)) {
      ++incident_minutes;
      ASSERT_TRUE(errors.has_value()) << m;
      EXPECT_GE(errors->sum, 1);
      EXPECT_LE(errors->sum, 0.08 * requests + 1);
    }
    if (errors) {
      ++present;
      EXPECT_EQ(errors->sum, std::round(errors->sum));
      EXPECT_EQ(errors->sample_count, 1);
    }
  }
  EXPECT_EQ(incident_minutes, 6 * 12);  // one 12-minute incident per 4-hour block
  EXPECT_GT(present, incident_minutes + 60);
  EXPECT_LT(present, incident_minutes + 250);
}

TEST(TrafficTest, ResponseTimeIsAStatisticSetOverThatMinutesRequests) {
  for (int64_t m = kDayStart; m < kDayStart + kDay; m += 60) {
    std::optional<StatSet> latency = GeneratedMinute(1, kTargetResponseTime, m);
    ASSERT_TRUE(latency.has_value());
    EXPECT_EQ(latency->sample_count, GeneratedMinute(1, kRequestCount, m)->sum);
    double average = latency->sum / latency->sample_count;
    EXPECT_GT(latency->minimum, 0);
    EXPECT_LE(latency->minimum, average);
    EXPECT_GE(latency->maximum, average);
    EXPECT_GT(average, 0.04);
    EXPECT_LT(average, IsIncidentMinute(1, m) ? 0.6 : 0.15);
  }
}

TEST(TrafficTest, NoDataForUnknownMetricsOrUnalignedMinutes) {
  EXPECT_FALSE(GeneratedMinute(1, "CPUUtilization", kDayStart).has_value());
  EXPECT_FALSE(GeneratedMinute(1, kRequestCount, kDayStart + 30).has_value());
  EXPECT_TRUE(GeneratedMinute(1, kRequestCount, kDayStart - kDay * 365).has_value());
}

TEST(TrafficTest, CombineAddsCountsAndSumsAndKeepsExtremes) {
  StatSet a{2, 10, 1, 9};
  StatSet b{3, 6, 0.5, 4};
  EXPECT_EQ(Combine(a, b), (StatSet{5, 16, 0.5, 9}));
  EXPECT_EQ(Combine(StatSet{}, a), a);
  EXPECT_EQ(Combine(a, StatSet{}), a);
  EXPECT_EQ(SingleValue(4), (StatSet{1, 4, 4, 4}));
}

TEST(TrafficTest, ParseStatisticKnowsTheFiveBasicStatistics) {
  EXPECT_EQ(ParseStatistic("Sum"), Statistic::kSum);
  EXPECT_EQ(ParseStatistic("Average"), Statistic::kAverage);
  EXPECT_EQ(ParseStatistic("Minimum"), Statistic::kMinimum);
  EXPECT_EQ(ParseStatistic("Maximum"), Statistic::kMaximum);
  EXPECT_EQ(ParseStatistic("SampleCount"), Statistic::kSampleCount);
  EXPECT_FALSE(ParseStatistic("p99").has_value());
  EXPECT_FALSE(ParseStatistic("sum").has_value());
}

// Recomputes a bucket by hand from the minutes, for each statistic.
double Expected(std::string_view metric, Statistic stat, int64_t bucket, int64_t period) {
  double count = 0;
  double sum = 0;
  double min = INFINITY;
  double max = -INFINITY;
  for (int64_t m = bucket; m < bucket + period; m += 60) {
    if (std::optional<StatSet> s = GeneratedMinute(3, metric, m)) {
      count += s->sample_count;
      sum += s->sum;
      min = std::min(min, s->minimum);
      max = std::max(max, s->maximum);
    }
  }
  switch (stat) {
    case Statistic::kSum:
      return sum;
    case Statistic::kAverage:
      return sum / count;
    case Statistic::kMinimum:
      return min;
    case Statistic::kMaximum:
      return max;
    case Statistic::kSampleCount:
      return count;
  }
  return NAN;
}

class AggregationTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(AggregationTest, BucketsCombineTheirMinutesForEveryStatistic) {
  const int64_t period = GetParam();
  const int64_t start = kDayStart + 7200;
  const int64_t end = start + 6 * 3600;
  for (std::string_view metric : {kRequestCount, kTargetResponseTime}) {
    for (Statistic stat : {Statistic::kSum, Statistic::kAverage, Statistic::kMinimum,
                           Statistic::kMaximum, Statistic::kSampleCount}) {
      std::vector<Datapoint> series = GeneratedSeries(3, metric, stat, start, end, period);
      ASSERT_EQ(series.size(), static_cast<size_t>((end - start) / period));
      for (size_t i = 0; i < series.size(); ++i) {
        int64_t bucket = start + static_cast<int64_t>(i) * period;
        EXPECT_EQ(series[i].timestamp, bucket);
        EXPECT_NEAR(series[i].value, Expected(metric, stat, bucket, period),
                    1e-9 * std::abs(series[i].value))
            << metric << " bucket " << bucket;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Periods, AggregationTest, ::testing::Values(60, 300, 3600));

TEST(TrafficTest, AggregateOmitsBucketsWithoutData) {
  std::vector<Datapoint> errors =
      GeneratedSeries(1, kTarget5xxCount, Statistic::kSum, kDayStart, kDayStart + kDay, 60);
  int present = 0;
  for (int64_t m = kDayStart; m < kDayStart + kDay; m += 60) {
    present += GeneratedMinute(1, kTarget5xxCount, m).has_value();
  }
  EXPECT_EQ(errors.size(), static_cast<size_t>(present));
  EXPECT_LT(errors.size(), static_cast<size_t>(kDay / 60));
  for (const Datapoint& p : errors) {
    EXPECT_GE(p.value, 1);
  }

  std::map<int64_t, std::optional<StatSet>> sparse = {{kDayStart + 120, SingleValue(5)}};
  MinuteSource source = [&](int64_t m) -> std::optional<StatSet> {
    auto it = sparse.find(m);
    return it == sparse.end() ? std::nullopt : it->second;
  };
  EXPECT_EQ(Aggregate(source, Statistic::kSum, kDayStart, kDayStart + 3600, 300),
            (std::vector<Datapoint>{{kDayStart, 5}}));
}

TEST(TrafficTest, AggregateAlignsStartDownToThePeriodAndStopsAtEnd) {
  MinuteSource ones = [](int64_t) { return SingleValue(1); };
  // Start mid-bucket: the bucket starts at the aligned time and holds all its minutes.
  // End mid-bucket: the last bucket is partial (EndTime is exclusive).
  std::vector<Datapoint> series =
      Aggregate(ones, Statistic::kSum, kDayStart + 120, kDayStart + 600 + 180, 300);
  EXPECT_EQ(series,
            (std::vector<Datapoint>{{kDayStart, 5}, {kDayStart + 300, 5}, {kDayStart + 600, 3}}));
}

}  // namespace
}  // namespace statusbridge::sandbox

namespace statusbridge::sandbox {
namespace {

TEST(FleetTest, FleetLoadBalancersHaveTheirOwnDeterministicData) {
  CloudWatchData data(1, Seconds(0), /*fleet=*/3);
  const SystemTime now = FromUnixSeconds(1700010000);
  auto query = [&](const std::string& lb) {
    MetricIdentity id{"AWS/ApplicationELB", "RequestCount", {{"LoadBalancer", lb}}};
    return data.Query(id, Statistic::kSum, 1699999980, 1700003580, 60, now);
  };
  auto k0 = query("app/demo-alb-0/50dc6c495c0c9188");
  auto k2 = query("app/demo-alb-2/50dc6c495c0c9188");
  ASSERT_EQ(k0.size(), 60u);
  ASSERT_EQ(k2.size(), 60u);
  EXPECT_NE(k0, k2);
  EXPECT_EQ(k2, GeneratedSeries(FleetSeed(1, 2), "RequestCount", Statistic::kSum, 1699999980,
                                1700003580, 60));
  // Outside the fleet, or malformed: no data.
  EXPECT_TRUE(query("app/demo-alb-3/50dc6c495c0c9188").empty());
  EXPECT_TRUE(query("app/demo-alb-01/50dc6c495c0c9188").empty());
  EXPECT_TRUE(query("app/demo-alb-x/50dc6c495c0c9188").empty());
  EXPECT_FALSE(query("app/demo-alb/50dc6c495c0c9188").empty());
}

}  // namespace
}  // namespace statusbridge::sandbox
