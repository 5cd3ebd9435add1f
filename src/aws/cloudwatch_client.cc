#include "aws/cloudwatch_client.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "aws/aws_error.h"
#include "aws/aws_json.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kOperation = "GetMetricData";
constexpr const char* kTarget = "GraniteServiceVersion20100801.GetMetricData";
constexpr const char* kService = "monitoring";

// Windows and timestamps are limited to years 1970..9999, which keeps every datapoint count and
// period product in the planner far from int64 overflow.
constexpr int64_t kMaxEpochSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// ---- Math expressions ----

constexpr size_t kMaxExpressionLength = 2048;  // MetricDataQuery.Expression
constexpr size_t kMaxIdLength = 255;           // MetricDataQuery.Id

// The functions of CloudWatch metric math (User Guide, "Metric math syntax and functions"),
// space-separated. METRICS is one of them but refused (see MetricQuery in the header).
constexpr std::string_view kFunctions =
    " ABS ANOMALY_DETECTION_BAND AVG CEIL CONCAT DATAPOINT_COUNT DATE DAY DB_PERF_INSIGHTS DIFF"
    " DIFF_TIME EPOCH FILL FIRST FLOOR HOUR IF INSIGHT_RULE_METRIC LAMBDA LAST LOG LOG10 MAX"
    " METRIC_COUNT MIN MINUTE MONTH PERIOD RATE REMOVE_EMPTY RUNNING_SUM SEARCH SERVICE_QUOTA"
    " SLICE SORT STDDEV SUM TIME_SERIES YEAR ";

// Words that stand alone: FILL's REPEAT and LINEAR, SORT's statistic and order, the logical
// operators, LAMBDA's booleans.
constexpr std::string_view kKeywords = " REPEAT LINEAR ASC DESC AVG MIN MAX SUM AND OR true false ";

// `list` starts and ends with a space; `word` is a non-empty identifier.
bool InWordList(std::string_view list, std::string_view word) {
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

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id[0] < 'a' || id[0] > 'z') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), IsIdentifierChar);
}

bool IsMathQuery(const MetricQuery& q) { return !q.expression.empty() || !q.inputs.empty(); }

// A Metrics Insights query: the expression starts with SELECT (keywords are case-insensitive).
bool IsInsightsQuery(const MetricQuery& q) {
  std::string_view e = q.expression;
  size_t i = 0;
  while (i < e.size() && std::isspace(static_cast<unsigned char>(e[i]))) {
    ++i;
  }
  constexpr std::string_view kSelect = "select";
  if (e.size() - i < kSelect.size()) {
    return false;
  }
  for (size_t k = 0; k < kSelect.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(e[i + k])) != kSelect[k]) {
      return false;
    }
  }
  return e.size() - i == kSelect.size() || !IsIdentifierChar(e[i + kSelect.size()]);
}

std::string WireId(size_t index) { return "q" + std::to_string(index); }
std::string InputWireId(size_t index, size_t input) {
  return WireId(index) + "_" + std::to_string(input);
}

// ---- Planning ----

// What one query costs a call.
struct QueryShape {
  int64_t datapoint_period = 0;  // returned datapoints over a window: its length / this
  int64_t align = 0;             // every period of the query's wire entries divides this
  int64_t entries = 1;           // wire entries
  int64_t metrics = 1;           // MetricStat entries among them (billed per metric requested)
  bool insights = false;         // a Metrics Insights query
};

// Cost of one chunk of queries [begin, end) over a window of `length` seconds.
struct ChunkPlan {
  bool fits_whole_window = false;
  int64_t step_seconds = 0;  // sub-window length when it does not fit
  int64_t calls = 0;         // 0: impossible (one LCM unit alone exceeds the limit)
};

ChunkPlan PlanChunk(const std::vector<QueryShape>& shapes, size_t begin, size_t end,
                    int64_t length) {
  ChunkPlan plan;
  int64_t whole = 0;
  for (size_t i = begin; i < end; ++i) {
    whole += length / shapes[i].datapoint_period;
  }
  if (whole <= kMaxDatapointsPerCall) {
    plan.fits_whole_window = true;
    plan.calls = 1;
    return plan;
  }
  // Every period divides `length` (the window is aligned), so their LCM does too and stays
  // <= length: no overflow.
  int64_t lcm = 1;
  for (size_t i = begin; i < end; ++i) {
    lcm = std::lcm(lcm, shapes[i].align);
  }
  int64_t per_unit = 0;  // datapoints of the chunk in one LCM-long sub-window
  for (size_t i = begin; i < end; ++i) {
    per_unit += lcm / shapes[i].datapoint_period;
    if (per_unit > kMaxDatapointsPerCall) {
      return plan;
    }
  }
  const int64_t units_per_call = kMaxDatapointsPerCall / per_unit;
  const int64_t units = length / lcm;
  plan.step_seconds = units_per_call * lcm;
  plan.calls = (units + units_per_call - 1) / units_per_call;
  return plan;
}

// Consecutive chunks [first, second), each as long as it stays within `capacity` wire entries,
// one Metrics Insights query, and kMaxDatapointsPerCall datapoints in one sub-window as long as
// the LCM of its periods (so that every chunk can be read, splitting the window if need be).
// REQUIRES: every query alone satisfies all three (capacity >= its entries, align /
// datapoint_period <= kMaxDatapointsPerCall), and every align divides the window length.
std::vector<std::pair<size_t, size_t>> Chunks(const std::vector<QueryShape>& shapes,
                                              int64_t capacity) {
  std::vector<std::pair<size_t, size_t>> chunks;
  for (size_t begin = 0; begin < shapes.size();) {
    size_t end = begin;
    int64_t entries = 0;
    bool insights = false;
    int64_t lcm = 1;
    int64_t per_unit = 0;  // datapoints in one LCM-long sub-window
    while (end < shapes.size()) {
      const QueryShape& next = shapes[end];
      if (entries + next.entries > capacity || (insights && next.insights)) {
        break;
      }
      // lcm <= window length <= ~2.5e11 and per_unit <= kMaxDatapointsPerCall before scaling,
      // so the products stay far below 2^63.
      const int64_t next_lcm = std::lcm(lcm, next.align);
      const int64_t next_per_unit = per_unit * (next_lcm / lcm) + next_lcm / next.datapoint_period;
      if (end > begin && next_per_unit > kMaxDatapointsPerCall) {
        break;
      }
      entries += next.entries;
      insights = insights || next.insights;
      lcm = next_lcm;
      per_unit = next_per_unit;
      ++end;
    }
    chunks.emplace_back(begin, end);
    begin = end;
  }
  return chunks;
}

struct PlanCost {
  bool feasible = true;
  int64_t calls = 0;
  int64_t metric_requests = 0;  // sum over calls of MetricStat entries per call
};

PlanCost CostOfCapacity(const std::vector<QueryShape>& shapes, int64_t capacity, int64_t length) {
  PlanCost cost;
  for (const auto& [begin, end] : Chunks(shapes, capacity)) {
    ChunkPlan plan = PlanChunk(shapes, begin, end, length);
    if (plan.calls == 0) {
      cost.feasible = false;
      return cost;
    }
    int64_t metrics = 0;
    for (size_t i = begin; i < end; ++i) {
      metrics += shapes[i].metrics;
    }
    cost.calls += plan.calls;
    cost.metric_requests += plan.calls * metrics;
  }
  return cost;
}

// ---- Request ----

ordered_json MetricStatJson(const MetricStat& stat) {
  ordered_json metric = {{"Namespace", stat.namespace_name}, {"MetricName", stat.metric_name}};
  if (!stat.dimensions.empty()) {
    ordered_json dimensions = ordered_json::array();
    for (const Dimension& d : stat.dimensions) {
      dimensions.push_back({{"Name", d.name}, {"Value", d.value}});
    }
    metric["Dimensions"] = std::move(dimensions);
  }
  ordered_json metric_stat = {
      {"Metric", std::move(metric)}, {"Period", stat.period.count()}, {"Stat", stat.stat}};
  if (!stat.unit.empty()) {
    metric_stat["Unit"] = stat.unit;
  }
  return metric_stat;
}

// `expressions[i]` is query i's WireExpression() for math queries.
Result<std::string> BuildRequestBody(const std::vector<MetricQuery>& queries,
                                     const std::vector<std::string>& expressions,
                                     const PlannedCall& call,
                                     const std::optional<std::string>& next_token) {
  ordered_json data_queries = ordered_json::array();
  for (size_t index : call.query_indices) {
    const MetricQuery& q = queries[index];
    if (!IsMathQuery(q)) {
      data_queries.push_back(
          {{"Id", WireId(index)}, {"MetricStat", MetricStatJson(q.stat)}, {"ReturnData", true}});
      continue;
    }
    // Inputs first, as the console and the API examples order them.
    for (size_t k = 0; k < q.inputs.size(); ++k) {
      data_queries.push_back({{"Id", InputWireId(index, k)},
                              {"MetricStat", MetricStatJson(q.inputs[k].second)},
                              {"ReturnData", false}});
    }
    ordered_json expression = {{"Id", WireId(index)},
                               {"Expression", expressions[index]},
                               {"Period", q.period.count()},
                               {"ReturnData", true}};
    if (!q.label.empty()) {
      expression["Label"] = q.label;
    }
    data_queries.push_back(std::move(expression));
  }
  ordered_json body = {{"MetricDataQueries", std::move(data_queries)},
                       {"StartTime", ToUnixSeconds(call.window.start)},
                       {"EndTime", ToUnixSeconds(call.window.end)},
                       {"ScanBy", "TimestampAscending"}};
  if (next_token) {
    body["NextToken"] = *next_token;
  }
  try {
    return body.dump();
  } catch (const json::exception& e) {
    // The only failure dump() has: a string that is not valid UTF-8.
    return Status::InvalidArgument(std::string(kOperation) +
                                   ": cannot encode the request: " + e.what());
  }
}

// ---- Response ----

enum class ResultStatus { kComplete, kPartialData, kInternalError, kForbidden };

// Query index of a wire Id whose results are not ours to read (a math input, ReturnData false).
constexpr size_t kNotReturned = static_cast<size_t>(-1);

struct ParsedResult {
  size_t query_index = 0;  // or kNotReturned
  ResultStatus status = ResultStatus::kComplete;
  std::vector<std::pair<SystemTime, double>> points;
  std::string messages;              // "Code: Value; ..." from the result's Messages
  std::optional<std::string> label;  // names the series when an expression returns several
};

struct ParsedPage {
  std::vector<ParsedResult> results;
  std::optional<std::string> next_token;
};

Status Malformed(const std::string& what) { return json_util::Malformed(kOperation, what); }

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

using json_util::Kind;
using json_util::Member;

// Reads epoch seconds (an integer, or a float whose fraction is truncated) into `out`. Returns
// what is wrong with `v`, or "" when it is fine; called per datapoint, so nothing is built on
// success.
std::string ParseTimestamp(const json& v, SystemTime& out) {
  int64_t seconds = 0;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxEpochSeconds)) {
      return "is out of range: " + std::to_string(u);
    }
    seconds = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    seconds = v.get<int64_t>();
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxEpochSeconds)) {
      return "is out of range: " + http::Snippet(v.dump(), 40);
    }
    seconds = static_cast<int64_t>(d);
  } else {
    return "is " + Kind(v) + ", not epoch seconds";
  }
  if (seconds < 0 || seconds > kMaxEpochSeconds) {
    return "is out of range: " + std::to_string(seconds);
  }
  out = FromUnixSeconds(seconds);
  return "";
}

Result<ResultStatus> ParseResultStatus(const json* v, const std::string& where) {
  if (v == nullptr) {
    return Malformed(where + " has no StatusCode");
  }
  if (!v->is_string()) {
    return Malformed(where + ".StatusCode is " + Kind(*v) + ", not a string");
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s == "Complete") {
    return ResultStatus::kComplete;
  }
  if (s == "PartialData") {
    return ResultStatus::kPartialData;
  }
  if (s == "InternalError") {
    return ResultStatus::kInternalError;
  }
  if (s == "Forbidden") {
    return ResultStatus::kForbidden;
  }
  return Malformed(where + " has unknown StatusCode " + Quoted(s));
}

// Messages: [{"Code": "...", "Value": "..."}] -> "Code: Value; ...". Informational; junk is
// skipped rather than rejected.
std::string JoinMessages(const json* messages) {
  std::string out;
  if (messages == nullptr || !messages->is_array()) {
    return out;
  }
  for (const json& m : *messages) {
    if (!m.is_object()) {
      continue;
    }
    std::string text;
    const json* code = Member(m, "Code");
    const json* value = Member(m, "Value");
    if (code != nullptr && code->is_string()) {
      text = code->get<std::string>();
    }
    if (value != nullptr && value->is_string()) {
      text += (text.empty() ? "" : ": ") + value->get<std::string>();
    }
    if (!text.empty()) {
      out += (out.empty() ? "" : "; ") + text;
    }
  }
  return http::Snippet(out, 300);
}

Result<ParsedResult> ParseResult(const json& r, size_t position,
                                 const std::unordered_map<std::string, size_t>& ids) {
  std::string where = "MetricDataResults[" + std::to_string(position) + "]";
  if (!r.is_object()) {
    return Malformed(where + " is " + Kind(r) + ", not an object");
  }
  const json* id = Member(r, "Id");
  if (id == nullptr) {
    return Malformed(where + " has no Id");
  }
  if (!id->is_string()) {
    return Malformed(where + ".Id is " + Kind(*id) + ", not a string");
  }
  auto known = ids.find(id->get_ref<const std::string&>());
  if (known == ids.end()) {
    return Malformed(where + " has Id " + Quoted(id->get_ref<const std::string&>()) +
                     ", which this request did not send");
  }
  ParsedResult result;
  result.query_index = known->second;
  where += " (Id " + known->first + ")";
  SB_ASSIGN_OR_RETURN(result.status, ParseResultStatus(Member(r, "StatusCode"), where));
  result.messages = JoinMessages(Member(r, "Messages"));
  if (const json* label = Member(r, "Label"); label != nullptr && label->is_string()) {
    result.label = label->get<std::string>();
  }

  const json* timestamps = Member(r, "Timestamps");
  const json* values = Member(r, "Values");
  if (timestamps == nullptr && values == nullptr) {
    return result;  // no datapoints
  }
  if (timestamps == nullptr || values == nullptr) {
    return Malformed(where + " has " +
                     (timestamps ? "Timestamps but no Values" : "Values but no Timestamps"));
  }
  if (!timestamps->is_array()) {
    return Malformed(where + ".Timestamps is " + Kind(*timestamps) + ", not an array");
  }
  if (!values->is_array()) {
    return Malformed(where + ".Values is " + Kind(*values) + ", not an array");
  }
  if (timestamps->size() != values->size()) {
    return Malformed(where + " has " + std::to_string(timestamps->size()) + " Timestamps but " +
                     std::to_string(values->size()) + " Values");
  }
  result.points.reserve(values->size());
  for (size_t i = 0; i < values->size(); ++i) {
    auto at = [&](const char* field) {
      return where + "." + field + "[" + std::to_string(i) + "] ";
    };
    SystemTime t;
    if (std::string problem = ParseTimestamp((*timestamps)[i], t); !problem.empty()) {
      return Malformed(at("Timestamps") + problem);
    }
    const json& v = (*values)[i];
    if (!v.is_number()) {
      return Malformed(at("Values") + "is " + Kind(v) + ", not a number");
    }
    double value = v.get<double>();
    if (!std::isfinite(value)) {
      return Malformed(at("Values") + "is not a finite number");
    }
    result.points.emplace_back(t, value);
  }
  return result;
}

Result<ParsedPage> ParsePageUnchecked(std::string_view body,
                                      const std::unordered_map<std::string, size_t>& ids) {
  SB_ASSIGN_OR_RETURN(json doc, json_util::ParseObject(body, kOperation));
  ParsedPage page;
  const json* results = Member(doc, "MetricDataResults");
  if (results == nullptr) {
    return Malformed("no MetricDataResults: " + http::Snippet(body, 120));
  }
  if (!results->is_array()) {
    return Malformed("MetricDataResults is " + Kind(*results) + ", not an array");
  }
  page.results.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    SB_ASSIGN_OR_RETURN(ParsedResult r, ParseResult((*results)[i], i, ids));
    page.results.push_back(std::move(r));
  }
  if (const json* token = Member(doc, "NextToken")) {
    if (!token->is_string()) {
      return Malformed("NextToken is " + Kind(*token) + ", not a string");
    }
    if (!token->get_ref<const std::string&>().empty()) {
      page.next_token = token->get<std::string>();
    }
  }
  return page;
}

Result<ParsedPage> ParsePage(std::string_view body,
                             const std::unordered_map<std::string, size_t>& ids) {
  try {
    return ParsePageUnchecked(body, ids);
  } catch (const std::exception& e) {
    // Every access above is type-checked; this is the adapter's last line of defence.
    return Malformed(std::string("unreadable (") + e.what() + ")");
  }
}

std::string DescribeMetric(const MetricQuery& q) {
  if (IsMathQuery(q)) {
    return "math query \"" + q.id + "\" (expression " + Quoted(q.expression) + ")";
  }
  return "metric " + q.stat.namespace_name + "/" + q.stat.metric_name + " (query \"" + q.id + "\")";
}

// ---- Client ----

class CloudWatchClientImpl : public CloudWatchClient {
 public:
  CloudWatchClientImpl(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                       UniformRandom random, CloudWatchOptions options)
      : http_(http),
        credentials_(credentials),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)) {}

  // CloudWatchClient
  Result<std::vector<MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                  const TimeWindow& window, CloudWatchStats* stats,
                                                  const Deadline& deadline) override {
    CloudWatchStats cost;
    Result<std::vector<MetricSeries>> result = Fetch(queries, window, cost, deadline);
    if (stats != nullptr) {
      stats->calls += cost.calls;
      stats->throttled += cost.throttled;
      stats->datapoints += cost.datapoints;
    }
    return result;
  }

 private:
  int MaxAttempts() const { return std::max(1, options_.max_attempts); }

  Result<std::vector<MetricSeries>> Fetch(const std::vector<MetricQuery>& queries,
                                          const TimeWindow& window, CloudWatchStats& cost,
                                          const Deadline& deadline) {
    SB_ASSIGN_OR_RETURN(url_, RequestUrl());
    if (options_.region.empty()) {
      return Status::InvalidArgument(std::string(kOperation) + ": no AWS region configured");
    }
    Result<std::vector<PlannedCall>> plan = PlanGetMetricDataCalls(queries, window);
    if (!plan.ok()) {
      return plan.status().WithContext(kOperation);
    }
    std::vector<std::string> expressions(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      if (IsMathQuery(queries[i])) {
        Result<std::string> expression = WireExpression(queries[i], i);
        if (!expression.ok()) {
          return expression.status().WithContext(kOperation);
        }
        expressions[i] = std::move(expression).value();
      }
    }
    std::vector<MetricSeries> series(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      series[i].id = queries[i].id;
    }
    for (const PlannedCall& call : *plan) {
      SB_RETURN_IF_ERROR(RunCall(queries, expressions, call, series, cost, deadline));
    }
    return series;
  }

  Result<std::string> RequestUrl() const {
    Result<http::Url> url = http::ParseUrl(options_.endpoint);
    if (!url.ok()) {
      return url.status().WithContext(std::string(kOperation) + ": endpoint");
    }
    if (!url->query.empty()) {
      return Status::InvalidArgument(std::string(kOperation) + ": endpoint \"" + options_.endpoint +
                                     "\" must not have a query string");
    }
    std::string base = options_.endpoint;
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    return base + "/";
  }

  // One planned call: every page until NextToken runs out.
  Status RunCall(const std::vector<MetricQuery>& queries,
                 const std::vector<std::string>& expressions, const PlannedCall& call,
                 std::vector<MetricSeries>& series, CloudWatchStats& cost,
                 const Deadline& deadline) {
    std::unordered_map<std::string, size_t> ids;
    for (size_t index : call.query_indices) {
      ids.emplace(WireId(index), index);
      for (size_t k = 0; k < queries[index].inputs.size(); ++k) {
        ids.emplace(InputWireId(index, k), kNotReturned);
      }
    }
    // The label of each math query's series seen so far: a different one on a later page is a
    // second series.
    std::unordered_map<size_t, std::string> math_labels;
    std::optional<std::string> token;
    std::unordered_set<std::string> tokens_seen;
    int internal_error_attempts = 0;
    for (int page_number = 0;; ++page_number) {
      if (page_number >= std::max(1, options_.max_pages_per_call)) {
        return Status::Internal(std::string(kOperation) + ": still paging after " +
                                std::to_string(page_number) +
                                " pages (NextToken never ran out); giving up");
      }
      if (deadline.Expired(clock_)) {
        return deadline.ExpiredStatus(std::string(kOperation) + " (after " +
                                      std::to_string(page_number) + " pages of a call)");
      }
      SB_ASSIGN_OR_RETURN(std::string body, BuildRequestBody(queries, expressions, call, token));
      SB_ASSIGN_OR_RETURN(http::HttpResponse response, SendWithRetries(body, cost, deadline));
      SB_ASSIGN_OR_RETURN(ParsedPage page, ParsePage(response.body, ids));
      SB_RETURN_IF_ERROR(CheckOneSeriesPerMathQuery(queries, page, math_labels));

      const ParsedResult* internal_error = nullptr;
      for (const ParsedResult& r : page.results) {
        if (r.query_index == kNotReturned) {
          continue;  // a math input CloudWatch returned although we asked it not to
        }
        const MetricQuery& query = queries[r.query_index];
        if (r.status == ResultStatus::kForbidden) {
          return Status::PermissionDenied(std::string(kOperation) + ": access to " +
                                          DescribeMetric(query) + " is Forbidden" +
                                          (r.messages.empty() ? "" : ": " + r.messages));
        }
        if (r.status == ResultStatus::kInternalError && internal_error == nullptr) {
          internal_error = &r;
        }
        cost.datapoints += static_cast<int64_t>(r.points.size());
        auto& values = series[r.query_index].values;
        for (const auto& [t, v] : r.points) {
          if (call.window.Contains(t)) {
            values[t] = v;
          }
        }
      }

      if (internal_error != nullptr) {
        // API reference, MetricDataResult.StatusCode: "InternalError indicates that an error
        // occurred. Retry your request using NextToken, if present." Without a NextToken the
        // same page is requested again.
        ++internal_error_attempts;
        if (internal_error_attempts >= MaxAttempts()) {
          const ParsedResult& r = *internal_error;
          return Status::Unavailable(
              std::string(kOperation) + ": CloudWatch returned StatusCode InternalError for " +
              DescribeMetric(queries[r.query_index]) +
              (r.messages.empty() ? "" : " (" + r.messages + ")") + " (gave up after " +
              std::to_string(internal_error_attempts) + " attempts)");
        }
        if (!deadline.SleepFor(BackoffDelay(options_.backoff, internal_error_attempts - 1, random_),
                               clock_)) {
          return deadline.ExpiredStatus(std::string(kOperation) +
                                        " (retrying a result with StatusCode InternalError)");
        }
        if (page.next_token) {
          token = page.next_token;
        }
        continue;
      }
      internal_error_attempts = 0;
      if (!page.next_token) {
        return Status::Ok();
      }
      // A token we already followed would loop for ever (a broken or hostile server).
      if (!tokens_seen.insert(*page.next_token).second) {
        return Status::Internal(std::string(kOperation) + ": the response repeats a NextToken (" +
                                http::Snippet(*page.next_token, 64) +
                                ") already followed on page " + std::to_string(page_number + 1) +
                                "; giving up instead of looping");
      }
      token = page.next_token;  // PartialData, or simply more pages
    }
  }

  // A math query gets one series. An expression returning several (SEARCH, GROUP BY) comes back
  // as several results with the same Id, told apart by Label; whether CloudWatch repeats a math
  // result on later pages is not documented, so a repeat with the same label is accepted.
  static Status CheckOneSeriesPerMathQuery(const std::vector<MetricQuery>& queries,
                                           const ParsedPage& page,
                                           std::unordered_map<size_t, std::string>& labels) {
    std::unordered_map<size_t, int> on_page;
    for (const ParsedResult& r : page.results) {
      if (r.query_index == kNotReturned || !IsMathQuery(queries[r.query_index])) {
        continue;
      }
      const std::string label = r.label.value_or("");
      auto [seen, first] = labels.emplace(r.query_index, label);
      const bool second_on_page = ++on_page[r.query_index] > 1;
      const bool new_label =
          !first && !label.empty() && !seen->second.empty() && seen->second != label;
      if (second_on_page || new_label) {
        std::string labels_seen;
        if (!seen->second.empty() && !label.empty() && seen->second != label) {
          labels_seen = " (" + Quoted(seen->second) + ", " + Quoted(label) + ", ...)";
        }
        return Status::InvalidArgument(
            std::string(kOperation) + ": " + DescribeMetric(queries[r.query_index]) +
            " returned more than one time series" + labels_seen +
            "; a math query must return exactly one: aggregate in the expression (e.g. "
            "SUM(SEARCH(...))) or narrow it to one metric");
      }
      if (seen->second.empty()) {
        seen->second = label;
      }
    }
    return Status::Ok();
  }

  // Sends `body` until a 2xx response, retrying throttling, 5xx and transport errors.
  Result<http::HttpResponse> SendWithRetries(const std::string& body, CloudWatchStats& cost,
                                             const Deadline& deadline) {
    for (int attempt = 0;; ++attempt) {
      SB_ASSIGN_OR_RETURN(http::HttpRequest request, SignedRequest(body));
      request.timeout = deadline.Cap(request.timeout, clock_);
      ++cost.calls;
      Result<http::HttpResponse> response = http_.Send(request);
      Status status;
      if (!response.ok()) {
        status = response.status().WithContext(kOperation);
      } else if (response->status >= 200 && response->status <= 299) {
        return response;
      } else {
        status = AwsErrorStatus(kOperation, *response);
      }
      if (!IsRetryable(status)) {
        return status;
      }
      if (attempt + 1 >= MaxAttempts()) {
        return Status(status.code(), status.message() + " (gave up after " +
                                         std::to_string(attempt + 1) + " attempts)");
      }
      if (status.code() == StatusCode::kResourceExhausted) {
        ++cost.throttled;
      }
      if (!deadline.SleepFor(BackoffDelay(options_.backoff, attempt, random_), clock_) ||
          deadline.Expired(clock_)) {
        return Status(StatusCode::kDeadlineExceeded,
                      status.message() + " (no time left to retry: " +
                          deadline.ExpiredStatus("cycle").message() + ")");
      }
    }
  }

  // A request for `body`, signed now with the provider's current credentials.
  Result<http::HttpRequest> SignedRequest(const std::string& body) {
    SB_ASSIGN_OR_RETURN(
        http::HttpRequest request,
        json_util::SignedPost(credentials_, clock_, SigningScope{options_.region, kService}, url_,
                              {{"Content-Type", "application/x-amz-json-1.0"},
                               {"X-Amz-Target", kTarget},
                               {"x-amzn-query-mode", "true"}},
                              body, options_.timeout, kOperation));
    request.max_response_bytes = kMaxGetMetricDataResponseBytes;
    return request;
  }

  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  const UniformRandom random_;
  const CloudWatchOptions options_;
  std::string url_;  // "<endpoint>/", set by Fetch()
};

}  // namespace

int64_t DatapointsInWindow(const MetricStat& stat, const TimeWindow& window) {
  const int64_t period = stat.period.count();
  if (window.empty() || period <= 0) {
    return 0;
  }
  const int64_t length = (window.end - window.start).count();
  return length / period + (length % period != 0 ? 1 : 0);
}

int64_t DatapointsInWindow(const MetricQuery& query, const TimeWindow& window) {
  if (!IsMathQuery(query)) {
    return DatapointsInWindow(query.stat, window);
  }
  Seconds finest = query.period;
  for (const auto& [id, stat] : query.inputs) {
    if (stat.period.count() > 0) {
      finest = std::min(finest, stat.period);
    }
  }
  MetricStat returned;
  returned.period = finest;
  return DatapointsInWindow(returned, window);
}

int WireEntries(const MetricQuery& query) { return 1 + static_cast<int>(query.inputs.size()); }

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
  if (query.inputs.size() >= static_cast<size_t>(kMaxQueriesPerCall)) {
    return invalid("has " + std::to_string(query.inputs.size()) + " inputs; with the expression " +
                   "they must fit one GetMetricData call of " + std::to_string(kMaxQueriesPerCall) +
                   " queries");
  }
  for (size_t k = 0; k < query.inputs.size(); ++k) {
    const std::string& id = query.inputs[k].first;
    if (!IsValidId(id)) {
      return invalid("input id " + Quoted(id) +
                     " must start with a lowercase letter, continue with letters, digits or _ " +
                     "and be at most " + std::to_string(kMaxIdLength) + " characters");
    }
    for (size_t j = 0; j < k; ++j) {
      if (query.inputs[j].first == id) {
        return invalid("input id " + Quoted(id) + " is used twice");
      }
    }
  }
  if (IsInsightsQuery(query)) {
    if (!query.inputs.empty()) {
      return invalid("a Metrics Insights query (SELECT ...) takes no inputs");
    }
    return e;  // its names are metrics, namespaces and dimensions, never query ids
  }

  auto input_list = [&] {
    std::string list;
    for (const auto& [id, stat] : query.inputs) {
      list += (list.empty() ? "" : ", ") + id;
    }
    return list.empty() ? std::string("it has none") : list;
  };
  std::string out;
  out.reserve(e.size() + 16);
  const size_t n = e.size();
  for (size_t i = 0; i < n;) {
    const char c = e[i];
    if (c == '\'' || c == '"') {  // a string: SEARCH terms, LAMBDA arguments, quoted names
      size_t j = i + 1;
      while (j < n && e[j] != c) {
        j += e[j] == '\\' ? 2 : 1;
      }
      if (j >= n) {
        return invalid("expression has an unterminated string starting at character " +
                       std::to_string(i + 1) + ": " + Quoted(e.substr(i)));
      }
      out.append(e, i, j + 1 - i);
      i = j + 1;
    } else if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(e[i + 1]))) {
      // A number, exponent included ("1.5e-3"), so its letters are not identifiers.
      size_t j = i;
      while (j < n && (IsIdentifierChar(e[j]) || e[j] == '.')) {
        const bool exponent_sign =
            (e[j] == 'e' || e[j] == 'E') && j + 1 < n && (e[j + 1] == '+' || e[j + 1] == '-');
        j += exponent_sign ? 2 : 1;
      }
      out.append(e, i, j - i);
      i = j;
    } else if (IsIdentifierStart(c)) {
      size_t j = i;
      while (j < n && IsIdentifierChar(e[j])) {
        ++j;
      }
      const std::string_view word(e.data() + i, j - i);
      size_t next = j;
      while (next < n && std::isspace(static_cast<unsigned char>(e[next]))) {
        ++next;
      }
      if (next < n && e[next] == '(') {
        if (word == "METRICS") {
          return invalid(
              "METRICS() is not supported: it would see every metric of the GetMetricData "
              "call, which is shared with other queries; list the ids instead, e.g. "
              "SUM([m1, m2])");
        }
        if (!InWordList(kFunctions, word)) {
          return invalid("expression calls " + std::string(word) +
                         "(), which is not a CloudWatch metric math function");
        }
        out.append(word);
      } else if (auto input = std::find_if(query.inputs.begin(), query.inputs.end(),
                                           [&](const auto& in) { return in.first == word; });
                 input != query.inputs.end()) {
        out += InputWireId(index, static_cast<size_t>(input - query.inputs.begin()));
      } else if (InWordList(kKeywords, word)) {
        out.append(word);
      } else {
        return invalid("expression " + Quoted(e) + " uses " + std::string(word) +
                       ", which is not one of its inputs (" + input_list() + ")");
      }
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  if (out.size() > kMaxExpressionLength) {
    return invalid("expression is " + std::to_string(out.size()) +
                   " characters once its ids are rewritten for the wire, more than the " +
                   std::to_string(kMaxExpressionLength) + " allowed");
  }
  return out;
}

Result<std::vector<PlannedCall>> PlanGetMetricDataCalls(const std::vector<MetricQuery>& queries,
                                                        const TimeWindow& window) {
  const int64_t start = ToUnixSeconds(window.start);
  const int64_t end = ToUnixSeconds(window.end);
  if (start < 0 || end < 0 || start > kMaxEpochSeconds || end > kMaxEpochSeconds) {
    return Status::InvalidArgument("window [" + std::to_string(start) + ", " + std::to_string(end) +
                                   ") is outside the years 1970..9999");
  }
  auto check_period = [&](const std::string& who, Seconds period) -> Status {
    if (period.count() <= 0) {
      return Status::InvalidArgument(who + ": period must be positive, got " +
                                     std::to_string(period.count()) + "s");
    }
    if (start % period.count() != 0 || end % period.count() != 0) {
      return Status::InvalidArgument(who + ": window " + FormatIso8601(window.start) + " .. " +
                                     FormatIso8601(window.end) + " is not aligned to its " +
                                     FormatDuration(period) + " period");
    }
    return Status::Ok();
  };
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = queries[i];
    const std::string who = "query \"" + q.id + "\"";
    if (!IsMathQuery(q)) {
      SB_RETURN_IF_ERROR(check_period(who, q.stat.period));
      continue;
    }
    SB_RETURN_IF_ERROR(WireExpression(q, i).status());
    SB_RETURN_IF_ERROR(check_period(who, q.period));
    for (const auto& [id, stat] : q.inputs) {
      SB_RETURN_IF_ERROR(check_period(who + " input " + id, stat.period));
    }
  }
  std::vector<PlannedCall> plan;
  if (window.empty() || queries.empty()) {
    return plan;
  }
  const int64_t length = end - start;
  // Every period divides `length` now, so LCMs of them do too: no overflow.
  std::vector<QueryShape> shapes(queries.size());
  int64_t total_entries = 0;
  int64_t max_entries = 1;
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = queries[i];
    QueryShape& shape = shapes[i];
    if (!IsMathQuery(q)) {
      shape.datapoint_period = shape.align = q.stat.period.count();
    } else {
      shape.datapoint_period = shape.align = q.period.count();
      for (const auto& [id, stat] : q.inputs) {
        shape.datapoint_period = std::min(shape.datapoint_period, stat.period.count());
        shape.align = std::lcm(shape.align, stat.period.count());
      }
      shape.entries = WireEntries(q);
      shape.metrics = static_cast<int64_t>(q.inputs.size());
      shape.insights = IsInsightsQuery(q);
      if (shape.align / shape.datapoint_period > kMaxDatapointsPerCall) {
        return Status::InvalidArgument(
            "query \"" + q.id + "\": its periods are too far apart: its finest series (" +
            FormatDuration(Seconds(shape.datapoint_period)) + ") returns more than " +
            std::to_string(kMaxDatapointsPerCall) + " datapoints in the " +
            FormatDuration(Seconds(shape.align)) + " its periods align on");
      }
    }
    total_entries += shape.entries;
    max_entries = std::max(max_entries, shape.entries);
  }
  const int64_t max_capacity = std::min<int64_t>(total_entries, kMaxQueriesPerCall);

  // Full chunks over the whole window are optimal in both calls and metrics requested; only
  // when they do not fit is it worth searching the capacity.
  int64_t best_capacity = max_capacity;
  PlanCost best = CostOfCapacity(shapes, max_capacity, length);
  const int64_t min_calls = static_cast<int64_t>(Chunks(shapes, max_capacity).size());
  if (!best.feasible || best.calls > min_calls) {
    for (int64_t capacity = max_capacity - 1; capacity >= max_entries; --capacity) {
      PlanCost cost = CostOfCapacity(shapes, capacity, length);
      if (!cost.feasible) {
        continue;
      }
      if (!best.feasible || cost.calls < best.calls ||
          (cost.calls == best.calls && cost.metric_requests < best.metric_requests)) {
        best = cost;
        best_capacity = capacity;
      }
    }
  }
  // Chunks() only builds chunks that one LCM-long sub-window can read, and every query fits
  // one on its own (checked above).
  if (!best.feasible) {
    return Status::Internal("GetMetricData planner: no feasible plan (a bug)");
  }
  if (best.calls > kMaxPlannedCalls) {
    return Status::InvalidArgument(
        "window " + FormatIso8601(window.start) + " .. " + FormatIso8601(window.end) + " needs " +
        std::to_string(best.calls) + " GetMetricData calls, more than the " +
        std::to_string(kMaxPlannedCalls) + " allowed; shorten it or use longer periods");
  }
  for (const auto& [begin, chunk_end] : Chunks(shapes, best_capacity)) {
    std::vector<size_t> indices(chunk_end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    ChunkPlan chunk = PlanChunk(shapes, begin, chunk_end, length);
    if (chunk.fits_whole_window) {
      plan.push_back(PlannedCall{std::move(indices), window});
      continue;
    }
    for (int64_t s = start; s < end; s += chunk.step_seconds) {
      const int64_t e = std::min(end, s + chunk.step_seconds);
      plan.push_back(PlannedCall{indices, TimeWindow{FromUnixSeconds(s), FromUnixSeconds(e)}});
    }
  }
  return plan;
}

std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options) {
  return std::make_unique<CloudWatchClientImpl>(http, credentials, clock, std::move(random),
                                                std::move(options));
}

}  // namespace statusbridge::aws
