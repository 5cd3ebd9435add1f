#pragma once

// The subset of CloudWatch metric math the sandbox evaluates in GetMetricData `Expression`
// queries (get_metric_data.h wires it in):
//
//   expr    := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := '-' unary | power
//   power   := primary ['^' unary]                         (right-associative)
//   primary := number | id | FUNCTION '(' expr (',' expr)* ')' | '(' expr ')'
//   id      := [a-z][a-zA-Z0-9_]*                          (another query's Id)
//   FUNCTION:= FILL(series, number) | ABS(x) | CEIL(x) | FLOOR(x)
//            | SUM(a) | AVG(a) | MIN(a) | MAX(a)            (names case-insensitive)
//   a       := series | '[' series (',' series)* ']'
//
// Values are scalars or time series (timestamp -> value). An id is a series; arithmetic is
// point by point, a scalar applying to every point, two series aligned by timestamp (only the
// timestamps both have). A point whose result is not finite (division by zero, overflow) is
// dropped. FILL(series, value) adds `value` at every timestamp of the query's bucket grid that the
// series lacks. SUM/AVG/MIN/MAX of an array [a, b] is a series: at each timestamp, over the
// series that have a point there; of one series it is a number, over all its points. Any other
// function (SEARCH, METRICS, IF, RATE, ...) and FILL's REPEAT/LINEAR are refused as "not supported
// by the sandbox".
//
// Thread-safe: immutable after parsing; evaluation is pure.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic.h"

namespace statusbridge::sandbox {

class MathExpression {
 public:
  ~MathExpression();
  MathExpression(MathExpression&&) noexcept;
  MathExpression& operator=(MathExpression&&) noexcept;

  // Parses `text`; nullopt with `error` set ("Unexpected ')' at position 4", "The function SEARCH
  // is not supported by the sandbox", ...).
  static std::optional<MathExpression> Parse(std::string_view text, std::string& error);

  // The ids the expression reads, each once, in order of appearance.
  const std::vector<std::string>& references() const;

  // Evaluates over `grid` (the query's bucket starts, ascending). `series(id)` gives the
  // datapoints (ascending) of a referenced id. A scalar result is that value at every grid
  // timestamp (nothing if it is not finite). The result is ascending.
  std::vector<Datapoint> Evaluate(
      const std::function<const std::vector<Datapoint>&(const std::string&)>& series,
      const std::vector<int64_t>& grid) const;

  struct Node;

 private:
  MathExpression();
  std::unique_ptr<Node> root_;
  std::vector<std::string> references_;
};

}  // namespace statusbridge::sandbox
