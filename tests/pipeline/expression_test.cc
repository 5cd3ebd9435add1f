#include "pipeline/expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExpressionTest, EvaluatesTable) {
  const std::vector<std::string> vars = {"a", "b", "c"};
  const std::map<std::string, double> values = {{"a", 6}, {"b", 3}, {"c", -2}};
  struct Case {
    const char* text;
    double want;
  } cases[] = {
      {"a + b", 9},           {"a - b - 1", 2},                               // left associative
      {"a + b * c", 0},                                                       // * before +
      {"(a + b) * c", -18},   {"a / b / 2", 1},          {"2 ^ 3 ^ 2", 512},  // right associative
      {"-a + 1", -5},         {"min(a, b, c)", -2},      {"max(a, b)", 6},
      {"abs(c)", 2},          {"sum(a, b, c)", 7},       {"avg(a, b)", 4.5},
      {"sqrt(a + b)", 3},     {"a > b ? 1 : 0", 1},      {"a < b ? 1 : 0", 0},
      {"b == 3 && c < 0", 1}, {"a != 6 || b == 3", 1},   {"c >= 0 ? c : -c", 2},
      {"1e3 + 0.5", 1000.5},  {"100 * (a - b) / a", 50}, {"rint(2.4)", 2},
      {"  a  ", 6},
  };
  for (const auto& c : cases) {
    auto e = Expression::Compile(c.text, vars);
    ASSERT_OK(e);
    auto v = e->Evaluate(values);
    ASSERT_OK(v);
    EXPECT_DOUBLE_EQ(*v, c.want) << c.text;
  }
}

TEST(ExpressionTest, NonFiniteResultsArePassedThrough) {
  auto e = Expression::Compile("100 * (requests - errors) / requests", {"requests", "errors"});
  ASSERT_OK(e);
  auto zero_over_zero = e->Evaluate({{"requests", 0}, {"errors", 0}});
  ASSERT_OK(zero_over_zero);
  EXPECT_TRUE(std::isnan(*zero_over_zero));

  auto div = Expression::Compile("x / y", {"x", "y"});
  ASSERT_OK(div);
  auto pos = div->Evaluate({{"x", 1}, {"y", 0}});
  ASSERT_OK(pos);
  EXPECT_TRUE(std::isinf(*pos) && *pos > 0);
  auto neg = div->Evaluate({{"x", -1}, {"y", 0}});
  ASSERT_OK(neg);
  EXPECT_TRUE(std::isinf(*neg) && *neg < 0);

  auto nan_in = div->Evaluate({{"x", std::numeric_limits<double>::quiet_NaN()}, {"y", 1}});
  ASSERT_OK(nan_in);
  EXPECT_TRUE(std::isnan(*nan_in));

  auto ln = Expression::Compile("ln(x)", {"x"});
  ASSERT_OK(ln);
  auto ln0 = ln->Evaluate({{"x", 0}});
  ASSERT_OK(ln0);
  EXPECT_TRUE(std::isinf(*ln0));
}

TEST(ExpressionTest, CompileErrorsTable) {
  struct Case {
    const char* text;
    std::vector<std::string> vars;
    const char* message;
  } cases[] = {
      {"100 * (requests - errror) / requests",
       {"requests", "errors"},
       "unknown variable \"errror\" (known: requests, errors)"},
      {"a + x + y", {"a"}, "unknown variables \"x\", \"y\" (known: a)"},
      {"x", {}, "unknown variable \"x\" (the expression may not use variables)"},
      {"foo(a)", {"a"}, "unknown function \"foo\""},
      {"1 +", {}, "syntax error: unexpected end of expression at position 4"},
      {"(a", {"a"}, "syntax error: missing parenthesis"},
      {"a b", {"a", "b"}, "syntax error: unexpected variable \"b\" found at position 2"},
      {"a // b", {"a", "b"}, "syntax error: unexpected operator \"/\" found at position 3"},
      {"", {"a"}, "syntax error: the expression is empty"},
      {"   ", {"a"}, "syntax error: the expression is empty"},
      {"\"text\"", {}, "syntax error: strings must only be used as function arguments!"},
      {"a = 1", {"a"}, "assignment \"=\" is not allowed (use \"==\" to compare)"},
      {"a, a", {"a"}, "the expression must produce one value, not 2 comma-separated ones"},
      {"a",
       {"1a"},
       "invalid variable name \"1a\" (use letters, digits and _, not starting with a "
       "digit)"},
      {"a",
       {"a-b"},
       "invalid variable name \"a-b\" (use letters, digits and _, not starting with "
       "a digit)"},
      {"a", {"a", "a"}, "variable \"a\" is listed twice"},
      {"_pi", {"_pi"}, "variable name \"_pi\" conflicts with a built-in constant"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Expression::Compile(c.text, c.vars),
                StatusIs(StatusCode::kInvalidArgument, c.message))
        << c.text;
  }
}

TEST(ExpressionTest, UsedVariablesInDeclarationOrder) {
  auto e = Expression::Compile("c * a", {"a", "b", "c"});
  ASSERT_OK(e);
  EXPECT_THAT(e->variables(), ElementsAre("a", "b", "c"));
  EXPECT_THAT(e->used_variables(), ElementsAre("a", "c"));
  EXPECT_EQ(e->text(), "c * a");
  // Only used variables need a value.
  auto v = e->Evaluate({{"a", 2}, {"c", 5}});
  ASSERT_OK(v);
  EXPECT_EQ(*v, 10);
}

TEST(ExpressionTest, VariableNamedLikeAFunctionStillWorks) {
  auto e = Expression::Compile("min + max(min, 1)", {"min"});
  ASSERT_OK(e);
  auto v = e->Evaluate({{"min", 3}});
  ASSERT_OK(v);
  EXPECT_EQ(*v, 6);
}

TEST(ExpressionTest, MissingValueIsAnError) {
  auto e = Expression::Compile("requests - errors", {"requests", "errors"});
  ASSERT_OK(e);
  EXPECT_THAT(e->Evaluate({{"requests", 1}}),
              StatusIs(StatusCode::kInvalidArgument,
                       "no value for variable \"errors\" in \"requests - errors\""));
  EXPECT_THAT(e->EvaluateOrdered(std::vector<double>{1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 2 values")));
  // Extra names are ignored.
  auto v = e->Evaluate({{"requests", 5}, {"errors", 1}, {"other", 100}});
  ASSERT_OK(v);
  EXPECT_EQ(*v, 4);
}

TEST(ExpressionTest, EvaluateOrderedUsesDeclarationOrder) {
  auto e = Expression::Compile("a - b", {"a", "b"});
  ASSERT_OK(e);
  std::vector<double> values = {10, 4};
  auto v = e->EvaluateOrdered(values);
  ASSERT_OK(v);
  EXPECT_EQ(*v, 6);
}

TEST(ExpressionTest, ConstantExpression) {
  auto e = Expression::Compile("2 * _pi", {});
  ASSERT_OK(e);
  auto v = e->Evaluate({});
  ASSERT_OK(v);
  EXPECT_NEAR(*v, 2 * M_PI, 1e-9);  // muParser's _pi has 12 decimals
}

TEST(ExpressionTest, CopiesAreIndependent) {
  auto compiled = Expression::Compile("a * 2 + b", {"a", "b"});
  ASSERT_OK(compiled);
  Expression original = *compiled;
  Expression copy(original);
  auto c = copy.Evaluate({{"a", 1}, {"b", 1}});
  auto o = original.Evaluate({{"a", 10}, {"b", 0}});
  ASSERT_OK(c);
  ASSERT_OK(o);
  EXPECT_EQ(*c, 3);
  EXPECT_EQ(*o, 20);
  // The copy kept its own storage: evaluating it again does not see the original's values.
  auto again = copy.EvaluateOrdered(std::vector<double>{2, 0});
  ASSERT_OK(again);
  EXPECT_EQ(*again, 4);
  EXPECT_EQ(copy.text(), original.text());

  // Copy-assign over an existing expression, then destroy the source.
  auto other = Expression::Compile("a - b", {"a", "b"});
  ASSERT_OK(other);
  Expression assigned = *other;
  {
    Expression temp = original;
    assigned = temp;
  }
  auto a = assigned.Evaluate({{"a", 3}, {"b", 1}});
  ASSERT_OK(a);
  EXPECT_EQ(*a, 7);

  // Self-assignment is harmless.
  Expression& self = assigned;
  assigned = self;
  a = assigned.Evaluate({{"a", 1}, {"b", 1}});
  ASSERT_OK(a);
  EXPECT_EQ(*a, 3);
}

TEST(ExpressionTest, MovesKeepBindings) {
  auto compiled = Expression::Compile("x / 2", {"x"});
  ASSERT_OK(compiled);
  Expression moved = std::move(*compiled);
  auto v = moved.Evaluate({{"x", 8}});
  ASSERT_OK(v);
  EXPECT_EQ(*v, 4);

  // Inside a vector that reallocates.
  std::vector<Expression> all;
  for (int i = 0; i < 50; ++i) {
    auto e = Expression::Compile("x + " + std::to_string(i), {"x"});
    ASSERT_OK(e);
    all.push_back(std::move(*e));
  }
  for (int i = 0; i < 50; ++i) {
    auto r = all[i].Evaluate({{"x", 1}});
    ASSERT_OK(r);
    EXPECT_EQ(*r, 1 + i);
  }
  std::vector<Expression> copies = all;
  auto r = copies[49].Evaluate({{"x", 0}});
  ASSERT_OK(r);
  EXPECT_EQ(*r, 49);

  // Move-assign; the moved-from one reports instead of crashing.
  Expression target = all[0];
  target = std::move(all[1]);
  auto t = target.Evaluate({{"x", 0}});
  ASSERT_OK(t);
  EXPECT_EQ(*t, 1);
  EXPECT_THAT(all[1].Evaluate({{"x", 0}}),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("moved-from")));  // NOLINT(bugprone-use-after-move)
  Expression copy_of_moved = all[1];               // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy_of_moved.text(), "");
}

TEST(ExpressionTest, ManyEvaluations) {
  auto e = Expression::Compile("100 * (requests - errors) / requests", {"requests", "errors"});
  ASSERT_OK(e);
  double total = 0;
  std::map<std::string, double> values;
  for (int i = 1; i <= 100000; ++i) {
    values["requests"] = 1000 + i % 7;
    values["errors"] = i % 13;
    auto v = e->Evaluate(values);
    ASSERT_TRUE(v.ok());
    total += *v;
  }
  EXPECT_GT(total, 0);
  std::vector<double> ordered(2);
  for (int i = 1; i <= 100000; ++i) {
    ordered[0] = 1000;
    ordered[1] = i % 10;
    auto v = e->EvaluateOrdered(ordered);
    ASSERT_TRUE(v.ok());
    EXPECT_GE(*v, 99.0);
  }
}

}  // namespace
}  // namespace statusbridge::pipeline
