#pragma once

// Expression is a compiled arithmetic formula over named variables, e.g.
//   100 * (requests - errors) / requests
// used to derive one metric value per bucket from its queries' values. It wraps muParser
// (https://beltoforion.de/en/muparser/): + - * / ^, comparisons (== != < <= > >=), && ||,
// the ternary `cond ? a : b`, and the functions abs, min, max, sum, avg, sqrt, exp, ln, log,
// log2, log10, rint, sign, sin/cos/tan and friends, and the constants _pi and _e.
//
// Compile() parses once; Evaluate() only writes the variables' values into bound storage and runs
// muParser's bytecode, so it is cheap enough for every bucket of every metric on a backfill.
// muParser's exceptions stop here: every failure is a Status.
//
// Copyable and movable: a copy re-binds its own variable storage (muParser binds variables by
// address). A moved-from Expression may only be assigned to or destroyed; Evaluate() on it
// returns FailedPrecondition.
//
// Thread-compatible: Evaluate() is const but writes the bound variables and muParser's stack, so
// one Expression must not be evaluated from two threads at once. Give each thread its own copy.

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace statusbridge::pipeline {

class Expression {
 public:
  // Parses `text` with `variables` as the only names it may use. Errors (InvalidArgument):
  //   - a variable name that is not an identifier ([A-Za-z_][A-Za-z0-9_]*), is repeated, or
  //     clashes with a built-in constant (_pi, _e);
  //   - an empty or malformed expression: "syntax error: unexpected ... at position N";
  //   - a name that is not one of `variables`:
  //     `unknown variable "errror" (known: requests, errors)`; an unknown function name:
  //     `unknown function "foo"`;
  //   - an assignment (`a = 1`; use == to compare), or several comma-separated results.
  static Result<Expression> Compile(const std::string& text,
                                    const std::vector<std::string>& variables);

  Expression(const Expression& other);
  Expression& operator=(const Expression& other);
  Expression(Expression&& other) noexcept;
  Expression& operator=(Expression&& other) noexcept;
  ~Expression();

  const std::string& text() const;

  // The names given to Compile(), in that order.
  const std::vector<std::string>& variables() const;

  // The subset of variables() the expression actually references, in variables() order.
  const std::vector<std::string>& used_variables() const;

  // Evaluates with each used variable's value taken from `values` (names not in variables() are
  // ignored). A used variable missing from `values` is InvalidArgument naming it. A non-finite
  // result (division by zero, 0/0, ln(0), NaN inputs) is returned as is: what to publish then is
  // the caller's no_data policy.
  Result<double> Evaluate(const std::map<std::string, double>& values) const;

  // Same, with values given positionally in variables() order (the fast path: no lookups).
  // REQUIRES nothing: a size different from variables().size() is InvalidArgument.
  Result<double> EvaluateOrdered(std::span<const double> values) const;

 private:
  struct Impl;
  explicit Expression(std::unique_ptr<Impl> impl);
  static Result<std::unique_ptr<Impl>> Build(const std::string& text,
                                             const std::vector<std::string>& variables);

  std::unique_ptr<Impl> impl_;
};

}  // namespace statusbridge::pipeline
