// Logs Insights rows -> one value per bucket (pipeline/logs_points.h).

#include "pipeline/logs_points.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr int64_t kStart = 1704067200;  // 2024-01-01T00:00:00Z

SystemTime T(int64_t s) { return FromUnixSeconds(s); }
TimeWindow Window(int64_t start, int64_t end) { return TimeWindow{T(start), T(end)}; }

aws::LogsRow Row(std::initializer_list<std::pair<const std::string, std::string>> cells) {
  return aws::LogsRow(cells);
}

LogsPointsSpec BinnedSpec() {
  LogsPointsSpec s;
  s.value_field = "p";
  s.time_field = "t";
  s.period = Seconds(300);
  s.window = Window(kStart, kStart + 1800);
  return s;
}

TEST(LogsRowsToPointsTest, OneValuePerBucket) {
  std::vector<aws::LogsRow> rows = {
      Row({{"t", "2024-01-01 00:05:00.000"}, {"p", "12.5"}}),
      Row({{"t", "2024-01-01 00:00:00.000"}, {"p", "-3"}}),
      Row({{"t", "2024-01-01T00:10:00Z"}, {"p", " 1e3 "}}),
      Row({{"t", "2024-01-01 00:15:00.000"}}),                 // no value: no data
      Row({{"t", "2024-01-01 00:20:00.000"}, {"p", ""}}),      // blank: no data
      Row({{"t", "2023-12-31 23:55:00.000"}, {"p", "junk"}}),  // before the window
      Row({{"t", "2024-01-01 00:30:00.000"}, {"p", "7"}}),     // at the end: outside
  };
  auto points = LogsRowsToPoints(rows, BinnedSpec());
  ASSERT_OK(points);
  EXPECT_THAT(points->values, ElementsAre(Pair(T(kStart), -3.0), Pair(T(kStart + 300), 12.5),
                                          Pair(T(kStart + 600), 1000.0)));
  EXPECT_EQ(points->rows_without_value, 2);
  EXPECT_EQ(points->rows_outside_window, 2);
}

TEST(LogsRowsToPointsTest, HostileRowsAreClearErrors) {
  const std::string huge(1 << 20, '9');
  struct Case {
    const char* name;
    aws::LogsRow row;
    const char* error;
  };
  const std::string t0 = "2024-01-01 00:00:00.000";
  const std::vector<Case> cases = {
      {"word", Row({{"t", t0}, {"p", "abc"}}), "rows[0].p \"abc\" is not a finite number"},
      {"NaN", Row({{"t", t0}, {"p", "NaN"}}), "not a finite number"},
      {"nan", Row({{"t", t0}, {"p", "nan"}}), "not a finite number"},
      {"-nan", Row({{"t", t0}, {"p", "-nan"}}), "not a finite number"},
      {"inf", Row({{"t", t0}, {"p", "inf"}}), "not a finite number"},
      {"-Infinity", Row({{"t", t0}, {"p", "-Infinity"}}), "not a finite number"},
      {"overflow", Row({{"t", t0}, {"p", "1e999"}}), "not a finite number"},
      {"huge digits", Row({{"t", t0}, {"p", huge + "e999"}}), "not a finite number"},
      {"hex", Row({{"t", t0}, {"p", "0x1F"}}), "not a finite number"},
      {"unit", Row({{"t", t0}, {"p", "12 ms"}}), "not a finite number"},
      {"plus", Row({{"t", t0}, {"p", "+5"}}), "not a finite number"},
      {"two numbers", Row({{"t", t0}, {"p", "1 2"}}), "not a finite number"},
      {"control bytes", Row({{"t", t0}, {"p", std::string("1\0\n", 3)}}), "not a finite number"},
      {"no time", Row({{"p", "1"}}), "rows[0] has no field \"t\""},
      {"time junk", Row({{"t", "yesterday"}, {"p", "1"}}), "is not a timestamp"},
      {"time huge", Row({{"t", huge}, {"p", "1"}}), "too long for a timestamp"},
      {"time bad date", Row({{"t", "2024-02-30 00:00:00.000"}, {"p", "1"}}), "not a timestamp"},
      {"time fraction", Row({{"t", "2024-01-01 00:00:00.500"}, {"p", "1"}}), "not a whole second"},
      {"misaligned", Row({{"t", "2024-01-01 00:01:00.000"}, {"p", "1"}}),
       "is not a multiple of the 5m period"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto points = LogsRowsToPoints({c.row}, BinnedSpec());
    EXPECT_THAT(points, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)));
    EXPECT_LT(points.status().message().size(), 400u);  // hostile values are cut
  }
}

TEST(LogsRowsToPointsTest, DuplicateBucketIsAnError) {
  std::vector<aws::LogsRow> rows = {
      Row({{"t", "2024-01-01 00:05:00.000"}, {"p", "1"}, {"host", "a"}}),
      Row({{"t", "2024-01-01 00:05:00.000"}, {"p", "2"}, {"host", "b"}})};
  EXPECT_THAT(LogsRowsToPoints(rows, BinnedSpec()),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("rows[1]"), HasSubstr("2024-01-01T00:05:00Z"),
                             HasSubstr("more than bin()"))));
}

TEST(LogsRowsToPointsTest, WithoutTimeFieldOneRowIsTheWindowsBucket) {
  LogsPointsSpec s;
  s.value_field = "n";
  s.period = Seconds(300);
  s.window = Window(kStart + 300, kStart + 600);

  auto one = LogsRowsToPoints({Row({{"n", "17"}, {"@ptr", "x"}})}, s);
  ASSERT_OK(one);
  EXPECT_THAT(one->values, ElementsAre(Pair(T(kStart + 300), 17.0)));

  auto none = LogsRowsToPoints({}, s);
  ASSERT_OK(none);
  EXPECT_TRUE(none->values.empty());

  auto blank = LogsRowsToPoints({Row({})}, s);
  ASSERT_OK(blank);
  EXPECT_EQ(blank->rows_without_value, 1);

  EXPECT_THAT(LogsRowsToPoints({Row({{"n", "1"}}), Row({{"n", "2"}})}, s),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("returned 2 rows")));

  s.window = Window(kStart, kStart + 900);
  EXPECT_THAT(LogsRowsToPoints({Row({{"n", "1"}})}, s),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("spans several")));
}

TEST(LogsRowsToPointsTest, BadSpecIsRejectedFirst) {
  LogsPointsSpec s = BinnedSpec();
  s.value_field = "";
  EXPECT_THAT(LogsRowsToPoints({}, s),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("value_field")));
  s = BinnedSpec();
  s.period = Seconds(0);
  EXPECT_THAT(LogsRowsToPoints({}, s),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("positive")));
  s = BinnedSpec();
  s.window = Window(kStart + 60, kStart + 600);
  EXPECT_THAT(LogsRowsToPoints({}, s),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not aligned")));
  s = BinnedSpec();
  s.window = Window(kStart, kStart);
  EXPECT_THAT(LogsRowsToPoints({}, s), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST(LogsRowsToPointsTest, RandomHostileRowsNeverCrash) {
  std::mt19937 gen(12345);
  const std::vector<std::string> pieces = {"2024-01-01 00:05:00.000",
                                           "1",
                                           "-",
                                           ".",
                                           "e",
                                           "9",
                                           "nan",
                                           "inf",
                                           " ",
                                           ":",
                                           "0",
                                           "T",
                                           "Z",
                                           "+",
                                           "\xff",
                                           std::string(1, '\0'),
                                           "2024-01-01T00:00:00+01:00"};
  auto random_text = [&] {
    std::string s;
    const int n = static_cast<int>(gen() % 6);
    for (int i = 0; i < n; ++i) {
      s += pieces[gen() % pieces.size()];
    }
    return s;
  };
  int ok = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<aws::LogsRow> rows;
    const int n = static_cast<int>(gen() % 4);
    for (int r = 0; r < n; ++r) {
      aws::LogsRow row;
      if (gen() % 4 != 0) {
        row["t"] = random_text();
      }
      if (gen() % 4 != 0) {
        row["p"] = random_text();
      }
      rows.push_back(row);
    }
    ok += LogsRowsToPoints(rows, BinnedSpec()).ok() ? 1 : 0;
  }
  EXPECT_GT(ok, 0);
}

}  // namespace
}  // namespace statusbridge::pipeline
