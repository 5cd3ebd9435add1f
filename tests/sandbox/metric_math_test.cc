// Metric math: the expression subset on its own, and Expression queries in GetMetricData.

#include "metric_math.h"

#include <map>

#include "sandbox_fixture.h"
#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

using Series = std::vector<Datapoint>;

Series Eval(const std::string& text, const std::map<std::string, Series>& inputs,
            const std::vector<int64_t>& grid) {
  std::string error;
  std::optional<MathExpression> expression = MathExpression::Parse(text, error);
  EXPECT_TRUE(expression.has_value()) << text << ": " << error;
  if (!expression) return {};
  return expression->Evaluate([&](const std::string& id) -> const Series& { return inputs.at(id); },
                              grid);
}

TEST(MetricMathTest, ArithmeticAlignsSeriesByTimestampAndDropsDivisionByZero) {
  const std::map<std::string, Series> in = {{"a", {{0, 1}, {60, 2}, {120, 4}}},
                                            {"b", {{60, 0}, {120, 2}, {180, 5}}}};
  const std::vector<int64_t> grid = {0, 60, 120, 180};
  const std::vector<std::pair<std::string, Series>> cases = {
      {"a + b", {{60, 2}, {120, 6}}},
      {"a - b", {{60, 2}, {120, 2}}},
      {"a / b", {{120, 2}}},
      {"a * 2 - 1", {{0, 1}, {60, 3}, {120, 7}}},
      {"100 * b / a", {{60, 0}, {120, 50}}},
      {"(a + 1) * (b + 1)", {{60, 3}, {120, 15}}},
      {"2 ^ 3 + -a", {{0, 7}, {60, 6}, {120, 4}}},
      {"(a ^ 2) ^ 0.5", {{0, 1}, {60, 2}, {120, 4}}},
      {"2 ^ 3 ^ 2", {{0, 512}, {60, 512}, {120, 512}, {180, 512}}},
      {"-2 ^ 2", {{0, -4}, {60, -4}, {120, -4}, {180, -4}}},
      {"1 / 0", {}},
      {"a / 0", {}},
      {"FILL(a, 0) + b", {{60, 2}, {120, 6}, {180, 5}}},
      {"FILL(a / b, -1)", {{0, -1}, {60, -1}, {120, 2}, {180, -1}}},
      {"fill(b, 10 / 4)", {{0, 2.5}, {60, 0}, {120, 2}, {180, 5}}},
      {"ABS(b - 3)", {{60, 3}, {120, 1}, {180, 2}}},
      {"CEIL(a / 3) + FLOOR(a / 3)", {{0, 1}, {60, 1}, {120, 3}}},
      {"SUM([a, b])", {{0, 1}, {60, 2}, {120, 6}, {180, 5}}},
      {"AVG([a, b * 2])", {{0, 1}, {60, 1}, {120, 4}, {180, 10}}},
      {"MIN([a, b]) + MAX([a, b])", {{0, 2}, {60, 2}, {120, 6}, {180, 10}}},
      {"SUM(a)", {{0, 7}, {60, 7}, {120, 7}, {180, 7}}},
      {"100 * a / MAX(a)", {{0, 25}, {60, 50}, {120, 100}}},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(Eval(text, in, grid), expected) << text;
  }
}

TEST(MetricMathTest, ReferencesAreListedOnceInOrder) {
  std::string error;
  auto expression = MathExpression::Parse("m1 + m2 * FILL(e_1, 0) + m1", error);
  ASSERT_TRUE(expression.has_value()) << error;
  EXPECT_EQ(expression->references(), (std::vector<std::string>{"m1", "m2", "e_1"}));
}

TEST(MetricMathTest, MalformedOrUnsupportedExpressionsAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"m1 +", "ends where a value was expected"},
      {"(m1", "Missing ')'"},
      {"m1 $ 2", "Unexpected '$' at position 4"},
      {"M1 + 1", "Unrecognized token M1"},
      {R"(SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300))",
       "The function SEARCH is not supported by the sandbox"},
      {"METRICS()", "The function METRICS is not supported by the sandbox"},
      {"SUM(METRICS())", "The function METRICS is not supported by the sandbox"},
      {"RATE(m1)", "The function RATE is not supported by the sandbox"},
      {"FILL(m1, REPEAT)", "REPEAT and LINEAR are not supported by the sandbox"},
      {"FILL(m1)", "FILL takes two arguments"},
      {"FILL(2, 0)", "first argument must be a time series"},
      {"FILL(m1, m2)", "second argument must be a number"},
      {"ABS(m1, m2)", "ABS takes one argument"},
      {"m1 2", "Unexpected '2'"},
      {"[m1, m2]", "may only be the argument of SUM, AVG, MIN or MAX"},
      {"m1 + [m2]", "may only be the argument"},
      {"SUM([m1, 1])", "elements of an array must be time series"},
      {"FILL([m1], 0)", "first argument must be a time series"},
      {"SUM([m1, m2)", "Missing ']'"},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    EXPECT_FALSE(MathExpression::Parse(text, error).has_value()) << text;
    EXPECT_THAT(error, HasSubstr(message)) << text;
  }
}

class MetricMathServerTest : public SandboxTest {
 protected:
  // Puts App/<metric> = value for each (minute offset from `t0`, value).
  void PutSeries(const std::string& metric, const std::vector<std::pair<int, double>>& points) {
    json items = json::array();
    for (const auto& [minute, value] : points) {
      items.push_back({{"namespace", "App"},
                       {"metric", metric},
                       {"timestamp", t0 + minute * 60},
                       {"value", value}});
    }
    httplib::Result r =
        client().Post("/_sandbox/cloudwatch/data", items.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  static json AppQuery(const std::string& id, const std::string& metric, bool return_data) {
    json q = StatQuery(id, {{"Namespace", "App"}, {"MetricName", metric}}, 60, "Sum");
    q["ReturnData"] = return_data;
    return q;
  }

  json Call(const json& queries, int64_t start, int64_t end) {
    json body = {{"MetricDataQueries", queries},
                 {"StartTime", start},
                 {"EndTime", end},
                 {"ScanBy", "TimestampAscending"}};
    http::HttpResponse response = GetMetricData(body);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body);
  }

  static Series SeriesOf(const json& result) {
    Series out;
    for (size_t i = 0; i < result["Timestamps"].size(); ++i) {
      out.push_back({result["Timestamps"][i].get<int64_t>(), result["Values"][i].get<double>()});
    }
    return out;
  }

  void ExpectError(const json& queries, const std::string& code, const std::string& message) {
    json body = {{"MetricDataQueries", queries}, {"StartTime", t0}, {"EndTime", t0 + 300}};
    http::HttpResponse response = GetMetricData(body);
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_EQ(response.Header("x-amzn-query-error"), code + ";Sender");
    json out = json::parse(response.body);
    EXPECT_EQ(out["__type"], "com.amazonaws.cloudwatch#" + code);
    EXPECT_THAT(out["message"].get<std::string>(), HasSubstr(message));
  }

  const int64_t t0 = kNow - 660;  // a multiple of 120
};

TEST_F(MetricMathServerTest, AnErrorRateWithFillAndDivisionByZero) {
  // Requests in minutes 0..4 (0 in minute 2), errors only in minutes 1 and 2.
  PutSeries("Requests", {{0, 100}, {1, 200}, {2, 0}, {3, 50}, {4, 400}});
  PutSeries("Errors", {{1, 10}, {2, 5}});
  json out = Call(
      json::array(
          {AppQuery("req", "Requests", false),
           AppQuery("err", "Errors", false),
           {{"Id", "rate"}, {"Expression", "100 * FILL(err, 0) / req"}, {"Label", "error rate"}},
           {{"Id", "raw"}, {"Expression", "err / req"}}}),
      t0, t0 + 300);
  json results = out["MetricDataResults"];
  ASSERT_EQ(results.size(), 2u);  // the ReturnData=false inputs are not returned
  EXPECT_EQ(results[0]["Id"], "rate");
  EXPECT_EQ(results[0]["Label"], "error rate");
  EXPECT_EQ(results[0]["StatusCode"], "Complete");
  // Minute 2 divides by zero and is dropped; minutes without errors are 0.
  EXPECT_EQ(SeriesOf(results[0]), (Series{{t0, 0}, {t0 + 60, 5}, {t0 + 180, 0}, {t0 + 240, 0}}));
  EXPECT_EQ(results[1]["Label"], "raw");
  EXPECT_EQ(SeriesOf(results[1]), (Series{{t0 + 60, 0.05}}));
}

TEST_F(MetricMathServerTest, FillCoversTheGridOfTheExpressionsPeriodAndScalarsCoverItToo) {
  PutSeries("Errors", {{1, 3}});
  json out = Call(json::array({AppQuery("err", "Errors", true),
                               {{"Id", "filled"}, {"Expression", "FILL(err, 0)"}},
                               {{"Id", "five"}, {"Expression", "5"}, {"Period", 120}},
                               {{"Id", "nested"}, {"Expression", "filled * 2 + five"}}}),
                  t0, t0 + 240);
  json results = out["MetricDataResults"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(SeriesOf(results[0]), (Series{{t0 + 60, 3}}));
  EXPECT_EQ(SeriesOf(results[1]), (Series{{t0, 0}, {t0 + 60, 3}, {t0 + 120, 0}, {t0 + 180, 0}}));
  EXPECT_EQ(SeriesOf(results[2]), (Series{{t0, 5}, {t0 + 120, 5}}));
  EXPECT_EQ(SeriesOf(results[3]), (Series{{t0, 5}, {t0 + 120, 5}}));
  // The default order is descending, for expressions too.
  json body = {
      {"MetricDataQueries", json::array({AppQuery("err", "Errors", false),
                                         {{"Id", "filled"}, {"Expression", "FILL(err, 0)"}}})},
      {"StartTime", t0},
      {"EndTime", t0 + 240}};
  json descending = json::parse(GetMetricData(body).body)["MetricDataResults"][0];
  EXPECT_EQ(descending["Timestamps"], json::array({t0 + 180, t0 + 120, t0 + 60, t0}));
}

TEST_F(MetricMathServerTest, ExpressionsOverTheDemoMetricsMatchTheGenerator) {
  const int64_t end = kNow - kNow % 3600;
  const int64_t start = end - 3 * 3600;
  json out =
      Call(json::array({StatQuery("err", DemoMetric("HTTPCode_Target_5XX_Count"), 300, "Sum"),
                        StatQuery("req", DemoMetric("RequestCount"), 300, "Sum"),
                        {{"Id", "pct"}, {"Expression", "100 * FILL(err, 0) / req"}}}),
           start, end);
  std::map<int64_t, double> errors;
  for (const Datapoint& p : GeneratedSeries(1, kTarget5xxCount, Statistic::kSum, start, end, 300)) {
    errors[p.timestamp] = p.value;
  }
  Series expected;
  for (const Datapoint& p : GeneratedSeries(1, kRequestCount, Statistic::kSum, start, end, 300)) {
    expected.push_back({p.timestamp, 100 * errors[p.timestamp] / p.value});
  }
  json results = out["MetricDataResults"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(SeriesOf(results[2]), expected);
  EXPECT_EQ(results[2]["Label"], "pct");
}

TEST_F(MetricMathServerTest, ExpressionResultsArePagedLikeMetrics) {
  PutSeries("Requests", {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  json body = {{"MetricDataQueries", json::array({AppQuery("req", "Requests", true),
                                                  {{"Id", "twice"}, {"Expression", "req * 2"}}})},
               {"StartTime", t0},
               {"EndTime", t0 + 240},
               {"ScanBy", "TimestampAscending"},
               {"MaxDatapoints", 3}};
  std::map<std::string, Series> got;
  for (int page = 0; page < 5; ++page) {
    json out = json::parse(GetMetricData(body).body);
    for (const json& result : out["MetricDataResults"]) {
      for (const Datapoint& p : SeriesOf(result)) got[result["Id"]].push_back(p);
    }
    if (!out.contains("NextToken")) break;
    body["NextToken"] = out["NextToken"];
  }
  EXPECT_EQ(got["req"], (Series{{t0, 1}, {t0 + 60, 2}, {t0 + 120, 3}, {t0 + 180, 4}}));
  EXPECT_EQ(got["twice"], (Series{{t0, 2}, {t0 + 60, 4}, {t0 + 120, 6}, {t0 + 180, 8}}));
}

TEST_F(MetricMathServerTest, InvalidExpressionsAreValidationErrors) {
  const json m1 = AppQuery("m1", "Requests", false);
  ExpectError(json::array({m1, {{"Id", "e1"}, {"Expression", "m1 + m9"}}}), "ValidationError",
              "Error in expression e1: Unrecognized metric or expression id m9");
  ExpectError(json::array({m1,
                           {{"Id", "e1"}, {"Expression", "e2 + m1"}},
                           {{"Id", "e2"}, {"Expression", "e1 * 2"}}}),
              "ValidationError", "circular reference e1 -> e2 -> e1");
  ExpectError(json::array({{{"Id", "e1"}, {"Expression", "e1"}}}), "ValidationError",
              "circular reference e1 -> e1");
  ExpectError(json::array({{{"Id", "e1"},
                            {"Expression",
                             "SEARCH('{AWS/EC2,InstanceId} CPUUtilization', "
                             "'Average', 300)"}}}),
              "ValidationError", "not supported by the sandbox");
  ExpectError(json::array({m1, {{"Id", "e1"}, {"Expression", "m1 * 2"}, {"Period", 30}}}),
              "InvalidParameterValue", "Period must be a positive multiple of 60");
  ExpectError(json::array({m1, {{"Id", "e1"}, {"Expression", std::string(2049, '1')}}}),
              "ValidationError", "1 to 2048 characters");
  json both = m1;
  both["Expression"] = "1";
  ExpectError(json::array({both}), "InvalidParameterValue", "Exactly one of MetricStat");
}

}  // namespace
}  // namespace statusbridge::sandbox
