#include "aws/cloudwatch_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::StatusIs;

TEST(CheckStatisticTest, AcceptsEveryDocumentedForm) {
  for (const char* stat :
       {"Sum",      "Average",      "Minimum",  "Maximum",  "SampleCount",    "p99",
        "p99.9",    "P50",          "p0",       "p100",     "p99.9999999999", "tm90",
        "TM99",     "wm50",         "tc10",     "ts5.5",    "TM(10%:90%)",    "tm(:95%)",
        "TM(10%:)", "TC(150:1000)", "TS(0.5:)", "WM(-5:5)", "PR(:300)",       "pr(10:20)",
        "IQM",      "iqm"}) {
    {
      SCOPED_TRACE(stat);
      EXPECT_OK(CheckStatistic(stat));
    }
  }
}

TEST(CheckStatisticTest, SaysWhatIsWrong) {
  struct Case {
    const char* stat;
    const char* message;
  };
  for (const Case& c : {
           Case{"Avg", "unknown statistic \"Avg\""},
           Case{"sum", "unknown statistic \"sum\" (did you mean \"Sum\"?)"},
           Case{"Maximun", "unknown statistic \"Maximun\" (did you mean \"Maximum\"?)"},
           Case{"p101", "invalid statistic \"p101\": the percentile must be between 0 and 100"},
           Case{"p99.12345678901", "unknown statistic \"p99.12345678901\""},
           Case{"tm101", "invalid statistic \"tm101\": the percentage must be between 0 and 100"},
           Case{"TM(90%:10%)",
                "invalid statistic \"TM(90%:10%)\": the lower bound must be below the upper bound"},
           Case{"TM(10%:90)",
                "invalid statistic \"TM(10%:90)\": both bounds must be percentages or both "
                "absolute values"},
           Case{"TM(:)", "invalid statistic \"TM(:)\": give a lower bound, an upper bound or both"},
           Case{"TM(10%)",
                "invalid statistic \"TM(10%)\": expected bounds like (10%:90%), (:95%) or "
                "(150:1000)"},
           Case{"TM(1:2:3)",
                "invalid statistic \"TM(1:2:3)\": expected bounds like (10%:90%), (:95%) or "
                "(150:1000)"},
           Case{"TM(0%:101%)",
                "invalid statistic \"TM(0%:101%)\": percentages must be between 0% and 100%"},
           Case{"PR(10%:90%)",
                "invalid statistic \"PR(10%:90%)\": PR bounds are absolute values, not "
                "percentages"},
           Case{"p\x1b", "unknown statistic \"p\\x1B\""},
       }) {
    EXPECT_THAT(CheckStatistic(c.stat), StatusIs(StatusCode::kInvalidArgument, c.message))
        << c.stat;
  }
}

TEST(CheckUnitTest, KnowsTheStandardUnits) {
  EXPECT_EQ(StandardUnits().size(), 27u);
  for (std::string_view unit : StandardUnits()) {
    {
      SCOPED_TRACE(unit);
      EXPECT_OK(CheckUnit(unit));
    }
  }
  EXPECT_THAT(CheckUnit("ms"), StatusIs(StatusCode::kInvalidArgument, "unknown unit \"ms\""));
  EXPECT_THAT(CheckUnit("count"), StatusIs(StatusCode::kInvalidArgument,
                                           "unknown unit \"count\" (did you mean \"Count\"?)"));
}

}  // namespace
}  // namespace statusbridge::aws
