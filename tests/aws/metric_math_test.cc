#include "aws/metric_math.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/cloudwatch_test_queries.h"
#include "aws/get_metric_data_plan.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using cw_test::kStart;
using cw_test::Math;
using cw_test::MathQueries;
using cw_test::Query;
using cw_test::Stat;
using cw_test::Window;
using ::statusbridge::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- WireExpression ----

struct RewriteCase {
  const char* name;
  std::string expression;
  std::vector<std::string> inputs;  // ids; input k travels as q7_<k>
  std::string want;
};

class WireExpressionTest : public ::testing::TestWithParam<RewriteCase> {};

TEST_P(WireExpressionTest, RewritesInputIdsOnly) {
  const RewriteCase& c = GetParam();
  MetricQuery q = Math("e", c.expression, {});
  for (const std::string& id : c.inputs) {
    q.inputs.emplace_back(id, Stat("Requests"));
  }
  auto wire = WireExpression(q, 7);
  ASSERT_OK(wire);
  EXPECT_EQ(*wire, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, WireExpressionTest,
    ::testing::Values(
        RewriteCase{"Alone", "m1", {"m1"}, "q7_0"},
        RewriteCase{"FunctionNameStays", "FILL(m1, 0)", {"m1"}, "FILL(q7_0, 0)"},
        RewriteCase{"SpaceBeforeParenthesis", "FILL (m1, REPEAT)", {"m1"}, "FILL (q7_0, REPEAT)"},
        RewriteCase{"Arithmetic", "100*(1-m2/m1)", {"m1", "m2"}, "100*(1-q7_1/q7_0)"},
        RewriteCase{"PrefixOfAnotherId", "m10 + m1", {"m1", "m10"}, "q7_1 + q7_0"},
        RewriteCase{"Keywords",
                    "IF(m1 > 10 AND m2 < 5 OR m1 == 0, 1, 0)",
                    {"m1", "m2"},
                    "IF(q7_0 > 10 AND q7_1 < 5 OR q7_0 == 0, 1, 0)"},
        RewriteCase{"SortArguments",
                    "FIRST(SORT([m1, m2], AVG, DESC))",
                    {"m1", "m2"},
                    "FIRST(SORT([q7_0, q7_1], AVG, DESC))"},
        RewriteCase{
            "Numbers", "1.5e-3 * m1 + .5 + 2E+2 + 0x", {"m1"}, "1.5e-3 * q7_0 + .5 + 2E+2 + 0x"},
        RewriteCase{"SingleQuotedSearch",
                    "SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} m1', 'Sum', 60)) / m1",
                    {"m1"},
                    "SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} m1', 'Sum', 60)) / q7_0"},
        RewriteCase{"DoubleQuotesInsideSingle",
                    R"(SEARCH(' {AWS/EC2,InstanceId} MetricName="m1" ', 'Average', 300))",
                    {"m1"},
                    R"(SEARCH(' {AWS/EC2,InstanceId} MetricName="m1" ', 'Average', 300))"},
        RewriteCase{"EscapedQuote",
                    R"(SEARCH(' "a\" m1 \\" ', 'Sum', 60) + m1)",
                    {"m1"},
                    R"(SEARCH(' "a\" m1 \\" ', 'Sum', 60) + q7_0)"},
        RewriteCase{"PeriodFunction", "m1/PERIOD(m1)", {"m1"}, "q7_0/PERIOD(q7_0)"},
        RewriteCase{"Lambda",
                    R"(LAMBDA("MyFunction", true, 'm1', 3.14))",
                    {},
                    R"(LAMBDA("MyFunction", true, 'm1', 3.14))"},
        RewriteCase{
            "UnderscoreId", "my_errors_2 / requests", {"requests", "my_errors_2"}, "q7_1 / q7_0"},
        RewriteCase{
            "MetricsInsightsUntouched",
            R"(SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) WHERE m1 = 'x')",
            {},
            R"(SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) WHERE m1 = 'x')"},
        RewriteCase{
            "LowercaseSelect", "  select max(cpu) from ns", {}, "  select max(cpu) from ns"}),
    [](const ::testing::TestParamInfo<RewriteCase>& p) { return std::string(p.param.name); });

struct InvalidMathCase {
  const char* name;
  MetricQuery query;
  std::string want;  // the message after `query "bad": `
};

class InvalidMathTest : public ::testing::TestWithParam<InvalidMathCase> {};

TEST_P(InvalidMathTest, IsInvalidArgumentNamingTheQuery) {
  const InvalidMathCase& c = GetParam();
  EXPECT_THAT(WireExpression(c.query, 0),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("query \"bad\": " + c.want)));
  EXPECT_THAT(PlanGetMetricDataCalls({Query("ok"), c.query}, Window(kStart, kStart + 60)),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("query \"bad\": " + c.want)));
}

MetricQuery WithInputs(std::string expression, std::vector<std::string> ids) {
  MetricQuery q = Math("bad", std::move(expression), {});
  for (std::string& id : ids) {
    q.inputs.emplace_back(std::move(id), Stat("Requests"));
  }
  return q;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidMathTest,
    ::testing::Values(
        InvalidMathCase{"UnknownIdentifier", WithInputs("m1 + m3", {"m1", "m2"}),
                        "expression \"m1 + m3\" uses m3, which is not one of its inputs (m1, m2)"},
        InvalidMathCase{"NoInputsAtAll", WithInputs("FILL(m1, 0)", {}),
                        "expression \"FILL(m1, 0)\" uses m1, which is not one of its inputs (it "
                        "has none)"},
        InvalidMathCase{"KeywordsAreCaseSensitive", WithInputs("IF(m1 and m1, 1, 0)", {"m1"}),
                        "expression \"IF(m1 and m1, 1, 0)\" uses and, which is not one"},
        InvalidMathCase{"UnknownFunction", WithInputs("FOO(m1)", {"m1"}),
                        "expression calls FOO(), which is not a CloudWatch metric math function"},
        InvalidMathCase{"LowercaseFunction", WithInputs("fill(m1, 0)", {"m1"}),
                        "expression calls fill(), which is not"},
        InvalidMathCase{"InputCalledLikeAFunction", WithInputs("m1(5)", {"m1"}),
                        "expression calls m1(), which is not"},
        InvalidMathCase{"Metrics", WithInputs("SUM(METRICS())", {"m1"}),
                        "METRICS() is not supported"},
        InvalidMathCase{"UppercaseId", WithInputs("M1", {"M1"}),
                        "input id \"M1\" must start with a lowercase letter"},
        InvalidMathCase{"DigitFirstId", WithInputs("FILL(m1, 0)", {"1m"}),
                        "input id \"1m\" must start with a lowercase letter"},
        InvalidMathCase{"DashInId", WithInputs("m1", {"m-1"}), "input id \"m-1\" must start"},
        InvalidMathCase{"EmptyId", WithInputs("m1", {""}), "input id \"\" must start"},
        InvalidMathCase{"LongId", WithInputs("m1", {"m" + std::string(255, 'x')}),
                        "input id \"mxxx"},
        InvalidMathCase{"DuplicateId", WithInputs("m1", {"m1", "m1"}),
                        "input id \"m1\" is used twice"},
        InvalidMathCase{"BlankExpression", WithInputs("  \t", {"m1"}), "expression is empty"},
        InvalidMathCase{"InputsWithoutExpression", WithInputs("", {"m1"}),
                        "has math inputs but no expression"},
        InvalidMathCase{"TooLong", WithInputs("m1" + std::string(2047, ' '), {"m1"}),
                        "expression is 2049 characters, more than the 2048 allowed"},
        InvalidMathCase{"TooLongOnceRewritten",
                        WithInputs("m1" + std::string(2044, '+') + "m1", {"m1"}),
                        "expression is 2052 characters once its ids are rewritten for the wire"},
        InvalidMathCase{"UnterminatedString", WithInputs("SEARCH('abc', 'Sum, 60)", {}),
                        "expression has an unterminated string starting at character 15"},
        InvalidMathCase{"EscapedClosingQuote", WithInputs(R"(SEARCH('abc\')", {}),
                        "expression has an unterminated string starting at character 8"},
        InvalidMathCase{"InsightsWithInputs", WithInputs("SELECT SUM(x) FROM ns", {"m1"}),
                        "a Metrics Insights query (SELECT ...) takes no inputs"},
        InvalidMathCase{"TooManyInputs",
                        [] {
                          MetricQuery q = MathQueries(1, 500)[0];
                          q.id = "bad";
                          return q;
                        }(),
                        "has 500 inputs; with the expression they must fit one GetMetricData "
                        "call of 500 queries"}),
    [](const ::testing::TestParamInfo<InvalidMathCase>& p) { return std::string(p.param.name); });
// ---- The scanner and the vocabulary ----

std::vector<std::pair<MathToken::Kind, std::string>> Significant(std::string_view expression) {
  std::vector<std::pair<MathToken::Kind, std::string>> out;
  auto tokens = ScanMathExpression(expression);
  EXPECT_OK(tokens);
  if (!tokens.ok()) {
    return out;
  }
  for (const MathToken& t : *tokens) {
    if (t.kind != MathToken::Kind::kOther) {
      out.emplace_back(t.kind, std::string(t.text) + (t.call ? "(" : ""));
    }
  }
  return out;
}

TEST(ScanMathExpressionTest, TokensPutTogetherGiveTheExpressionBack) {
  const std::string e =
      R"(SUM(SEARCH('{AWS/EC2} "x\' y"', 'Sum', 60)) * 1.5e-3 + m_1 / FILL (m2, REPEAT) ü)";
  auto tokens = ScanMathExpression(e);
  ASSERT_OK(tokens);
  std::string joined;
  for (const MathToken& t : *tokens) {
    joined += t.text;
  }
  EXPECT_EQ(joined, e);
}

TEST(ScanMathExpressionTest, ReadsStringsNumbersIdentifiersAndCalls) {
  using K = MathToken::Kind;
  EXPECT_THAT(Significant(R"(FILL (m1, 'a\'b m2') + 1.5e-3x * .5 - "q")"),
              ElementsAre(std::pair(K::kIdentifier, "FILL("), std::pair(K::kIdentifier, "m1"),
                          std::pair(K::kString, R"('a\'b m2')"), std::pair(K::kNumber, "1.5e-3x"),
                          std::pair(K::kNumber, ".5"), std::pair(K::kString, "\"q\"")));
}

TEST(ScanMathExpressionTest, AnUnterminatedStringNamesWhereItStarts) {
  EXPECT_THAT(ScanMathExpression("m1 + 'abc"),
              StatusIs(StatusCode::kInvalidArgument,
                       "has an unterminated string starting at character 6: \"'abc\""));
  EXPECT_THAT(ScanMathExpression(R"(SEARCH('abc\'))"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at character 8")));
}

TEST(MetricMathVocabularyTest, IdsFunctionsKeywordsAndInsightsQueries) {
  EXPECT_TRUE(IsMetricId("m1"));
  EXPECT_TRUE(IsMetricId("my_errors_2"));
  EXPECT_TRUE(IsMetricId("m" + std::string(254, 'X')));
  EXPECT_FALSE(IsMetricId("m" + std::string(255, 'x')));
  EXPECT_FALSE(IsMetricId("M1"));
  EXPECT_FALSE(IsMetricId("1m"));
  EXPECT_FALSE(IsMetricId("m-1"));
  EXPECT_FALSE(IsMetricId(""));

  EXPECT_TRUE(IsMathFunction("FILL"));
  EXPECT_TRUE(IsMathFunction("METRICS"));
  EXPECT_TRUE(IsMathFunction("LOG10"));
  EXPECT_FALSE(IsMathFunction("fill"));
  EXPECT_FALSE(IsMathFunction("ILL"));  // a piece of FILL
  EXPECT_FALSE(IsMathFunction(""));
  EXPECT_TRUE(IsMathKeyword("REPEAT"));
  EXPECT_TRUE(IsMathKeyword("true"));
  EXPECT_FALSE(IsMathKeyword("and"));
  EXPECT_FALSE(IsMathKeyword("EAT"));

  EXPECT_TRUE(IsMetricsInsightsQuery("  select max(cpu) from ns"));
  EXPECT_TRUE(IsMetricsInsightsQuery("SELECT"));
  EXPECT_FALSE(IsMetricsInsightsQuery("SELECTED(m1)"));
  EXPECT_FALSE(IsMetricsInsightsQuery("(SELECT 1)"));
  EXPECT_FALSE(IsMetricsInsightsQuery("m1"));
}

// ---- check-config's rules ----

MathExpressionUse Use(std::string_view expression) {
  auto use = ReadMathExpression(expression);
  {
    SCOPED_TRACE(expression);
    EXPECT_OK(use);
  }
  return use.ok() ? *use : MathExpressionUse{};
}

TEST(MathConfigRulesTest, ABareSearchIsOneSeriesPerMetricFound) {
  for (std::string_view bare : {"SEARCH('{AWS/EC2} CPU', 'Sum')", "  search ( 'x', 'Sum', 60 )\n",
                                "SEARCH('{x} )', 'Sum')"}) {
    EXPECT_THAT(CheckOneSeries(Use(bare)),
                StatusIs(StatusCode::kInvalidArgument,
                         "a bare SEARCH returns one time series per metric it finds; aggregate "
                         "them into one, e.g. SUM(SEARCH(...))"))
        << bare;
  }
  for (std::string_view one :
       {"SUM(SEARCH('{x}', 'Sum'))", "SEARCH('a', 'Sum') + 1", "SEARCHES('a')", "m1"}) {
    {
      SCOPED_TRACE(one);
      EXPECT_OK(CheckOneSeries(Use(one)));
    }
  }
}

TEST(MathConfigRulesTest, OnlySearchAndSelectNeedNoInputs) {
  EXPECT_THAT(CheckHasInputs(Use("m1 * 2"), 0),
              StatusIs(StatusCode::kInvalidArgument,
                       "at least one metric is required (only a SEARCH or SELECT expression needs "
                       "none)"));
  EXPECT_OK(CheckHasInputs(Use("m1 * 2"), 1));
  EXPECT_OK(CheckHasInputs(Use("SUM(SEARCH('x', 'Sum'))"), 0));
  EXPECT_OK(CheckHasInputs(Use("SELECT AVG(CPUUtilization) FROM \"AWS/EC2\""), 0));
}

TEST(MathConfigRulesTest, LowerCaseWordsMustBeInputIds) {
  EXPECT_THAT(CheckInputsKnown(Use("FILL(m2, 0)"), {"m1"}),
              StatusIs(StatusCode::kInvalidArgument, "unknown metric id \"m2\" (known: m1)"));
  EXPECT_THAT(
      CheckInputsKnown(Use("SUM(SEARCH('{AWS/EC2} CPU', 'Sum')) * k"), {}),
      StatusIs(StatusCode::kInvalidArgument, "unknown metric id \"k\" (no metrics are defined)"));
  EXPECT_OK(CheckInputsKnown(Use("FILL(m1, REPEAT) + M2 + 'm3'"), {"m1"}));
  // A backslash escapes a quote inside a string, as CloudWatch reads it: "m3" stays inside.
  EXPECT_OK(CheckInputsKnown(Use(R"(SUM(SEARCH('it\'s m3', 'Sum')) * m1)"), {"m1"}));
  EXPECT_OK(CheckInputsKnown(Use("SELECT max(cpu) FROM ns WHERE host = x"), {}));
}

TEST(MathConfigRulesTest, EveryInputIsUsedUnlessMetricsNamesThemAll) {
  EXPECT_THAT(CheckInputUsed(Use("m1"), "m2"),
              StatusIs(StatusCode::kInvalidArgument, "not used in the expression \"m1\""));
  EXPECT_OK(CheckInputUsed(Use("m1 + m2"), "m2"));
  EXPECT_OK(CheckInputUsed(Use("MAX(METRICS())"), "a"));
  EXPECT_OK(CheckInputUsed(Use("max(metrics())"), "a"));
  EXPECT_THAT(CheckInputUsed(Use("'m2' + m1"), "m2"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not used")));
}

// check-config and the client read an expression with the same scanner: the input ids
// check-config finds in an expression are exactly the identifiers WireExpression rewrites.
TEST(MathConfigRulesTest, ConfigAndClientAgreeOnWhichWordsAreIds) {
  for (std::string_view e :
       {"100 * (1 - FILL(m2, 0) / m1)", R"(SUM(SEARCH('it\'s m1', 'Sum')) / m2 + m1)",
        R"(IF(m1 > 1.5e-3 AND m2 < .5, m1, REPEAT))", "m10 + m1 * 2"}) {
    SCOPED_TRACE(e);
    MathExpressionUse use = Use(e);
    std::vector<std::string_view> ids;
    size_t references = 0;
    for (const MathToken& t : use.identifiers) {
      if (t.call || !std::islower(static_cast<unsigned char>(t.text[0]))) {
        continue;
      }
      ++references;
      if (std::find(ids.begin(), ids.end(), t.text) == ids.end()) {
        ids.push_back(t.text);
      }
    }
    MetricQuery q = Math("e", std::string(e), {});
    for (std::string_view id : ids) {
      q.inputs.emplace_back(std::string(id), Stat("Requests"));
    }
    auto wire = WireExpression(q, 3);
    ASSERT_OK(wire);
    EXPECT_OK(CheckInputsKnown(use, ids));
    for (std::string_view id : ids) {
      EXPECT_OK(CheckInputUsed(use, id));
    }
    size_t rewritten = 0;
    for (size_t at = wire->find("q3_"); at != std::string::npos; at = wire->find("q3_", at + 1)) {
      ++rewritten;
    }
    EXPECT_EQ(rewritten, references) << e << " -> " << *wire;
  }
}

}  // namespace
}  // namespace statusbridge::aws
