// Fuzzes the two expression languages of a config. The first byte picks one (fuzz_support.h):
//   0  a metric's `expression:` (pipeline::Expression, muParser) over the variables requests,
//      errors, a, b, value; one that compiles is evaluated, and a copy of it evaluates to the
//      same value (a copy re-binds its own variable storage)
//   1  the same, with the variable names taken from the input: "name,name,...\n<expression>"
//   2  a `cloudwatch_math:` expression (CloudWatch metric math) over inputs m1 and m2, as the
//      client sends it: WireExpression() (rewritten ids, at most 2048 characters) and
//      PlanGetMetricDataCalls() over an hour
// Inputs longer than kMaxInput are skipped: the expressions of a config are short, and a giant
// one only finds the parser's (linear) cost.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/get_metric_data_plan.h"
#include "aws/metric_math.h"
#include "aws/metric_query.h"
#include "fuzz/fuzz_support.h"
#include "pipeline/expression.h"

namespace statusbridge::fuzz {
namespace {

constexpr size_t kMaxInput = 4096;

bool SameValue(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

void Muparser(const std::string& text, const std::vector<std::string>& variables) {
  Result<pipeline::Expression> e = pipeline::Expression::Compile(text, variables);
  if (!e.ok()) {
    return;
  }
  std::vector<double> ordered;
  std::map<std::string, double> named;
  const double samples[] = {1000, 3, 0, -1.5, 1e308, 7};
  for (size_t i = 0; i < variables.size(); ++i) {
    ordered.push_back(samples[i % std::size(samples)]);
    named[variables[i]] = ordered.back();
  }
  Result<double> by_order = e->EvaluateOrdered(ordered);
  Result<double> by_name = e->Evaluate(named);
  FUZZ_CHECK(by_order.ok() == by_name.ok(), text);
  pipeline::Expression copy = *e;
  Result<double> from_copy = copy.EvaluateOrdered(ordered);
  FUZZ_CHECK(from_copy.ok() == by_order.ok(), text);
  if (by_order.ok()) {
    FUZZ_CHECK(SameValue(*by_order, *by_name), text);
    FUZZ_CHECK(SameValue(*by_order, *from_copy), text);
  }
  // Too few values is an error, not a read past the end.
  if (!ordered.empty()) {
    ordered.pop_back();
    FUZZ_CHECK(!e->EvaluateOrdered(ordered).ok(), text);
  }
}

std::vector<std::string> Split(std::string_view list) {
  std::vector<std::string> out;
  while (out.size() < 16) {
    size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return out;
}

aws::MetricStat Stat(std::string metric) {
  aws::MetricStat s;
  s.namespace_name = "AWS/ApplicationELB";
  s.metric_name = std::move(metric);
  s.stat = "Sum";
  s.period = Seconds(60);
  return s;
}

void CloudWatchMath(const std::string& text) {
  aws::MetricQuery q;
  q.id = "math";
  q.expression = text;
  q.period = Seconds(60);
  q.inputs = {{"m1", Stat("RequestCount")}, {"m2", Stat("HTTPCode_Target_5XX_Count")}};
  Result<std::string> wire = aws::WireExpression(q, 7);
  if (wire.ok()) {
    FUZZ_CHECK(!wire->empty() && wire->size() <= 2048, text);
  }
  const TimeWindow hour{FromUnixSeconds(kHourStart), FromUnixSeconds(kNow)};
  auto plan = aws::PlanGetMetricDataCalls({q}, hour);
  if (plan.ok()) {
    FUZZ_CHECK(wire.ok(), "a plan for an expression WireExpression refuses: " + text);
    FUZZ_CHECK(plan->size() == 1, text);
  }
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  if (size > fuzz::kMaxInput) {
    return 0;
  }
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  switch (mode) {
    case 0:
      fuzz::Muparser(std::string(rest), {"requests", "errors", "a", "b", "value"});
      break;
    case 1: {
      const size_t nl = rest.find('\n');
      if (nl != std::string_view::npos) {
        fuzz::Muparser(std::string(rest.substr(nl + 1)), fuzz::Split(rest.substr(0, nl)));
      }
      break;
    }
    default:
      fuzz::CloudWatchMath(std::string(rest));
      break;
  }
  return 0;
}
