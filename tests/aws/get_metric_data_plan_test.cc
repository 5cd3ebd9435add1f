#include "aws/get_metric_data_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "aws/cloudwatch_test_queries.h"
#include "aws/metric_math.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using cw_test::IsInsights;
using cw_test::kDay;
using cw_test::kMinute;
using cw_test::kStart;
using cw_test::Math;
using cw_test::MathQueries;
using cw_test::Queries;
using cw_test::Query;
using cw_test::Stat;
using cw_test::Window;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// ---- PlanGetMetricDataCalls ----

// Checks what every plan must satisfy: limits per call, aligned windows, and every query
// covering the whole window exactly once.
void ExpectValidPlan(const std::vector<MetricQuery>& queries, const TimeWindow& window,
                     const std::vector<PlannedCall>& plan) {
  if (window.empty() || queries.empty()) {
    EXPECT_THAT(plan, IsEmpty());
    return;
  }
  std::vector<std::vector<TimeWindow>> coverage(queries.size());
  for (size_t c = 0; c < plan.size(); ++c) {
    SCOPED_TRACE("call " + std::to_string(c));
    const PlannedCall& call = plan[c];
    ASSERT_FALSE(call.query_indices.empty());
    EXPECT_FALSE(call.window.empty());
    int64_t entries = 0;
    int insights = 0;
    int64_t datapoints = 0;
    for (size_t i : call.query_indices) {
      ASSERT_LT(i, queries.size());
      const MetricQuery& q = queries[i];
      std::vector<Seconds> periods;
      if (q.expression.empty()) {
        periods.push_back(q.stat.period);
      } else {
        periods.push_back(q.period);
        for (const auto& [id, stat] : q.inputs) {
          periods.push_back(stat.period);
        }
        insights += IsInsights(q.expression) ? 1 : 0;
      }
      for (Seconds period : periods) {
        EXPECT_EQ(ToUnixSeconds(call.window.start) % period.count(), 0);
        EXPECT_EQ(ToUnixSeconds(call.window.end) % period.count(), 0);
      }
      entries += WireEntries(q);
      datapoints += DatapointsInWindow(q, call.window);
      coverage[i].push_back(call.window);
    }
    EXPECT_LE(entries, kMaxQueriesPerCall);
    EXPECT_LE(insights, 1);
    EXPECT_LE(datapoints, kMaxDatapointsPerCall);
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    SCOPED_TRACE("query " + std::to_string(i));
    ASSERT_FALSE(coverage[i].empty());
    EXPECT_EQ(coverage[i].front().start, window.start);
    EXPECT_EQ(coverage[i].back().end, window.end);
    for (size_t k = 1; k < coverage[i].size(); ++k) {
      EXPECT_EQ(coverage[i][k].start, coverage[i][k - 1].end);
    }
  }
}

struct PlanCase {
  const char* name;
  std::vector<MetricQuery> queries;
  TimeWindow window;
  size_t want_calls;
  std::vector<size_t> want_sizes;  // queries per call; empty: not checked
};

class PlanTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(PlanTest, RespectsLimitsWithFewestCalls) {
  const PlanCase& c = GetParam();
  auto plan = PlanGetMetricDataCalls(c.queries, c.window);
  ASSERT_OK(plan);
  EXPECT_EQ(plan->size(), c.want_calls);
  ExpectValidPlan(c.queries, c.window, *plan);
  if (!c.want_sizes.empty()) {
    std::vector<size_t> sizes;
    for (const PlannedCall& call : *plan) {
      sizes.push_back(call.query_indices.size());
    }
    EXPECT_EQ(sizes, c.want_sizes);
  }
}

std::vector<MetricQuery> Mixed(std::vector<std::pair<size_t, int64_t>> counts_and_periods) {
  std::vector<MetricQuery> out;
  for (auto [count, period] : counts_and_periods) {
    for (size_t i = 0; i < count; ++i) {
      out.push_back(Query("m" + std::to_string(out.size()), Seconds(period)));
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanTest,
    ::testing::Values(
        PlanCase{"NoQueries", {}, Window(kStart, kStart + 60), 0, {}},
        PlanCase{"EmptyWindow", Queries(3), Window(kStart, kStart), 0, {}},
        PlanCase{"One", Queries(1), Window(kStart, kStart + 3600), 1, {1}},
        PlanCase{"Exactly500", Queries(500), Window(kStart, kStart + 3600), 1, {500}},
        PlanCase{"501", Queries(501), Window(kStart, kStart + 3600), 2, {500, 1}},
        PlanCase{"1201", Queries(1201), Window(kStart, kStart + 3600), 3, {500, 500, 201}},
        // 500 x 201 buckets = 100,500 datapoints: still one call.
        PlanCase{"500x201Fits", Queries(500), Window(kStart, kStart + 201 * kMinute), 1, {500}},
        // 720,000 datapoints: 8 calls is the minimum; 70 x 1440 = 100,800 exactly fills a call,
        // so every metric is requested once.
        PlanCase{"500x1440",
                 Queries(500),
                 Window(kStart, kStart + kDay),
                 8,
                 {70, 70, 70, 70, 70, 70, 70, 10}},
        // 501 x 1440: chunks of 500 would need 8 + 1 calls; chunks of 70 need 8.
        PlanCase{"501x1440", Queries(501), Window(kStart, kStart + kDay), 8, {}},
        // 30 days of minutes: 43,200 buckets. Window splitting (201 buckets per call) beats
        // query chunks (2 queries per call = 250 calls): ceil(43200 / 201) = 215.
        PlanCase{"500x30Days", Queries(500), Window(kStart, kStart + 30 * kDay), 215, {}},
        PlanCase{"OneQuery100Days", Queries(1), Window(kStart, kStart + 100 * kDay), 2, {1, 1}},
        PlanCase{"OneQuery70DaysExactly", Queries(1), Window(kStart, kStart + 70 * kDay), 1, {1}},
        // 60s and 300s over 100 days: LCM 300; 6 datapoints per 300s; 2 calls.
        PlanCase{"MixedPeriods",
                 Mixed({{1, 60}, {1, 300}}),
                 Window(kStart, kStart + 100 * kDay),
                 2,
                 {2, 2}},
        // 600 wire entries: 250 queries with their inputs fill the first call.
        PlanCase{"300MathWithOneInput",
                 MathQueries(300),
                 Window(kStart, kStart + 3600),
                 2,
                 {250, 50}},
        // 499 + 2 entries: the math query moves to the next call with its input.
        PlanCase{"499MetricsThenMath",
                 [] {
                   auto q = Queries(499);
                   q.push_back(MathQueries(1)[0]);
                   return q;
                 }(),
                 Window(kStart, kStart + 3600),
                 2,
                 {499, 1}},
        PlanCase{"MathWith499InputsFillsACall",
                 [] {
                   auto q = MathQueries(1, 499);
                   q.push_back(Query("after"));
                   return q;
                 }(),
                 Window(kStart, kStart + 3600),
                 2,
                 {1, 1}},
        // Only returned series count: 70 x 1440 = 100,800 with 210 inputs unreturned.
        PlanCase{"70MathOverADay", MathQueries(70, 3), Window(kStart, kStart + kDay), 1, {70}},
        PlanCase{"71MathOverADay", MathQueries(71, 3), Window(kStart, kStart + kDay), 2, {}},
        // Counted at the finer input period (60s), not the expression's 300s.
        PlanCase{"MathCountedAtItsFinestPeriod",
                 [] {
                   auto q = MathQueries(71, 1, Seconds(300));
                   for (MetricQuery& m : q) {
                     m.inputs[0].second.period = Seconds(60);
                   }
                   return q;
                 }(),
                 Window(kStart, kStart + kDay),
                 2,
                 {}},
        PlanCase{"OneMetricsInsightsQueryPerCall",
                 [] {
                   std::vector<MetricQuery> q = {Math("s1", "SELECT SUM(a) FROM ns", {}),
                                                 Math("s2", "SELECT SUM(b) FROM ns", {}),
                                                 Query("a"), Query("b")};
                   return q;
                 }(),
                 Window(kStart, kStart + 3600),
                 2,
                 {1, 3}}),
    [](const ::testing::TestParamInfo<PlanCase>& p) { return std::string(p.param.name); });

TEST(PlanGetMetricDataCallsTest, OneQueryWindowSplitsAtTheLimit) {
  auto plan = PlanGetMetricDataCalls(Queries(1), Window(kStart, kStart + 100 * kDay));
  ASSERT_OK(plan);
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0], (PlannedCall{{0}, Window(kStart, kStart + 100800 * kMinute)}));
  EXPECT_EQ((*plan)[1], (PlannedCall{{0}, Window(kStart + 100800 * kMinute, kStart + 100 * kDay)}));
}

TEST(PlanGetMetricDataCallsTest, MixedPeriodSubWindowsAlignToTheLcm) {
  auto queries = Mixed({{3, 60}, {2, 300}, {1, 3600}});
  TimeWindow window = Window(kStart, kStart + 100 * kDay);
  auto plan = PlanGetMetricDataCalls(queries, window);
  ASSERT_OK(plan);
  ExpectValidPlan(queries, window, *plan);
  for (const PlannedCall& call : *plan) {
    EXPECT_EQ(ToUnixSeconds(call.window.start) % 3600, 0);
  }
}

TEST(PlanGetMetricDataCallsTest, RandomPlansAreValidAndNoWorseThanFixedChunks) {
  std::mt19937_64 gen(42);
  const int64_t periods[] = {1, 10, 60, 120, 300, 900, 3600, 86400};
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    size_t n = std::uniform_int_distribution<size_t>(1, 1300)(gen);
    std::vector<MetricQuery> queries;
    int64_t lcm = 1;
    int kinds = std::uniform_int_distribution<int>(1, 3)(gen);
    std::vector<int64_t> chosen;
    for (int k = 0; k < kinds; ++k) {
      chosen.push_back(periods[std::uniform_int_distribution<int>(0, 7)(gen)]);
      lcm = std::lcm(lcm, chosen.back());
    }
    for (size_t i = 0; i < n; ++i) {
      queries.push_back(Query("m" + std::to_string(i), Seconds(chosen[i % chosen.size()])));
    }
    int64_t units = std::uniform_int_distribution<int64_t>(1, 400 * kDay / lcm)(gen);
    TimeWindow window = Window(kStart, kStart + units * lcm);
    int64_t total = 0;
    for (const MetricQuery& q : queries) {
      total += DatapointsInWindow(q.stat, window);
    }
    if (total > 300 * kMaxDatapointsPerCall) {
      // Keep the plan small enough to check quickly (and under kMaxPlannedCalls).
      units = std::max<int64_t>(1, units * 300 * kMaxDatapointsPerCall / total);
      window = Window(kStart, kStart + units * lcm);
      total = 0;
      for (const MetricQuery& q : queries) {
        total += DatapointsInWindow(q.stat, window);
      }
    }
    auto plan = PlanGetMetricDataCalls(queries, window);
    ASSERT_OK(plan);
    ExpectValidPlan(queries, window, *plan);
    // Lower bound: the limits themselves.
    EXPECT_GE(static_cast<int64_t>(plan->size()),
              std::max<int64_t>((n + 499) / 500,
                                (total + kMaxDatapointsPerCall - 1) / kMaxDatapointsPerCall));
  }
}

// 1s metrics mixed with a daily one: one LCM unit (a day) of 100 one-second queries is 8.64M
// datapoints, so they cannot share a call with window splitting; smaller chunks can.
TEST(PlanGetMetricDataCallsTest, HighResolutionMixedWithDailyStillPlans) {
  auto queries = Mixed({{100, 1}, {1, 86400}});
  TimeWindow window = Window(kStart, kStart + kDay);
  auto plan = PlanGetMetricDataCalls(queries, window);
  ASSERT_OK(plan);
  ExpectValidPlan(queries, window, *plan);
  // 8.64M one-second datapoints need at least 86 calls.
  EXPECT_GE(plan->size(), 86u);
  EXPECT_LE(plan->size(), 101u);
}

TEST(PlanGetMetricDataCallsTest, RejectsBadPeriodsAndUnalignedWindows) {
  EXPECT_THAT(
      PlanGetMetricDataCalls({Query("zero", Seconds(0))}, Window(kStart, kStart + 60)),
      StatusIs(StatusCode::kInvalidArgument, "query \"zero\": period must be positive, got 0s"));
  EXPECT_THAT(PlanGetMetricDataCalls({Query("a"), Query("hourly", Seconds(3600))},
                                     Window(kStart + 60, kStart + 3600)),
              StatusIs(StatusCode::kInvalidArgument,
                       "query \"hourly\": window 2024-01-01T00:01:00Z .. 2024-01-01T01:00:00Z is "
                       "not aligned to its 1h period"));
  EXPECT_THAT(PlanGetMetricDataCalls({Query("a")}, Window(-60, 60)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("outside the years 1970..9999")));
  // 1000 one-second queries over 30 days: 2.6 billion datapoints.
  EXPECT_THAT(PlanGetMetricDataCalls(Queries(1000, Seconds(1)), Window(kStart, kStart + 30 * kDay)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("GetMetricData calls, more than")));
}

TEST(PlanGetMetricDataCallsTest, RandomPlansWithMathAreValid) {
  std::mt19937_64 gen(7);
  const int64_t periods[] = {60, 300, 3600};
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE(round);
    const size_t n = std::uniform_int_distribution<size_t>(1, 700)(gen);
    std::vector<MetricQuery> queries;
    int64_t entries = 0;
    for (size_t i = 0; i < n; ++i) {
      const int kind = std::uniform_int_distribution<int>(0, 40)(gen);
      const Seconds period(periods[std::uniform_int_distribution<int>(0, 2)(gen)]);
      if (kind < 20) {
        queries.push_back(Query("m" + std::to_string(i), period));
      } else if (kind == 40) {
        queries.push_back(Math("s" + std::to_string(i), "SELECT SUM(a) FROM ns", {}, period));
      } else {
        MetricQuery q = Math("e" + std::to_string(i), "", {}, period);
        const size_t inputs = std::uniform_int_distribution<size_t>(0, 4)(gen);
        for (size_t k = 0; k < inputs; ++k) {
          const Seconds input_period(periods[std::uniform_int_distribution<int>(0, 2)(gen)]);
          q.inputs.emplace_back("m" + std::to_string(k), Stat("Requests", input_period));
          q.expression += (k == 0 ? "" : " + ") + std::string("m") + std::to_string(k);
        }
        if (q.expression.empty()) {
          q.expression = "TIME_SERIES(1)";
        }
        queries.push_back(std::move(q));
      }
      entries += WireEntries(queries.back());
    }
    const int64_t days = std::uniform_int_distribution<int64_t>(1, 20)(gen);
    TimeWindow window = Window(kStart, kStart + days * kDay);
    auto plan = PlanGetMetricDataCalls(queries, window);
    ASSERT_OK(plan);
    ExpectValidPlan(queries, window, *plan);
    int64_t total = 0;
    for (const MetricQuery& q : queries) {
      total += DatapointsInWindow(q, window);
    }
    EXPECT_GE(static_cast<int64_t>(plan->size()),
              std::max<int64_t>((entries + 499) / 500,
                                (total + kMaxDatapointsPerCall - 1) / kMaxDatapointsPerCall));
  }
}

TEST(PlanGetMetricDataCallsTest, RejectsBadMathPeriods) {
  MetricQuery hourly_input = Math("rate", "m1 / 60", {{"m1", Stat("Requests", Seconds(3600))}});
  EXPECT_THAT(PlanGetMetricDataCalls({hourly_input}, Window(kStart + 60, kStart + 3600)),
              StatusIs(StatusCode::kInvalidArgument,
                       "query \"rate\" input m1: window 2024-01-01T00:01:00Z .. "
                       "2024-01-01T01:00:00Z is not aligned to its 1h period"));
  MetricQuery zero = Math("zero", "m1", {{"m1", Stat("Requests")}}, Seconds(0));
  EXPECT_THAT(
      PlanGetMetricDataCalls({zero}, Window(kStart, kStart + 60)),
      StatusIs(StatusCode::kInvalidArgument, "query \"zero\": period must be positive, got 0s"));
  // One-second results over a two-day input: 172,800 datapoints in one LCM unit.
  MetricQuery apart =
      Math("apart", "m1", {{"m1", Stat("Requests", Seconds(2 * kDay))}}, Seconds(1));
  EXPECT_THAT(PlanGetMetricDataCalls({apart}, Window(kStart - kDay, kStart + kDay)),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(StartsWith("query \"apart\": its periods are too far apart"),
                             HasSubstr("100800"))));
}

// A heavy math query must not take away the one-query chunks that mixed periods need.
TEST(PlanGetMetricDataCallsTest, MathQueryDoesNotForceUnreadableChunks) {
  auto queries = Mixed({{100, 1}, {1, 86400}});
  queries.push_back(MathQueries(1, 3)[0]);
  TimeWindow window = Window(kStart, kStart + kDay);
  auto plan = PlanGetMetricDataCalls(queries, window);
  ASSERT_OK(plan);
  ExpectValidPlan(queries, window, *plan);
  EXPECT_GE(plan->size(), 86u);
  EXPECT_LE(plan->size(), 101u);
}

TEST(DatapointsInWindowTest, MathCountsItsOneSeriesAtTheFinestPeriod) {
  const TimeWindow day = Window(kStart, kStart + kDay);
  EXPECT_EQ(DatapointsInWindow(MathQueries(1, 3)[0], day), 1440);
  EXPECT_EQ(DatapointsInWindow(Math("s", "SEARCH('x', 'Sum', 300)", {}, Seconds(300)), day), 288);
  EXPECT_EQ(DatapointsInWindow(Math("e", "m1", {{"m1", Stat("R")}}, Seconds(300)), day), 1440);
  EXPECT_EQ(WireEntries(MathQueries(1, 3)[0]), 4);
  EXPECT_EQ(WireEntries(Query("a")), 1);
}

TEST(DatapointsInWindowTest, IsWindowOverPeriod) {
  EXPECT_EQ(DatapointsInWindow(Query("a").stat, Window(kStart, kStart + kDay)), 1440);
  EXPECT_EQ(DatapointsInWindow(Query("a", Seconds(300)).stat, Window(kStart, kStart + kDay)), 288);
  EXPECT_EQ(DatapointsInWindow(Query("a").stat, Window(kStart, kStart)), 0);
}

}  // namespace
}  // namespace statusbridge::aws
