#pragma once

// CloudWatch metric math (CloudWatch User Guide, "Metric math syntax and functions"; aws.md
// §1.5): the one owner of its rules in statusbridge. Here are the scanner that reads an
// expression, the documented functions and keywords, the rule for query ids, the detection of
// Metrics Insights queries and SEARCH calls, and the two sets of checks built on them:
//   - WireExpression(): what the CloudWatch client sends for a math query, and what it refuses
//     before any request (see MetricQuery in aws/metric_query.h);
//   - the check-config rules (docs/config.md, "cloudwatch_math keys"): ReadMathExpression() and
//     the Check*() functions below, which config validation calls and prefixes with the key path.
// The check-config rules are looser than the client's in three documented ways: they allow
// METRICS() (the client refuses it because it shares calls between queries), they do not check
// function names, and only lower-case words must be ids.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "aws/metric_query.h"
#include "core/result.h"

namespace statusbridge::aws {

inline constexpr size_t kMaxExpressionLength = 2048;  // MetricDataQuery.Expression
inline constexpr size_t kMaxMetricIdLength = 255;     // MetricDataQuery.Id

// CloudWatch's rule for MetricDataQuery ids: ^[a-z][a-zA-Z0-9_]*$, at most kMaxMetricIdLength.
bool IsMetricId(std::string_view id);

// A function CloudWatch metric math documents, spelled as documented (upper case): ABS, FILL,
// SEARCH, METRICS, ...
bool IsMathFunction(std::string_view name);

// A word that stands alone in metric math: FILL's REPEAT and LINEAR, SORT's statistic (AVG, MIN,
// MAX, SUM) and order (ASC, DESC), the logical operators AND and OR, LAMBDA's true and false.
// Case-sensitive.
bool IsMathKeyword(std::string_view word);

// One piece of an expression, as ScanMathExpression() reads it.
struct MathToken {
  enum class Kind {
    kString,      // '...' or "..." (SEARCH terms, LAMBDA arguments, quoted names), quotes
                  // included; a backslash escapes the next character
    kNumber,      // "60", "1.5e-3", ".5": its letters are not identifiers
    kIdentifier,  // [A-Za-z_][A-Za-z0-9_]*
    kOther,       // any other single character: operators, brackets, commas, whitespace
  };
  Kind kind = Kind::kOther;
  std::string_view text;  // a view into the scanned expression
  bool call = false;      // kIdentifier followed, after optional whitespace, by '(': a function
};

// Splits `expression` into tokens; their texts put together give the expression back.
// Error: InvalidArgument "has an unterminated string starting at character <n>: \"...\"" (n
// counted from 1).
Result<std::vector<MathToken>> ScanMathExpression(std::string_view expression);

// A Metrics Insights query: the expression starts, after whitespace, with the word SELECT in any
// case. Its names are metrics, namespaces and dimensions, never query ids.
bool IsMetricsInsightsQuery(std::string_view expression);

// The expression of math query number `index` as sent: each identifier equal to one of its
// input ids becomes that input's wire id ("m1" -> "q<index>_<k>", aws/metric_query.h).
// Identifiers inside strings and function names (an identifier followed by "(") are never
// rewritten. Metrics Insights queries come back unchanged.
// Errors (InvalidArgument, "query \"<id>\": ..."): an empty or over-long (kMaxExpressionLength)
// expression, before or after rewriting; an unterminated string; a function that CloudWatch
// metric math does not document, or METRICS (see MetricQuery); any other identifier that is
// neither an input id nor a keyword (IsMathKeyword); an input id that is not IsMetricId(), or
// used twice; inputs on a Metrics Insights query or on a query without an expression; more than
// kMaxQueriesPerCall - 1 inputs.
Result<std::string> WireExpression(const MetricQuery& query, size_t index);

// ---- check-config's rules (docs/config.md, "cloudwatch_math keys") ----

// What check-config reads from a math expression.
struct MathExpressionUse {
  std::string_view expression;         // the expression read (a view: it must outlive this)
  bool insights = false;               // IsMetricsInsightsQuery(): its words are not ids
  bool search = false;                 // calls SEARCH (in any case)
  bool bare_search = false;            // is one SEARCH(...) call and nothing else
  bool all_inputs = false;             // calls METRICS (in any case), which names every input
  std::vector<MathToken> identifiers;  // every identifier, in order
};

// Scans `expression` (ScanMathExpression(): its error is this function's error).
Result<MathExpressionUse> ReadMathExpression(std::string_view expression);

// The value of a query is one number per bucket, so its expression must give one time series.
// Error: InvalidArgument for a bare SEARCH(...), which gives one series per metric it finds.
Status CheckOneSeries(const MathExpressionUse& use);

// An expression needs at least one input, unless it is a SEARCH or Metrics Insights query.
// Error: InvalidArgument "at least one metric is required (...)".
Status CheckHasInputs(const MathExpressionUse& use, size_t input_count);

// Every lower-case identifier that is not a function call must be one of `input_ids` (function
// names and keywords are upper case). Metrics Insights queries are not checked.
// Error: InvalidArgument "unknown metric id \"<word>\" (known: <ids>)", the first one.
Status CheckInputsKnown(const MathExpressionUse& use,
                        const std::vector<std::string_view>& input_ids);

// `input_id` appears in the expression as an identifier, or the expression calls METRICS() or is
// a Metrics Insights query. Error: InvalidArgument "not used in the expression \"<expression>\"".
Status CheckInputUsed(const MathExpressionUse& use, std::string_view input_id);

}  // namespace statusbridge::aws
