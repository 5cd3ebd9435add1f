#include "aws/metric_math.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"
#include "http/http_client.h"

namespace statusbridge::aws {
namespace {

// The functions of CloudWatch metric math (User Guide, "Metric math syntax and functions"),
// space-separated.
constexpr std::string_view kFunctions =
    " ABS ANOMALY_DETECTION_BAND AVG CEIL CONCAT DATAPOINT_COUNT DATE DAY DB_PERF_INSIGHTS DIFF"
    " DIFF_TIME EPOCH FILL FIRST FLOOR HOUR IF INSIGHT_RULE_METRIC LAMBDA LAST LOG LOG10 MAX"
    " METRICS METRIC_COUNT MIN MINUTE MONTH PERIOD RATE REMOVE_EMPTY RUNNING_SUM SEARCH"
    " SERVICE_QUOTA SLICE SORT STDDEV SUM TIME_SERIES YEAR ";

// Words that stand alone: FILL's REPEAT and LINEAR, SORT's statistic and order, the logical
// operators, LAMBDA's booleans.
constexpr std::string_view kKeywords = " REPEAT LINEAR ASC DESC AVG MIN MAX SUM AND OR true false ";

// `list` starts and ends with a space.
bool InWordList(std::string_view list, std::string_view word) {
  if (word.empty()) {
    return false;
  }
  for (size_t i = list.find(word); i != std::string_view::npos; i = list.find(word, i + 1)) {
    if (list[i - 1] == ' ' && list[i + word.size()] == ' ') {
      return true;
    }
  }
  return false;
}

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

// Server or user text quoted in a client message.
std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

// User text quoted in a check-config message.
std::string QuotedText(std::string_view s) { return "\"" + EscapeText(s) + "\""; }

// The end of the string token opening at e[i] (one past its closing quote), or npos.
size_t StringEnd(std::string_view e, size_t i) {
  size_t j = i + 1;
  while (j < e.size() && e[j] != e[i]) {
    j += e[j] == '\\' ? 2 : 1;
  }
  return j >= e.size() ? std::string_view::npos : j + 1;
}

// The end of the number token starting at e[i], exponent included ("1.5e-3").
size_t NumberEnd(std::string_view e, size_t i) {
  size_t j = i;
  while (j < e.size() && (IsIdentifierChar(e[j]) || e[j] == '.')) {
    const bool exponent_sign =
        (e[j] == 'e' || e[j] == 'E') && j + 1 < e.size() && (e[j + 1] == '+' || e[j + 1] == '-');
    j += exponent_sign ? 2 : 1;
  }
  return std::min(j, e.size());
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && AsciiLower(a) == AsciiLower(b);
}

// True when the tokens are one call of SEARCH (any case) and nothing else but whitespace.
bool IsBareSearch(const std::vector<MathToken>& tokens) {
  auto blank = [](const MathToken& t) {
    return t.kind == MathToken::Kind::kOther && IsSpace(t.text[0]);
  };
  size_t i = 0;
  while (i < tokens.size() && blank(tokens[i])) {
    ++i;
  }
  if (i == tokens.size() || !tokens[i].call || !EqualsIgnoreCase(tokens[i].text, "search")) {
    return false;
  }
  int depth = 0;
  for (++i; i < tokens.size(); ++i) {
    const MathToken& t = tokens[i];
    if (t.kind != MathToken::Kind::kOther) {
      continue;
    }
    if (t.text == "(") {
      ++depth;
    } else if (t.text == ")" && --depth == 0) {
      break;
    }
  }
  if (i == tokens.size()) {
    return false;
  }
  for (++i; i < tokens.size(); ++i) {
    if (!blank(tokens[i])) {
      return false;
    }
  }
  return true;
}

// The input ids of `query` are valid and unique; it has room for them in one call.
Status CheckInputIds(const MetricQuery& query) {
  auto invalid = [&](const std::string& what) {
    return Status::InvalidArgument("query \"" + query.id + "\": " + what);
  };
  if (query.inputs.size() >= static_cast<size_t>(kMaxQueriesPerCall)) {
    return invalid("has " + std::to_string(query.inputs.size()) + " inputs; with the expression " +
                   "they must fit one GetMetricData call of " + std::to_string(kMaxQueriesPerCall) +
                   " queries");
  }
  for (size_t k = 0; k < query.inputs.size(); ++k) {
    const std::string& id = query.inputs[k].first;
    if (!IsMetricId(id)) {
      return invalid("input id " + Quoted(id) +
                     " must start with a lowercase letter, continue with letters, digits or _ " +
                     "and be at most " + std::to_string(kMaxMetricIdLength) + " characters");
    }
    for (size_t j = 0; j < k; ++j) {
      if (query.inputs[j].first == id) {
        return invalid("input id " + Quoted(id) + " is used twice");
      }
    }
  }
  return Status::Ok();
}

// The tokens of math query number `index` with its input ids replaced by their wire ids.
Result<std::string> RewriteIds(const MetricQuery& query, size_t index,
                               const std::vector<MathToken>& tokens) {
  auto invalid = [&](const std::string& what) {
    return Status::InvalidArgument("query \"" + query.id + "\": " + what);
  };
  std::string out;
  out.reserve(query.expression.size() + 16);
  for (const MathToken& t : tokens) {
    if (t.kind != MathToken::Kind::kIdentifier) {
      out.append(t.text);
      continue;
    }
    if (t.call) {
      if (t.text == "METRICS") {
        return invalid(
            "METRICS() is not supported: it would see every metric of the GetMetricData call, "
            "which is shared with other queries; list the ids instead, e.g. SUM([m1, m2])");
      }
      if (!IsMathFunction(t.text)) {
        return invalid("expression calls " + std::string(t.text) +
                       "(), which is not a CloudWatch metric math function");
      }
      out.append(t.text);
      continue;
    }
    auto input = std::find_if(query.inputs.begin(), query.inputs.end(),
                              [&](const auto& in) { return in.first == t.text; });
    if (input != query.inputs.end()) {
      out += InputWireId(index, static_cast<size_t>(input - query.inputs.begin()));
    } else if (IsMathKeyword(t.text)) {
      out.append(t.text);
    } else {
      std::vector<std::string_view> ids;
      for (const auto& [id, stat] : query.inputs) {
        ids.push_back(id);
      }
      return invalid("expression " + Quoted(query.expression) + " uses " + std::string(t.text) +
                     ", which is not one of its inputs (" +
                     (ids.empty() ? std::string("it has none") : Join(ids, ", ")) + ")");
    }
  }
  return out;
}

}  // namespace

bool IsMetricId(std::string_view id) {
  if (id.empty() || id.size() > kMaxMetricIdLength || id[0] < 'a' || id[0] > 'z') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), IsIdentifierChar);
}

bool IsMathFunction(std::string_view name) { return InWordList(kFunctions, name); }

bool IsMathKeyword(std::string_view word) { return InWordList(kKeywords, word); }

Result<std::vector<MathToken>> ScanMathExpression(std::string_view e) {
  std::vector<MathToken> tokens;
  for (size_t i = 0; i < e.size();) {
    const char c = e[i];
    MathToken token;
    size_t end = i + 1;
    if (c == '\'' || c == '"') {
      end = StringEnd(e, i);
      if (end == std::string_view::npos) {
        return Status::InvalidArgument("has an unterminated string starting at character " +
                                       std::to_string(i + 1) + ": " + Quoted(e.substr(i)));
      }
      token.kind = MathToken::Kind::kString;
    } else if (IsDigit(c) || (c == '.' && i + 1 < e.size() && IsDigit(e[i + 1]))) {
      end = NumberEnd(e, i);
      token.kind = MathToken::Kind::kNumber;
    } else if (IsIdentifierStart(c)) {
      while (end < e.size() && IsIdentifierChar(e[end])) {
        ++end;
      }
      size_t next = end;
      while (next < e.size() && IsSpace(e[next])) {
        ++next;
      }
      token.kind = MathToken::Kind::kIdentifier;
      token.call = next < e.size() && e[next] == '(';
    }
    token.text = e.substr(i, end - i);
    tokens.push_back(token);
    i = end;
  }
  return tokens;
}

bool IsMetricsInsightsQuery(std::string_view e) {
  size_t i = 0;
  while (i < e.size() && IsSpace(e[i])) {
    ++i;
  }
  constexpr std::string_view kSelect = "select";
  if (e.size() - i < kSelect.size() || !EqualsIgnoreCase(e.substr(i, kSelect.size()), kSelect)) {
    return false;
  }
  return e.size() - i == kSelect.size() || !IsIdentifierChar(e[i + kSelect.size()]);
}

Result<std::string> WireExpression(const MetricQuery& query, size_t index) {
  auto invalid = [&](const std::string& what) {
    return Status::InvalidArgument("query \"" + query.id + "\": " + what);
  };
  const std::string& e = query.expression;
  if (e.empty()) {
    return invalid(query.inputs.empty() ? "not a math query (no expression)"
                                        : "has math inputs but no expression");
  }
  if (e.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid("expression is empty");
  }
  if (e.size() > kMaxExpressionLength) {
    return invalid("expression is " + std::to_string(e.size()) + " characters, more than the " +
                   std::to_string(kMaxExpressionLength) + " allowed");
  }
  SB_RETURN_IF_ERROR(CheckInputIds(query));
  if (IsMetricsInsightsQuery(e)) {
    if (!query.inputs.empty()) {
      return invalid("a Metrics Insights query (SELECT ...) takes no inputs");
    }
    return e;  // its names are metrics, namespaces and dimensions, never query ids
  }
  Result<std::vector<MathToken>> tokens = ScanMathExpression(e);
  if (!tokens.ok()) {
    return invalid("expression " + tokens.status().message());
  }
  SB_ASSIGN_OR_RETURN(std::string out, RewriteIds(query, index, *tokens));
  if (out.size() > kMaxExpressionLength) {
    return invalid("expression is " + std::to_string(out.size()) +
                   " characters once its ids are rewritten for the wire, more than the " +
                   std::to_string(kMaxExpressionLength) + " allowed");
  }
  return out;
}

Result<MathExpressionUse> ReadMathExpression(std::string_view expression) {
  SB_ASSIGN_OR_RETURN(std::vector<MathToken> tokens, ScanMathExpression(expression));
  MathExpressionUse use;
  use.expression = expression;
  use.insights = IsMetricsInsightsQuery(expression);
  use.bare_search = IsBareSearch(tokens);
  for (const MathToken& t : tokens) {
    if (t.kind != MathToken::Kind::kIdentifier) {
      continue;
    }
    use.identifiers.push_back(t);
    if (t.call) {
      use.search = use.search || EqualsIgnoreCase(t.text, "search");
      use.all_inputs = use.all_inputs || EqualsIgnoreCase(t.text, "metrics");
    }
  }
  return use;
}

Status CheckOneSeries(const MathExpressionUse& use) {
  if (use.bare_search) {
    return Status::InvalidArgument(
        "a bare SEARCH returns one time series per metric it finds; aggregate them into one, "
        "e.g. SUM(SEARCH(...))");
  }
  return Status::Ok();
}

Status CheckHasInputs(const MathExpressionUse& use, size_t input_count) {
  if (input_count == 0 && !use.insights && !use.search) {
    return Status::InvalidArgument(
        "at least one metric is required (only a SEARCH or SELECT expression needs none)");
  }
  return Status::Ok();
}

Status CheckInputsKnown(const MathExpressionUse& use,
                        const std::vector<std::string_view>& input_ids) {
  if (use.insights) {
    return Status::Ok();  // Metrics Insights SQL: its words are not ids
  }
  for (const MathToken& w : use.identifiers) {
    if (w.call || !std::islower(static_cast<unsigned char>(w.text[0])) ||
        std::find(input_ids.begin(), input_ids.end(), w.text) != input_ids.end()) {
      continue;
    }
    return Status::InvalidArgument("unknown metric id " + QuotedText(w.text) +
                                   (input_ids.empty() ? " (no metrics are defined)"
                                                      : " (known: " + Join(input_ids, ", ") + ")"));
  }
  return Status::Ok();
}

Status CheckInputUsed(const MathExpressionUse& use, std::string_view input_id) {
  if (use.insights || use.all_inputs) {
    return Status::Ok();  // METRICS() stands for every input
  }
  const bool used = std::any_of(use.identifiers.begin(), use.identifiers.end(),
                                [&](const MathToken& w) { return w.text == input_id; });
  if (!used) {
    return Status::InvalidArgument("not used in the expression " + QuotedText(use.expression));
  }
  return Status::Ok();
}

}  // namespace statusbridge::aws
